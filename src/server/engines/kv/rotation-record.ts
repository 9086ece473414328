// A KV v2 secret's rotation: its configuration, schedule, the rotation in flight and the last failure, stored per path.
import { jitteredStart, parseSchedule, type RotationRules } from '../../../lib/rotation-schedule.ts'
import { encodeJson, getJson, type Storage, type StorageOp } from '../../../sdk/storage.ts'
import { rotationKey } from './storage-keys.ts'

export interface KvRotation {
  /** The registered or built-in function's name. */
  functionName: string
  rules?: RotationRules
  /** False after a cancel: nothing scheduled runs, the configuration stays for the next rotation request. */
  enabled: boolean
  /** The field a password goes in (the event's Field). */
  field: string
  /** A password policy the function may generate with. */
  passwordPolicy?: string
  /** The last second of the next window (ms). */
  nextRotationDate?: number
  /** The jittered instant inside that window the rotation starts at (ms). */
  dueAt?: number
  lastRotatedDate?: number
  /** The version the last successful rotation left current. */
  lastRotatedVersion?: number
  inFlight?: {
    token: string
    startedDate: number
    /** The current version when the rotation started: the function writes the next one (cas = this). */
    fromVersion: number
    attempts: number
    nextAttemptAt?: number
    /** The attempts ran out: it waits for the next window or a rotation request. */
    exhausted?: boolean
  }
  lastFailure?: { step: string; message: string; date: number; attempts: number }
}

export function loadRotation(storage: Storage, path: string): Promise<KvRotation | undefined> {
  return getJson<KvRotation>(storage, rotationKey(path))
}

export function putRotationOp(path: string, rotation: KvRotation): StorageOp {
  return { op: 'put', key: rotationKey(path), value: encodeJson(rotation) }
}

/** Set nextRotationDate and dueAt: the first window after `base` (none without rules or when disabled). */
export function planNext(rotation: KvRotation, base: number, now: number, random: () => number): void {
  delete rotation.nextRotationDate
  delete rotation.dueAt
  if (!rotation.enabled) return
  const window = parseSchedule(rotation.rules, now)?.nextWindow(base)
  if (!window) return
  rotation.nextRotationDate = window.end - 1000
  rotation.dueAt = jitteredStart(window, random)
}

/** When the periodic hook must next look at this path; undefined when nothing is scheduled or retrying. */
export function rotationWakeAt(rotation: KvRotation): number | undefined {
  if (rotation.inFlight?.nextAttemptAt !== undefined) return rotation.inFlight.nextAttemptAt
  if (rotation.enabled && rotation.dueAt !== undefined) return rotation.dueAt
  return undefined
}
