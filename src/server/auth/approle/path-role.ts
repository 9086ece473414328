// role/ (LIST) and role/:role_name: create, read, update and delete AppRoles.
import { invalidCidrs } from '../../../lib/cidr.ts'
import { uuid } from '../../../lib/random.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import {
  applyTokenFields,
  defaultTokenParams,
  legacyTokenFields,
  tokenFields,
  tokenParamsView,
} from '../../../sdk/framework/token-params.ts'
import type { Storage } from '../../../sdk/storage.ts'
import {
  deleteRoleEntry,
  listRoles,
  loadRole,
  normalizeRoleName,
  type RoleEntry,
  roleNameForRoleId,
  saveRole,
} from './role-store.ts'
import { deleteSecretIdOps, loadSecretId, secretIdKeys } from './secret-id-store.ts'
import { type ApproleState, mac } from './state.ts'

export const roleListPath = definePath<Record<string, never>, ApproleState>({
  pattern: 'role/',
  listKeys: 'names',
  help: 'List the AppRoles of this mount.',
  operations: {
    list: async ({ storage }) => {
      const keys = await listRoles(storage)
      return listResponse(keys)
    },
  },
})

export const roleFields = {
  role_name: f.string({ description: 'Name of the role (case-insensitive).' }),
  role_id: f.string({ description: 'A custom RoleID; a UUID is generated when absent.' }),
  bind_secret_id: f.bool({ description: 'Require a secret_id at login (default true).' }),
  secret_id_bound_cidrs: f.list({ description: 'Client addresses allowed to log in with this role.' }),
  bound_cidr_list: f.list({ description: 'Deprecated: use secret_id_bound_cidrs.' }),
  secret_id_num_uses: f.int({ description: 'Default uses per secret ID; 0 is unlimited.' }),
  secret_id_ttl: f.duration({ description: 'Default lifetime of secret IDs; 0 never expires.' }),
  local_secret_ids: f.bool({ description: 'Secret IDs stay on this cluster; set only at creation.' }),
  ...tokenFields,
  policies: legacyTokenFields.policies,
  period: legacyTokenFields.period,
}

type RoleInput = { [K in keyof typeof roleFields]?: unknown }

/**
 * Vault's AppRole stores "default-service" and "default-batch" as plain "service" and "batch" (on a role they
 * mean nothing more), and says so in a warning.
 */
function adjustLegacyTokenType(tokenType: unknown): { token_type: unknown; warning?: string } {
  if (typeof tokenType !== 'string') return { token_type: tokenType }
  const type = tokenType.toLowerCase()
  if (type !== 'default-service' && type !== 'default-batch') return { token_type: tokenType }
  const plain = type.slice('default-'.length)
  return { token_type: plain, warning: `${type} has no useful meaning; adjusting to ${plain}` }
}

/** The role after applying `input` over `existing` (or the defaults), validated as Vault validates it. */
export function applyRoleFields(existing: RoleEntry | undefined, input: RoleInput): RoleEntry {
  if (existing && input.local_secret_ids !== undefined && input.local_secret_ids !== existing.localSecretIds)
    throw new InvalidRequestError('local_secret_ids can only be modified during role creation')
  const base: RoleEntry = existing ?? {
    ...defaultTokenParams(),
    roleId: uuid(),
    bindSecretId: true,
    secretIdBoundCidrs: [],
    secretIdNumUses: 0,
    secretIdTtl: 0,
    localSecretIds: false,
  }
  const role: RoleEntry = { ...base, ...applyTokenFields(base, input) }
  if (input.role_id !== undefined) {
    if (String(input.role_id).trim() === '') throw new InvalidRequestError('role_id cannot be empty')
    role.roleId = String(input.role_id)
  }
  if (input.bind_secret_id !== undefined) role.bindSecretId = input.bind_secret_id as boolean
  // bound_cidr_list is Vault's older name (node-vault still sends it); the current name wins when both are given.
  const boundCidrs = input.secret_id_bound_cidrs ?? input.bound_cidr_list
  if (boundCidrs !== undefined) role.secretIdBoundCidrs = boundCidrs as string[]
  if (input.secret_id_num_uses !== undefined) role.secretIdNumUses = input.secret_id_num_uses as number
  if (input.secret_id_ttl !== undefined) role.secretIdTtl = input.secret_id_ttl as number
  if (!existing && input.local_secret_ids !== undefined)
    role.localSecretIds = input.local_secret_ids as boolean
  if (role.secretIdNumUses < 0) throw new InvalidRequestError('secret_id_num_uses cannot be negative')
  const invalid = invalidCidrs(role.secretIdBoundCidrs)
  if (invalid.length > 0)
    throw new InvalidRequestError(`invalid CIDR block in secret_id_bound_cidrs: ${invalid.join(', ')}`)
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.tokenBoundCidrs.length === 0)
    throw new InvalidRequestError(
      'at least one constraint should be enabled on the role: bind_secret_id, secret_id_bound_cidrs or token_bound_cidrs',
    )
  return role
}

/** The role as Vault's read shows it. */
export function roleView(role: RoleEntry): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: role.secretIdBoundCidrs,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    ...tokenParamsView(role),
  }
}

/** Store a changed role under its lock, refusing a role_id another role already uses. */
export async function writeRole(
  storage: Storage,
  state: ApproleState,
  name: string,
  change: (existing: RoleEntry | undefined) => RoleEntry,
): Promise<undefined> {
  return state.locks.run(`role:${name}`, async () => {
    const existing = await loadRole(storage, name)
    const role = change(existing)
    if (role.roleId === existing?.roleId) {
      await saveRole(storage, state, name, role, existing?.roleId)
      return undefined
    }
    // A new role ID is checked and claimed under a lock of its own (taken inside the role's, never the other way):
    // two roles taking one role ID at once would otherwise both pass the check.
    return state.locks.run(`role_id:${mac(state, 'role_id', role.roleId)}`, async () => {
      const owner = await roleNameForRoleId(storage, state, role.roleId)
      if (owner !== undefined && owner !== name) throw new InvalidRequestError('role_id already in use')
      await saveRole(storage, state, name, role, existing?.roleId)
      return undefined
    })
  })
}

export const rolePath = definePath<typeof roleFields, ApproleState>({
  pattern: 'role/:role_name',
  fields: roleFields,
  help: 'An AppRole: the constraints on its secret IDs and the token settings of its logins.',
  exists: async ({ storage, input }) =>
    (await loadRole(storage, normalizeRoleName(input.role_name))) !== undefined,
  operations: {
    read: async ({ storage, input }) => {
      const role = await loadRole(storage, normalizeRoleName(input.role_name))
      return role ? { data: roleView(role) } : undefined
    },

    update: async ({ storage, state, input }) => {
      const { token_type, warning } = adjustLegacyTokenType(input.token_type)
      await writeRole(storage, state, normalizeRoleName(input.role_name), (existing) =>
        applyRoleFields(existing, { ...input, token_type }),
      )
      return warning ? { warnings: [warning] } : undefined
    },

    delete: ({ storage, state, input }) => {
      const name = normalizeRoleName(input.role_name)
      return state.locks.run(`role:${name}`, async () => {
        const role = await loadRole(storage, name)
        if (!role) return undefined
        // The role's secret IDs and their accessors go with it, each under its own lock: a login spending a use
        // would otherwise write the decremented entry back after this delete, and a role recreated with this
        // name would accept it again.
        for (const key of await secretIdKeys(storage, state, name)) {
          await state.locks.run(key, async () => {
            const entry = await loadSecretId(storage, key)
            await storage.batch(entry ? deleteSecretIdOps(state, key, entry) : [{ op: 'delete', key }])
          })
        }
        await deleteRoleEntry(storage, state, name, role)
        return undefined
      })
    },
  },
})
