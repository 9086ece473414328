// login: role_id (+ secret_id when bound) for a token; a limited-use secret ID is consumed durably, one login at a time.
import { addressAllowed } from '../../../lib/cidr.ts'
import { constantTimeEqual } from '../../../lib/hash.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import { DEFAULT_USER_LOCKOUT, LOCKED_OUT } from '../../../sdk/framework/user-lockout.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadRole, roleNameForRoleId } from './role-store.ts'
import {
  deleteSecretIdOps,
  isExpired,
  loadSecretId,
  type SecretIdEntry,
  secretIdKey,
} from './secret-id-store.ts'
import { type ApproleState, mac } from './state.ts'

const fields = {
  role_id: f.string({ description: 'The RoleID of the AppRole.', sensitive: true }),
  secret_id: f.string({ description: 'A secret ID of the AppRole.', sensitive: true }),
}

/** One answer for an unknown role ID, a wrong, expired or used-up secret ID: the reply reveals none of them. */
export const INVALID_CREDENTIALS = 'invalid role or secret ID'
export { LOCKED_OUT }

class LoginRefused extends InvalidRequestError {
  constructor() {
    super(INVALID_CREDENTIALS)
  }
}

function addressRefused(what: string): PermissionDeniedError {
  return new PermissionDeniedError(`permission denied: source address not allowed by the ${what}`)
}

/**
 * Check and consume one use of a secret ID. An unlimited one needs no write; a limited one is re-read and
 * decremented (or deleted on its last use) under its lock, so two concurrent logins cannot both spend the last use.
 */
async function useSecretId(
  storage: Storage,
  state: ApproleState,
  key: string,
  nowMs: number,
  remoteAddress: string,
): Promise<SecretIdEntry> {
  const check = (entry: SecretIdEntry | undefined): SecretIdEntry => {
    if (!entry || isExpired(entry, nowMs)) throw new LoginRefused()
    if (!addressAllowed(remoteAddress, entry.cidrList)) throw addressRefused("secret ID's cidr_list")
    return entry
  }
  const first = check(await loadSecretId(storage, key))
  if (first.numUses === 0) return first
  return state.locks.run(key, async () => {
    const entry = check(await loadSecretId(storage, key))
    if (entry.numUses === 1) await storage.batch(deleteSecretIdOps(state, key, entry))
    else if (entry.numUses > 1)
      await storage.put(
        key,
        Buffer.from(JSON.stringify({ ...entry, numUses: entry.numUses - 1, lastUpdatedTimeMs: nowMs })),
      )
    return entry
  })
}

export const loginPath = definePath<typeof fields, ApproleState>({
  pattern: 'login',
  fields,
  help: 'Log in with a RoleID and, when the role binds one, a secret ID.',
  operations: {
    update: async ({ storage, state, system, request, input }) => {
      const roleId = input.role_id
      if (!roleId) throw new InvalidRequestError('missing role_id')
      const config = system.userLockout ?? DEFAULT_USER_LOCKOUT
      // Locked by role ID, as Vault does: at most the threshold's worth of wrong secret IDs are ever checked
      // per lockout window, however many arrive at once (see UserLockout.attempt).
      return state.lockout.attempt({
        identity: mac(state, 'role_id', roleId),
        alias: roleId,
        config,
        now: () => system.now(),
        isWrongCredential: (error) => error instanceof LoginRefused,
        run: async () => {
          const name = await roleNameForRoleId(storage, state, roleId)
          const role = name === undefined ? undefined : await loadRole(storage, name)
          // The index may be a step behind a role-id change or a delete and re-create: the role must still own it.
          if (!name || !role || !constantTimeEqual(role.roleId, roleId)) throw new LoginRefused()
          if (!addressAllowed(request.remoteAddress, role.secretIdBoundCidrs))
            throw addressRefused("role's secret_id_bound_cidrs")
          let secret: SecretIdEntry | undefined
          if (role.bindSecretId) {
            if (!input.secret_id) throw new InvalidRequestError('missing secret_id')
            const key = secretIdKey(state, name, input.secret_id)
            secret = await useSecretId(storage, state, key, system.now(), request.remoteAddress)
          }
          const grant = tokenGrant(role)
          return {
            auth: {
              ...grant,
              // A secret ID's own token_bound_cidrs override the role's (they were checked to be a subset).
              boundCidrs: secret?.tokenBoundCidrs.length ? secret.tokenBoundCidrs : grant.boundCidrs,
              metadata: { ...(secret?.metadata ?? {}), role_name: name },
              internal: { roleName: name },
              // As in Vault, the entity alias is the role ID, so every login of the role shares one entity.
              alias: { name: roleId, metadata: { role_name: name } },
            },
          }
        },
      })
    },
  },
})
