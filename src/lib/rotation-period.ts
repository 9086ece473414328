// RotationRules as the compliance report states them: a line of text and the longest gap between two rotations.
import { parseSchedule, type RotationRules } from './rotation-schedule.ts'

export interface RotationPeriod {
  policy: string
  /** Undefined when the rules set no schedule (rotations only on request) or never fire again. */
  periodSeconds?: number
}

/**
 * The gap between successive windows, measured on the schedule itself (two windows after `now`), so rate(),
 * AutomaticallyAfterDays and cron() are read one way. A cron schedule with uneven gaps reports the larger one
 * of the next few, which is what an auditor holds a secret's age against.
 */
export function rotationPeriod(rules: RotationRules | undefined, now: number): RotationPeriod {
  const text = rules?.ScheduleExpression?.trim()
  const policy =
    text !== undefined && text !== ''
      ? text
      : rules?.AutomaticallyAfterDays !== undefined
        ? `every ${rules.AutomaticallyAfterDays} days`
        : 'on request only'
  let schedule: ReturnType<typeof parseSchedule>
  try {
    schedule = parseSchedule(rules, now)
  } catch {
    return { policy }
  }
  if (!schedule) return { policy }
  let longest = 0
  let at = now
  let previous: number | undefined
  for (let i = 0; i < 4; i++) {
    const window = schedule.nextWindow(at)
    if (!window) break
    if (previous !== undefined) longest = Math.max(longest, window.start - previous)
    previous = window.start
    at = window.start
  }
  return longest > 0 ? { policy, periodSeconds: Math.round(longest / 1000) } : { policy }
}
