// users/:username/password and users/:username/policies: change one thing about an existing user.
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { sanitizePolicies } from '../../../sdk/framework/sanitize-policies.ts'
import { applyTokenFields } from '../../../sdk/framework/token-params.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { hashPassword } from './password-hash.ts'
import type { UserpassState } from './state.ts'
import { loadUser, normalizeUsername, saveUser, type UserEntry } from './user-store.ts'

/** Load-modify-store one user under its lock; an unknown user is Vault's "username does not exist". */
function modifyUser(
  storage: Storage,
  state: UserpassState,
  rawName: string | undefined,
  change: (user: UserEntry) => Promise<UserEntry> | UserEntry,
) {
  const name = normalizeUsername(rawName)
  return state.locks.run(name, async () => {
    const user = await loadUser(storage, name)
    if (!user) throw new NotFoundError('username does not exist')
    await saveUser(storage, name, await change(user))
    return undefined
  })
}

const passwordFields = {
  username: f.string(),
  password: f.string({ description: 'The new password.', sensitive: true }),
}

export const userPasswordPath = definePath<typeof passwordFields, UserpassState>({
  pattern: 'users/:username/password',
  fields: passwordFields,
  help: "Change a user's password.",
  operations: {
    update: ({ storage, state, input }) => {
      const password = input.password
      if (password === undefined || password === '') throw new InvalidRequestError('missing password')
      return modifyUser(storage, state, input.username, async (user) => ({
        ...user,
        passwordHash: await hashPassword(password),
      }))
    },
  },
})

const policyFields = {
  username: f.string(),
  token_policies: f.list({ description: 'Policies for tokens issued to this user.' }),
  policies: f.list({ description: 'Deprecated: use token_policies.' }),
}

export const userPoliciesPath = definePath<typeof policyFields, UserpassState>({
  pattern: 'users/:username/policies',
  fields: policyFields,
  help: "Replace a user's token policies.",
  operations: {
    update: ({ storage, state, input }) => {
      if (input.token_policies === undefined && input.policies === undefined)
        throw new InvalidRequestError('missing token_policies')
      const clean = (list: string[] | undefined) => (list === undefined ? undefined : sanitizePolicies(list))
      return modifyUser(storage, state, input.username, (user) => ({
        ...user,
        ...applyTokenFields(user, {
          token_policies: clean(input.token_policies),
          policies: clean(input.policies),
        }),
      }))
    },
  },
})
