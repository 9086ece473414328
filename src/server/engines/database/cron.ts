// Five-field cron schedules (minute hour day-of-month month day-of-week, UTC) for static-role rotation_schedule.
import { InvalidRequestError } from '../../../sdk/errors.ts'

interface Schedule {
  minutes: Set<number>
  hours: Set<number>
  days: Set<number>
  months: Set<number>
  weekdays: Set<number>
  /** Cron's rule: when both day fields are restricted, either may match. */
  dayOr: boolean
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

function bad(schedule: string, problem: string): never {
  throw new InvalidRequestError(`invalid rotation_schedule "${schedule}": ${problem}`)
}

function parseField(text: string, min: number, max: number, names: string[], schedule: string): Set<number> {
  const out = new Set<number>()
  const value = (token: string) => {
    const named = names.indexOf(token.toLowerCase())
    const n = named !== -1 ? named + (min === 1 ? 1 : 0) : Number(token)
    if (!Number.isInteger(n) || n < min || n > max) bad(schedule, `"${token}" is out of range ${min}-${max}`)
    return n
  }
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/')
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step <= 0) bad(schedule, `bad step "${stepText}"`)
    let lo: number
    let hi: number
    if (range === '*') [lo, hi] = [min, max]
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-')
      ;[lo, hi] = [value(a), value(b)]
      if (lo > hi) bad(schedule, `range "${range}" runs backwards`)
    } else {
      lo = value(range)
      hi = stepText === undefined ? lo : max
    }
    for (let n = lo; n <= hi; n += step) out.add(n)
  }
  return out
}

export function parseCron(schedule: string): Schedule {
  const text =
    (Object.hasOwn(MACROS, schedule.trim()) ? MACROS[schedule.trim()] : undefined) ?? schedule.trim()
  const parts = text.split(/\s+/)
  if (parts.length !== 5) bad(schedule, 'expected 5 fields: minute hour day-of-month month day-of-week')
  const [mi, h, dom, mon, dow] = parts as [string, string, string, string, string]
  const weekdays = parseField(dow, 0, 7, DAYS, schedule)
  if (weekdays.has(7)) weekdays.add(0)
  return {
    minutes: parseField(mi, 0, 59, [], schedule),
    hours: parseField(h, 0, 23, [], schedule),
    days: parseField(dom, 1, 31, [], schedule),
    months: parseField(mon, 1, 12, MONTHS, schedule),
    weekdays,
    dayOr: dom !== '*' && dow !== '*',
  }
}

/** The first time strictly after `afterMs` that the schedule matches (UTC, minute resolution). */
export function nextCronTime(schedule: Schedule, afterMs: number): number {
  const d = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000)
  // Four years of days covers every reachable date (Feb 29 included); an impossible one (Feb 31) ends the search.
  for (let guard = 0; guard < 366 * 4 * 24 * 60; guard++) {
    const dayMatches = schedule.dayOr
      ? schedule.days.has(d.getUTCDate()) || schedule.weekdays.has(d.getUTCDay())
      : schedule.days.has(d.getUTCDate()) && schedule.weekdays.has(d.getUTCDay())
    if (!schedule.months.has(d.getUTCMonth() + 1) || !dayMatches) {
      d.setUTCHours(24, 0, 0, 0)
      continue
    }
    if (!schedule.hours.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0)
      continue
    }
    if (!schedule.minutes.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0)
      continue
    }
    return d.getTime()
  }
  throw new InvalidRequestError('rotation_schedule never matches a date')
}
