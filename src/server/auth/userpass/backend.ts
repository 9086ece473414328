// The userpass auth method: users with scrypt-hashed passwords, Vault's token fields and user lockout.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import {
  internalString,
  requireSamePolicies,
  requireStillExists,
  underCurrentTokenSettings,
} from '../../../sdk/framework/login-renew.ts'
import { listedPolicyHolders, tokenPolicyHolder } from '../../../sdk/framework/token-params.ts'
import { DEFAULT_USER_LOCKOUT } from '../../../sdk/framework/user-lockout.ts'
import { loginPath } from './path-login.ts'
import { userPasswordPath, userPoliciesPath } from './path-user-fields.ts'
import { userPath, usersListPath } from './path-users.ts'
import { lockoutIdentity, setupUserpass, type UserpassState } from './state.ts'
import { listUsers, loadUser, normalizeUsername } from './user-store.ts'

export const userpassBackend = defineBackend<UserpassState>({
  kind: 'auth',
  help: 'The userpass auth method lets users log in with a username and password kept in Coffer.',
  paths: [usersListPath, userPath, userPasswordPath, userPoliciesPath, loginPath],
  specialPaths: { unauthenticated: ['login/*'] },
  setup: setupUserpass,
  // Vault's userpass renews only while the user exists with the policies the token was issued with.
  renewLogin: async ({ storage }, { internal, policies }) => {
    const user = requireStillExists(await loadUser(storage, internalString(internal, 'username')), 'the user')
    requireSamePolicies(user.tokenPolicies, policies)
    return underCurrentTokenSettings(user)
  },
  policyHolders: async ({ storage }) =>
    listedPolicyHolders(
      await listUsers(storage),
      (name) => loadUser(storage, name),
      (name, user) => tokenPolicyHolder('user', name, user),
    ),
  periodic: ({ state, system }) =>
    state.lockout.tidy(system.userLockout ?? DEFAULT_USER_LOCKOUT, system.now()),
  // sys/locked-users names a locked user by username, as Vault does.
  userLockout: (state) => ({
    lockout: state.lockout,
    identityOf: (alias) => lockoutIdentity(state, normalizeUsername(alias)),
  }),
})
