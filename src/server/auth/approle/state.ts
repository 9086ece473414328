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
  /** Memoised HMACs of role names and role IDs, which every login computes again. */
  macs: Map<string, string>
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
    macs: new Map(),
  }
}

const MEMO_LIMIT = 10_000

/** HMAC of a value under the mount key, with a purpose prefix so a role ID never hashes like a secret ID. */
export function mac(
  state: ApproleState,
  purpose: 'role' | 'role_id' | 'secret_id' | 'accessor',
  value: string,
): string {
  const input = `${purpose}:${value}`
  // Role names and role IDs sit in the role entries in memory anyway; secret IDs and their accessors are
  // never kept, so a memory dump holds no secret ID in clear.
  const memoise = purpose === 'role' || purpose === 'role_id'
  if (memoise) {
    const known = state.macs.get(input)
    if (known !== undefined) return known
  }
  const digest = hmacSha256Hex(state.key, input)
  if (memoise) {
    if (state.macs.size >= MEMO_LIMIT) state.macs.clear()
    state.macs.set(input, digest)
  }
  return digest
}
