// The mount's in-memory state: per-secret locks, when the next scheduled deletion and rotation are due, running rotations, read days.
import { KeyLocks } from '../../../lib/key-locks.ts'
import type { AccessMemo } from './access.ts'

export class SmState {
  /** Every read-modify-write of one secret (by name) runs alone, so racing writes never lose a version or label. */
  readonly locks = new KeyLocks()
  /** ms; the periodic hook does nothing before it. Infinity: nothing scheduled. */
  nextPurgeDue = Number.POSITIVE_INFINITY
  /** ms; the periodic hook looks for due rotations from then on (recomputed from storage at every setup). */
  nextRotationDue = Number.POSITIVE_INFINITY
  /** Rotations running on this node, by the secret's store identity: one at a time per secret. */
  readonly rotations = new Map<string, Promise<void>>()
  /** Aborted when the mount unloads (seal, step-down): running steps stop waiting and their retry stays stored. */
  readonly stopping = new AbortController()
  /** By store identity: the days this node last saw each secret read (access.ts), loaded from storage on first need. */
  readonly access = new Map<string, AccessMemo>()
  /** Access days being stored in the background; tests wait for them. */
  readonly accessWrites = new Set<Promise<void>>()
  /** Where a rotation's random window offset comes from; tests pin it. */
  random: () => number = Math.random

  dueAt(ms: number): void {
    if (ms < this.nextPurgeDue) this.nextPurgeDue = ms
  }

  rotationDueAt(ms: number | undefined): void {
    if (ms !== undefined && ms < this.nextRotationDue) this.nextRotationDue = ms
  }
}
