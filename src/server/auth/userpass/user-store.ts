// Userpass users in the mount's storage: one entry per lower-cased username, holding only a password hash.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { TokenParams } from '../../../sdk/framework/token-params.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import type { PasswordHash } from './password-hash.ts'

export interface UserEntry extends TokenParams {
  passwordHash: PasswordHash
}

const PREFIX = 'user/'

/** Vault lower-cases usernames, so "Mary" and "mary" are one user. */
export function normalizeUsername(raw: string | undefined): string {
  const name = (raw ?? '').trim().toLowerCase()
  if (name === '') throw new InvalidRequestError('missing username')
  if (name.length > 512) throw new InvalidRequestError('username is longer than 512 characters')
  return name
}

export function loadUser(storage: Storage, name: string): Promise<UserEntry | undefined> {
  return getJson<UserEntry>(storage, PREFIX + name)
}

export function saveUser(storage: Storage, name: string, entry: UserEntry): Promise<void> {
  return putJson(storage, PREFIX + name, entry)
}

export function deleteUser(storage: Storage, name: string): Promise<void> {
  return storage.delete(PREFIX + name)
}

export function listUsers(storage: Storage): Promise<string[]> {
  return storage.list(PREFIX)
}
