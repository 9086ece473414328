// Where a secret's rotation schedule stands: the next window, its jittered start, and when the periodic hook must look.
import { type RotationConfig, type SecretRecord, versionWithStage } from './model.ts'
import { jitteredStart, parseSchedule, type RotationRules } from './schedule.ts'
import { CURRENT } from './versions.ts'

export const PENDING = 'AWSPENDING'

/** Set nextRotationDate and dueAt from the rules: the first window after `base` (none without rules or when disabled). */
export function planNext(rotation: RotationConfig, base: number, now: number, random: () => number): void {
  delete rotation.nextRotationDate
  delete rotation.dueAt
  if (!rotation.enabled) return
  const window = parseSchedule(rotation.rules as RotationRules | undefined, now)?.nextWindow(base)
  if (!window) return
  // AWS reports the window's last second: the rotation happens at the latest then.
  rotation.nextRotationDate = window.end - 1000
  rotation.dueAt = jitteredStart(window, random)
}

/** When the periodic hook must next look at this secret for a rotation; undefined when nothing is scheduled. */
export function rotationWakeAt(record: SecretRecord): number | undefined {
  const rotation = record.rotation
  if (!rotation || record.deletedDate !== undefined) return undefined
  if (rotation.inFlight?.nextAttemptAt !== undefined) return rotation.inFlight.nextAttemptAt
  if (rotation.enabled && rotation.dueAt !== undefined) return rotation.dueAt
  return undefined
}

/** The version holding AWSPENDING when it is not also AWSCURRENT: a rotation that has not completed. */
export function unfinishedPending(record: SecretRecord): string | undefined {
  const pending = versionWithStage(record, PENDING)
  return pending !== undefined && pending !== versionWithStage(record, CURRENT) ? pending : undefined
}
