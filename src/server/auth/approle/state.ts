// Per-mount state of approle: the HMAC key secret IDs and role IDs are stored under, locks and lockout counters.
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { hmacSha256Hex } from '../../../lib/hash.ts'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { UserLockout } from '../../../sdk/framework/user-lockout.ts'
import type { BackendEnv } from '../../../sdk/request.ts'

export interface ApproleState {
  /** Per-mount HMAC key, kept in the mount's (barrier-encrypted) storage: lookups are by HMAC, never by the secret. */
  key: KeyObject
  /** Serialises writes to one role, and every use of one limited-use secret ID. */
  locks: KeyLocks
  lockout: UserLockout
  /** When the periodic tidy last ran (ms). */
  lastTidy: number
}

const KEY = 'hmac_key'

export async function setupApprole(env: BackendEnv): Promise<ApproleState> {
  let raw = await env.storage.get(KEY)
  if (!raw) {
    raw = randomBytes(32)
    await env.storage.put(KEY, raw)
  }
  return {
    key: createSecretKey(raw),
    locks: new KeyLocks(),
    lockout: new UserLockout(env.storage),
    lastTidy: 0,
  }
}

/** HMAC of a value under the mount key, with a purpose prefix so a role ID never hashes like a secret ID. */
export function mac(
  state: ApproleState,
  purpose: 'role' | 'role_id' | 'secret_id' | 'accessor',
  value: string,
) {
  return hmacSha256Hex(state.key, `${purpose}:${value}`)
}
