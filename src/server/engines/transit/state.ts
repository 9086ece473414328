// The engine's in-memory state: per-key locks, and when the next automatic rotation is due.
import { KeyLocks } from '../../../lib/key-locks.ts'

export class TransitState extends KeyLocks {
  /** Milliseconds since the epoch; 0 means "unknown, scan the keys at the next periodic run". */
  rotationDueAt = 0
  /** Counts key changes, so a scheduling scan can tell whether a key changed while it ran. */
  keyChanges = 0

  /** A key's rotation settings or versions changed: recompute the schedule at the next run. */
  rescheduleRotation(): void {
    this.keyChanges++
    this.rotationDueAt = 0
  }
}
