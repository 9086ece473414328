// AWS's six-field cron (minutes hours day-of-month month day-of-week year), read in UTC, and its next firing time (rotation schedules).

const MINUTE_MS = 60_000
const DAY_MS = 24 * 3600 * 1000
/** How far ahead `nextFiring` looks before deciding an expression never fires again. */
const SEARCH_DAYS = 366 * 6

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']

/** Day-of-week matching: a set of weekdays (1 = Sunday), the last given weekday of the month, or the nth. */
type Weekday =
  | { kind: 'set'; days: Set<number> }
  | { kind: 'last'; day: number }
  | { kind: 'nth'; day: number; n: number }

export interface Cron {
  minutes: number[]
  hours: number[]
  /** Undefined when the day-of-month field is `?` (the day-of-week field decides). */
  monthDays?: { days: Set<number>; last: boolean }
  months: Set<number>
  weekday?: Weekday
  years?: Set<number>
}

export class CronError extends Error {}

function fail(message: string): never {
  throw new CronError(message)
}

function number(text: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1
  const value = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`value ${text} is out of range ${min}-${max}`)
  return value
}

/** `*`, `a`, `a-b`, `a/step`, `*\/step`, `a-b/step`, comma-separated. */
function field(text: string, min: number, max: number, names?: string[]): Set<number> {
  const out = new Set<number>()
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/')
    const step = stepText === undefined ? 1 : number(stepText, 1, max - min + 1)
    let from = min
    let to = max
    if (range !== '*') {
      const [a = '', b] = range.split('-')
      from = number(a, min, max, names)
      to = b === undefined ? (stepText === undefined ? from : max) : number(b, min, max, names)
      if (to < from) fail(`range ${range} runs backwards`)
    }
    for (let v = from; v <= to; v += step) out.add(v)
  }
  return out
}

function weekdayField(text: string): Weekday {
  const nth = /^(\w+)#([1-5])$/.exec(text)
  if (nth) return { kind: 'nth', day: number(nth[1]!, 1, 7, WEEKDAYS), n: Number(nth[2]) }
  const last = /^(\w+)L$/i.exec(text)
  if (last) return { kind: 'last', day: number(last[1]!, 1, 7, WEEKDAYS) }
  if (text.toUpperCase() === 'L') return { kind: 'set', days: new Set([7]) }
  return { kind: 'set', days: field(text, 1, 7, WEEKDAYS) }
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/)
  if (parts.length !== 6)
    fail('a cron expression has six fields: minutes hours day-of-month month day-of-week year')
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string]
  if ((dom === '?') === (dow === '?')) fail('exactly one of day-of-month and day-of-week must be ?')
  const cron: Cron = {
    minutes: [...field(min, 0, 59)].sort((a, b) => a - b),
    hours: [...field(hour, 0, 23)].sort((a, b) => a - b),
    months: field(month, 1, 12, MONTHS),
  }
  if (dom !== '?') {
    if (/W/i.test(dom)) fail('the W (nearest weekday) form is not supported')
    cron.monthDays =
      dom.toUpperCase() === 'L' ? { days: new Set(), last: true } : { days: field(dom, 1, 31), last: false }
  }
  if (dow !== '?') cron.weekday = weekdayField(dow)
  if (year !== '*') cron.years = field(year, 1970, 2199)
  return cron
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

function dayMatches(cron: Cron, dayStart: number): boolean {
  const d = new Date(dayStart)
  const year = d.getUTCFullYear()
  const month = d.getUTCMonth() + 1
  const date = d.getUTCDate()
  if (cron.years && !cron.years.has(year)) return false
  if (!cron.months.has(month)) return false
  if (cron.monthDays)
    return cron.monthDays.last ? date === daysInMonth(year, month) : cron.monthDays.days.has(date)
  const weekday = d.getUTCDay() + 1
  const w = cron.weekday!
  if (w.kind === 'set') return w.days.has(weekday)
  if (weekday !== w.day) return false
  if (w.kind === 'last') return date + 7 > daysInMonth(year, month)
  return Math.ceil(date / 7) === w.n
}

/** The first firing strictly after `after` (ms), or undefined when there is none in the next six years. */
export function nextFiring(cron: Cron, after: number): number | undefined {
  const firstDay = Math.floor(after / DAY_MS) * DAY_MS
  for (let day = firstDay; day < firstDay + SEARCH_DAYS * DAY_MS; day += DAY_MS) {
    if (!dayMatches(cron, day)) continue
    for (const hour of cron.hours)
      for (const minute of cron.minutes) {
        const at = day + hour * 3600_000 + minute * MINUTE_MS
        if (at > after) return at
      }
  }
  return undefined
}
