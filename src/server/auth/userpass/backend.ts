// The userpass auth method: users with scrypt-hashed passwords, Vault's token fields and user lockout.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { DEFAULT_USER_LOCKOUT } from '../../../sdk/framework/user-lockout.ts'
import { loginPath } from './path-login.ts'
import { userPasswordPath, userPoliciesPath } from './path-user-fields.ts'
import { userPath, usersListPath } from './path-users.ts'
import { setupUserpass, type UserpassState } from './state.ts'

export const userpassBackend = defineBackend<UserpassState>({
  kind: 'auth',
  help: 'The userpass auth method lets users log in with a username and password kept in Coffer.',
  paths: [usersListPath, userPath, userPasswordPath, userPoliciesPath, loginPath],
  specialPaths: { unauthenticated: ['login/*'] },
  setup: setupUserpass,
  periodic: ({ state, system }) =>
    state.lockout.tidy(system.userLockout ?? DEFAULT_USER_LOCKOUT, system.now()),
})
