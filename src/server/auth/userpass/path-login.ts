// login/:username: check the password (same answer and same scrypt work whether or not the user exists) and grant a token.
import { addressAllowed } from '../../../lib/cidr.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import { DEFAULT_USER_LOCKOUT, LOCKED_OUT } from '../../../sdk/framework/user-lockout.ts'
import { verifyPassword } from './password-hash.ts'
import { lockoutIdentity, type UserpassState } from './state.ts'
import { loadUser, normalizeUsername } from './user-store.ts'

const fields = {
  username: f.string(),
  password: f.string({ description: 'The password.', sensitive: true }),
}

/** Vault's answer to a wrong password and to an unknown user alike, so the reply does not reveal which. */
export const INVALID_CREDENTIALS = 'invalid username or password'
export { LOCKED_OUT }

/** A wrong password or unknown user: the only refusal user lockout counts. */
class WrongCredentials extends InvalidRequestError {
  constructor() {
    super(INVALID_CREDENTIALS)
  }
}

export const loginPath = definePath<typeof fields, UserpassState>({
  pattern: 'login/:username',
  fields,
  help: 'Log in with a username and password.',
  operations: {
    update: async ({ storage, state, system, request, input }) => {
      const username = normalizeUsername(input.username)
      const password = input.password
      if (password === undefined || password === '') throw new InvalidRequestError('missing password')
      const config = system.userLockout ?? DEFAULT_USER_LOCKOUT
      // The lockout admits a guess only while failures plus guesses in flight stay under the threshold, so
      // concurrent guesses cannot all be checked before the lock lands; a locked name is refused before any
      // password work, as Vault does, and unknown names lock the same way.
      const user = await state.lockout.attempt({
        identity: lockoutIdentity(state, username),
        alias: username,
        config,
        now: () => system.now(),
        isWrongCredential: (error) => error instanceof WrongCredentials,
        run: async () => {
          const found = await loadUser(storage, username)
          const matches = await verifyPassword(password, found?.passwordHash ?? (await state.dummyHash()))
          if (!found || !matches) throw new WrongCredentials()
          return found
        },
      })
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
