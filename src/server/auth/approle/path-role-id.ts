// role/:role_name/role-id: read the RoleID, or set a custom one.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { writeRole } from './path-role.ts'
import { loadRole, normalizeRoleName } from './role-store.ts'
import type { ApproleState } from './state.ts'

const fields = {
  role_name: f.string(),
  role_id: f.string({ description: 'The custom RoleID to set.' }),
}

export const roleIdPath = definePath<typeof fields, ApproleState>({
  pattern: 'role/:role_name/role-id',
  fields,
  help: "Read or set an AppRole's RoleID.",
  operations: {
    read: async ({ storage, input }) => {
      const role = await loadRole(storage, normalizeRoleName(input.role_name))
      return role ? { data: { role_id: role.roleId } } : undefined
    },
    update: ({ storage, state, input }) => {
      const roleId = input.role_id
      if (roleId === undefined || roleId.trim() === '') throw new InvalidRequestError('missing role_id')
      const name = normalizeRoleName(input.role_name)
      return writeRole(storage, state, name, (existing) => {
        if (!existing) throw new InvalidRequestError(`role "${name}" does not exist`)
        return { ...existing, roleId }
      })
    },
  },
})
