// The mount's in-memory state: per-secret locks, when the next scheduled deletion and rotation are due, running rotations, read days.
import { KeyLocks } from '../../../lib/key-locks.ts'

/** This node's memory of one secret's read days (access.ts): what reads check before deciding to write. */
export interface AccessMemo {
  suffix: string
  /** 0: not read (as far as this node knows). */
  day: number
  regions: Map<string, number>
  versions: Map<string, number>
  /** The stored entry has been merged in (done once, by the first write). */
  loaded: boolean
  /** What was last stored, as JSON: a write that would store the same is skipped. */
  stored?: string
}

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
