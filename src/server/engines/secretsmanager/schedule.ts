// RotationRules as Secrets Manager reads them: the shared schedule parser, its refusals as InvalidParameterException.
import {
  parseSchedule as parseRules,
  type RotationRules,
  type Schedule,
  ScheduleError,
} from '../../../lib/rotation-schedule.ts'
import { invalidParameter } from './errors.ts'

export {
  jitteredStart,
  type RotationRules,
  type Schedule,
  type Window,
} from '../../../lib/rotation-schedule.ts'

export function parseSchedule(rules: RotationRules | undefined, now: number): Schedule | undefined {
  try {
    return parseRules(rules, now)
  } catch (error) {
    if (error instanceof ScheduleError) throw invalidParameter(error.message)
    throw error
  }
}
