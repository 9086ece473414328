// The mount's in-memory state: per-secret locks and when the next scheduled deletion is due.
import { KeyLocks } from '../../../lib/key-locks.ts'

export class SmState {
  /** Every read-modify-write of one secret (by name) runs alone, so racing writes never lose a version or label. */
  readonly locks = new KeyLocks()
  /** ms; the periodic hook does nothing before it. Infinity: nothing scheduled. */
  nextPurgeDue = Number.POSITIVE_INFINITY

  dueAt(ms: number): void {
    if (ms < this.nextPurgeDue) this.nextPurgeDue = ms
  }
}
