// The approle auth method: roles, RoleIDs and secret IDs (stored only as HMACs) for machine logins.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import {
  internalString,
  requireStillExists,
  underCurrentTokenSettings,
} from '../../../sdk/framework/login-renew.ts'
import { listedPolicyHolders, tokenPolicyHolder } from '../../../sdk/framework/token-params.ts'
import { DEFAULT_USER_LOCKOUT } from '../../../sdk/framework/user-lockout.ts'
import { loginPath } from './path-login.ts'
import { roleListPath, rolePath } from './path-role.ts'
import { roleFieldPaths } from './path-role-fields.ts'
import { roleIdPath } from './path-role-id.ts'
import { customSecretIdPath, secretIdPath } from './path-secret-id.ts'
import {
  accessorDestroyPath,
  accessorLookupPath,
  secretIdDestroyPath,
  secretIdLookupPath,
} from './path-secret-id-ops.ts'
import { tidyPath } from './path-tidy.ts'
import { listRoles, loadRole } from './role-store.ts'
import { tidySecretIds } from './secret-id-store.ts'
import { type ApproleState, mac, setupApprole } from './state.ts'

const TIDY_INTERVAL_MS = 60_000

export const approleBackend = defineBackend<ApproleState>({
  kind: 'auth',
  help: 'The approle auth method lets machines log in with a RoleID and a secret ID.',
  paths: [
    roleListPath,
    rolePath,
    roleIdPath,
    secretIdPath,
    customSecretIdPath,
    secretIdLookupPath,
    secretIdDestroyPath,
    accessorLookupPath,
    accessorDestroyPath,
    loginPath,
    tidyPath,
    ...roleFieldPaths,
  ],
  specialPaths: { unauthenticated: ['login'] },
  setup: setupApprole,
  // As in Vault: a token renews only while its role exists.
  renewLogin: async ({ storage }, { internal }) => {
    const role = requireStillExists(await loadRole(storage, internalString(internal, 'roleName')), 'the role')
    return underCurrentTokenSettings(role)
  },
  policyHolders: async ({ storage }) =>
    listedPolicyHolders(
      await listRoles(storage),
      (name) => loadRole(storage, name),
      (name, role) => tokenPolicyHolder('role', name, role),
    ),
  // sys/locked-users names a locked role by its role ID, as Vault does.
  userLockout: (state) => ({ lockout: state.lockout, identityOf: (alias) => mac(state, 'role_id', alias) }),
  periodic: async ({ storage, state, system }) => {
    const now = system.now()
    await state.lockout.tidy(system.userLockout ?? DEFAULT_USER_LOCKOUT, now)
    if (now - state.lastTidy < TIDY_INTERVAL_MS) return
    state.lastTidy = now
    const removed = await tidySecretIds(storage, state, now)
    if (removed > 0) system.log('info', 'removed expired secret IDs', { count: removed })
  },
})
