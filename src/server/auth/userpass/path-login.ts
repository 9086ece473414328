// login/:username: check the password (same answer and same scrypt work whether or not the user exists) and grant a token.
import { addressAllowed } from '../../../lib/cidr.ts'
import { AppError, InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import { DEFAULT_USER_LOCKOUT } from '../../../sdk/framework/user-lockout.ts'
import { verifyPassword } from './password-hash.ts'
import { lockoutIdentity, type UserpassState } from './state.ts'
import { loadUser, normalizeUsername } from './user-store.ts'

const fields = {
  username: f.string(),
  password: f.string({ description: 'The password.', sensitive: true }),
}

/** Vault's answer to a wrong password and to an unknown user alike, so the reply does not reveal which. */
export const INVALID_CREDENTIALS = 'invalid username or password'
export const LOCKED_OUT = 'permission denied: too many failed login attempts; try again later'

export const loginPath = definePath<typeof fields, UserpassState>({
  pattern: 'login/:username',
  fields,
  help: 'Log in with a username and password.',
  operations: {
    update: async ({ storage, state, system, request, input }) => {
      const username = normalizeUsername(input.username)
      const password = input.password
      if (password === undefined || password === '') throw new InvalidRequestError('missing password')
      const lockout = system.userLockout ?? DEFAULT_USER_LOCKOUT
      const identity = lockoutIdentity(state, username)
      // A locked identity is refused before any password work, as Vault does; unknown names lock the same way.
      if (await state.lockout.isLocked(identity, lockout, system.now()))
        throw new AppError('permission_denied', 403, LOCKED_OUT)
      const user = await loadUser(storage, username)
      const matches = await verifyPassword(password, user?.passwordHash ?? (await state.dummyHash))
      if (!user || !matches) {
        await state.lockout.recordFailure(identity, lockout, system.now(), username)
        throw new InvalidRequestError(INVALID_CREDENTIALS)
      }
      state.lockout.recordSuccess(identity)
      if (!addressAllowed(request.remoteAddress, user.tokenBoundCidrs)) throw new PermissionDeniedError()
      return {
        auth: {
          ...tokenGrant(user),
          displayName: username,
          metadata: { username },
          internal: { username },
          alias: { name: username },
        },
      }
    },
  },
})
