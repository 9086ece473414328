// users/ (LIST) and users/:username: create, read, update and delete userpass users.
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
import { hashPassword } from './password-hash.ts'
import type { UserpassState } from './state.ts'
import { deleteUser, listUsers, loadUser, normalizeUsername, saveUser } from './user-store.ts'

export const usersListPath = definePath<Record<string, never>, UserpassState>({
  pattern: 'users/',
  listKeys: 'names',
  help: 'List the usernames of this userpass mount.',
  operations: {
    list: async ({ storage }) => {
      const keys = await listUsers(storage)
      return listResponse(keys)
    },
  },
})

const fields = {
  username: f.string({ description: 'Username (case-insensitive).' }),
  password: f.string({ description: 'Password; stored only as a scrypt hash.', sensitive: true }),
  password_hash: f.string({ description: 'Not supported: send password instead.', sensitive: true }),
  ...tokenFields,
  policies: legacyTokenFields.policies,
  ttl: legacyTokenFields.ttl,
  max_ttl: legacyTokenFields.max_ttl,
  bound_cidrs: legacyTokenFields.bound_cidrs,
}

export const userPath = definePath<typeof fields, UserpassState>({
  pattern: 'users/:username',
  fields,
  help: 'A userpass user: its password and the token settings of its logins.',
  exists: async ({ storage, input }) =>
    (await loadUser(storage, normalizeUsername(input.username))) !== undefined,
  operations: {
    read: async ({ storage, input }) => {
      const user = await loadUser(storage, normalizeUsername(input.username))
      return user ? { data: tokenParamsView(user) } : undefined
    },

    update: ({ storage, state, input }) => {
      const name = normalizeUsername(input.username)
      if (input.password_hash !== undefined)
        throw new InvalidRequestError(
          'password_hash (bcrypt) is not supported by Coffer: send "password" instead',
        )
      return state.locks.run(name, async () => {
        const existing = await loadUser(storage, name)
        const password = input.password === '' ? undefined : input.password
        if (!existing && password === undefined) throw new InvalidRequestError('missing password')
        const params = applyTokenFields(existing ?? defaultTokenParams(), input)
        const passwordHash = password === undefined ? existing!.passwordHash : await hashPassword(password)
        await saveUser(storage, name, { ...params, passwordHash })
        return undefined
      })
    },

    delete: ({ storage, state, input }) => {
      const name = normalizeUsername(input.username)
      return state.locks.run(name, async () => {
        await deleteUser(storage, name)
        return undefined
      })
    },
  },
})
