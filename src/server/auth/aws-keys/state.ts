// Per-mount state of aws-keys: the locks that serialise writes to one role and to one access key.
import { KeyLocks } from '../../../lib/key-locks.ts'

export interface AwsKeysState {
  /** Always taken role first, then key (`role:<name>`, `key:<id>`), so a role delete and a rotation cannot deadlock. */
  locks: KeyLocks
}

export function setupAwsKeys(): Promise<AwsKeysState> {
  return Promise.resolve({ locks: new KeyLocks() })
}
