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
  dummyHash(): Promise<PasswordHash>
}

/**
 * One dummy hash for the process, made when first needed: a hash per mount, made at every mount and unseal, put
 * one scrypt per userpass mount on the thread pool that file and crypto work share (dozens at once at unseal).
 * The hash of a password nobody knows, with the same parameters as every stored hash, is as good for all mounts.
 */
let sharedDummyHash: Promise<PasswordHash> | undefined

function dummyHash(): Promise<PasswordHash> {
  if (sharedDummyHash === undefined) {
    const made = hashPassword(randomBytes(24).toString('base64'))
    sharedDummyHash = made
    // A failed derivation (out of memory) is tried again by the next login rather than remembered.
    made.catch(() => {
      if (sharedDummyHash === made) sharedDummyHash = undefined
    })
  }
  return sharedDummyHash
}

const KEY = 'salt'

export async function setupUserpass(env: BackendEnv): Promise<UserpassState> {
  let raw = await env.storage.get(KEY)
  if (!raw) {
    raw = randomBytes(32)
    await env.storage.put(KEY, raw)
  }
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
