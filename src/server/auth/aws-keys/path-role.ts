// role/ (LIST) and role/:name: the roles access keys are bound to, with the token settings their logins get.
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { applyTokenFields, tokenFields, tokenParamsView } from '../../../sdk/framework/token-params.ts'
import { accessKeyPath, listAccessKeys, loadAccessKey } from './key-store.ts'
import { defaultRole, listRoles, loadRole, normalizeRoleName, roleKey, saveRole } from './role-store.ts'
import type { AwsKeysState } from './state.ts'

export const roleListPath = definePath<Record<string, never>, AwsKeysState>({
  pattern: 'role/',
  listKeys: 'names',
  help: 'List the roles of this mount.',
  operations: {
    list: async ({ storage }) => listResponse(await listRoles(storage)),
  },
})

const fields = {
  name: f.string({ description: 'Name of the role (case-insensitive).' }),
  ...tokenFields,
  token_type: f.string({ description: 'batch (the default here: a login stores nothing) or service.' }),
}

export const rolePath = definePath<typeof fields, AwsKeysState>({
  pattern: 'role/:name',
  fields,
  help: 'A role: the policies and token settings of logins with its access keys.',
  exists: async ({ storage, input }) =>
    (await loadRole(storage, normalizeRoleName(input.name))) !== undefined,
  operations: {
    read: async ({ storage, input }) => {
      const role = await loadRole(storage, normalizeRoleName(input.name))
      return role ? { data: tokenParamsView(role) } : undefined
    },

    update: ({ storage, state, input }) => {
      const name = normalizeRoleName(input.name)
      return state.locks.run(`role:${name}`, async () => {
        const existing = await loadRole(storage, name)
        await saveRole(storage, name, applyTokenFields(existing ?? defaultRole(), input))
        return undefined
      })
    },

    // The role's access keys go with it, each under its own lock, so a rotation in flight cannot bring one back.
    delete: ({ storage, state, input }) => {
      const name = normalizeRoleName(input.name)
      return state.locks.run(`role:${name}`, async () => {
        for (const id of await listAccessKeys(storage)) {
          await state.locks.run(`key:${id}`, async () => {
            if ((await loadAccessKey(storage, id))?.role === name) await storage.delete(accessKeyPath(id))
          })
        }
        await storage.delete(roleKey(name))
        return undefined
      })
    },
  },
})
