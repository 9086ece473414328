// Per-mount state of userpass: the HMAC key for lockout identities, the lockout counters, per-user write locks.
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { hmacSha256Hex } from '../../../lib/hash.ts'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { UserLockout } from '../../../sdk/framework/user-lockout.ts'
import type { BackendEnv } from '../../../sdk/request.ts'
import { hashPassword, type PasswordHash } from './password-hash.ts'

export interface UserpassState {
  key: KeyObject
  lockout: UserLockout
  locks: KeyLocks
  /** A hash of a random password: unknown users are checked against it so they cost the same scrypt work. */
  dummyHash: Promise<PasswordHash>
}

const KEY = 'salt'

export async function setupUserpass(env: BackendEnv): Promise<UserpassState> {
  let raw = await env.storage.get(KEY)
  if (!raw) {
    raw = randomBytes(32)
    await env.storage.put(KEY, raw)
  }
  const dummyHash = hashPassword(randomBytes(24).toString('base64'))
  dummyHash.catch(() => undefined)
  return {
    key: createSecretKey(raw),
    lockout: new UserLockout(env.storage),
    locks: new KeyLocks(),
    dummyHash,
  }
}

/** The lockout identity of a username: an HMAC, so stored lock records do not list attempted names. */
export function lockoutIdentity(state: UserpassState, username: string): string {
  return hmacSha256Hex(state.key, `user:${username}`)
}
