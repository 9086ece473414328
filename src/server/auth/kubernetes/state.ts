// Per-mount state of the kubernetes method: the locks that serialise writes to one role.
import { KeyLocks } from '../../../lib/key-locks.ts'

export interface KubeState {
  /** A role write that read the role cannot put it back after a concurrent delete returned. */
  locks: KeyLocks
}

export function setupKube(): KubeState {
  return { locks: new KeyLocks() }
}
