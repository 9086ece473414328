// jwt/oidc roles: write (create or update), read, delete and LIST role/.
import { definePath } from '../../../sdk/framework/backend.ts'
import { putJson } from '../../../sdk/storage.ts'
import {
  checkAgainstMount,
  loadRole,
  roleFields,
  roleKey,
  roleResponse,
  roleWarnings,
  updateRole,
} from './role.ts'
import type { JwtState } from './state.ts'

export const rolePath = definePath<typeof roleFields, JwtState>({
  pattern: 'role/:name',
  fields: roleFields,
  help: 'A role binds claims a JWT must carry to the token it gets.',
  exists: async ({ storage, params }) =>
    (await loadRole(storage, params['name']!.toLowerCase())) !== undefined,
  operations: {
    read: async ({ storage, params }) => {
      const role = await loadRole(storage, params['name']!.toLowerCase())
      return role ? { data: roleResponse(role) } : undefined
    },
    update: ({ storage, state, params, input, request, system }) => {
      // Role names are case-insensitive in Vault's jwt method.
      const name = params['name']!.toLowerCase()
      return state.locks.run(name, async () => {
        const role = updateRole(await loadRole(storage, name), input, request.data)
        checkAgainstMount(role, system.maxLeaseTtl)
        await putJson(storage, roleKey(name), role)
        const warnings = roleWarnings(role, system.maxLeaseTtl)
        return warnings.length > 0 ? { warnings } : undefined
      })
    },
    delete: ({ storage, state, params }) => {
      const name = params['name']!.toLowerCase()
      return state.locks.run(name, async () => {
        await storage.delete(roleKey(name))
        return undefined
      })
    },
  },
})

export const roleListPath = definePath<Record<string, never>, JwtState>({
  pattern: 'role/',
  listKeys: 'names',
  help: 'The names of the roles.',
  operations: {
    list: async ({ storage }) => {
      const keys = await storage.list('role/')
      return keys.length > 0 ? { data: { keys } } : undefined
    },
  },
})
