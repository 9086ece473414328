// The KV mount's in-memory state: per-path locks, and (v2) when the next rotation is due and which ones are running.
import { KeyLocks } from '../../../lib/key-locks.ts'

/** Extends the per-path locks every KV path uses, so those paths keep their state type. */
export class KvState extends KeyLocks {
  /** ms; the periodic hook looks for due rotations from then on (setup makes the first tick look). */
  nextRotationDue = Number.POSITIVE_INFINITY
  /** Rotations running on this node, by secret path: one at a time per secret. */
  readonly rotations = new Map<string, Promise<void>>()
  /** Aborted when the mount unloads (seal, step-down): a running step stops and its retry stays stored. */
  readonly stopping = new AbortController()
  /** Where a rotation's random window offset comes from; tests pin it. */
  random: () => number = Math.random

  rotationDueAt(ms: number | undefined): void {
    if (ms !== undefined && ms < this.nextRotationDue) this.nextRotationDue = ms
  }
}

/** The lock a rotation record is changed under: not a KV path's lock (writes to the secret take that one). */
export function rotationLockKey(path: string): string {
  return `\u0000rotation/${path}`
}
