// Per-mount state of aws-keys: the locks that serialise writes to one role and to one key, and when expired
// session credentials were last swept.
import { KeyLocks } from '../../../lib/key-locks.ts'

export interface AwsKeysState {
  /** Always taken role first, then key (`role:<name>`, `key:<id>`), so a role delete and a rotation cannot deadlock. */
  locks: KeyLocks
  /** ms since the epoch of the last sweep; the periodic hook runs every few seconds, the sweep once a minute. */
  lastSweep: number
}

export const SWEEP_INTERVAL_MS = 60_000

export function setupAwsKeys(): Promise<AwsKeysState> {
  return Promise.resolve({ locks: new KeyLocks(), lastSweep: 0 })
}
