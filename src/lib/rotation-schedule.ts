// Rotation schedules as AWS reads RotationRules: AutomaticallyAfterDays, rate(), cron() in UTC, and Duration windows.
// Shared by Secrets Manager's RotateSecret and KV v2's rotation configuration, so both read a schedule the same way.
import { type Cron, CronError, nextFiring, parseCron } from './aws-cron.ts'

/** A schedule AWS would refuse; each engine turns it into its own 4xx error (InvalidParameterException, 400). */
export class ScheduleError extends Error {}
const invalidParameter = (message: string) => new ScheduleError(message)

const HOUR_MS = 3600_000
const DAY_MS = 24 * HOUR_MS
/** AWS refuses schedules that rotate more often than this. */
export const MIN_INTERVAL_MS = 4 * HOUR_MS
/** How many firings of a cron expression the minimum-interval check compares. */
const CRON_CHECK_FIRINGS = 200

export interface RotationRules {
  AutomaticallyAfterDays?: number
  ScheduleExpression?: string
  Duration?: string
}

/** A rotation window: rotations start at a random instant in [start, end). */
export interface Window {
  start: number
  end: number
}

export interface Schedule {
  /** The first window opening strictly after `after`; undefined when the schedule never fires again. */
  nextWindow(after: number): Window | undefined
}

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS

function durationOf(rules: RotationRules): number | undefined {
  if (rules.Duration === undefined) return undefined
  const hours = Number(/^(\d{1,2})h$/.exec(rules.Duration)?.[1])
  if (!Number.isInteger(hours) || hours < 1 || hours > 24)
    throw invalidParameter('The rotation window (Duration) must be between 1h and 24h.')
  return hours * HOUR_MS
}

const tooFrequent = () =>
  invalidParameter(
    'The schedule expression rotates the secret more often than every four hours. Choose a rotation interval of at least four hours.',
  )

/** Windows every `days` days from midnight UTC of the day of `after`; by default they close at the end of that day. */
function everyDays(days: number, duration: number | undefined): Schedule {
  return {
    nextWindow: (after) => {
      const start = startOfDay(after) + days * DAY_MS
      return { start, end: start + (duration ?? DAY_MS) }
    },
  }
}

/** Windows at midnight UTC and every `hours` hours after it that day; by default they close after an hour. */
function everyHours(hours: number, duration: number | undefined): Schedule {
  const interval = hours * HOUR_MS
  if (duration !== undefined && duration > interval)
    throw invalidParameter('The rotation window (Duration) must not be longer than the rotation interval.')
  return {
    nextWindow: (after) => {
      const day = startOfDay(after)
      const k = Math.floor((after - day) / interval) + 1
      const start = Math.min(day + k * interval, day + DAY_MS)
      return { start, end: start + (duration ?? HOUR_MS) }
    },
  }
}

/** Windows at each firing; by default an hour long when the hours field fires more than once a day, else to the day's end. */
function atCron(cron: Cron, duration: number | undefined): Schedule {
  return {
    nextWindow: (after) => {
      const start = nextFiring(cron, after)
      if (start === undefined) return undefined
      const fallback = cron.hours.length > 1 ? HOUR_MS : startOfDay(start) + DAY_MS - start
      return { start, end: start + (duration ?? fallback) }
    },
  }
}

function checkCronInterval(cron: Cron, duration: number | undefined, from: number): void {
  let previous = nextFiring(cron, from)
  for (let i = 0; previous !== undefined && i < CRON_CHECK_FIRINGS; i++) {
    const next = nextFiring(cron, previous)
    if (next === undefined) return
    if (next - previous < MIN_INTERVAL_MS) throw tooFrequent()
    if (duration !== undefined && duration > next - previous)
      throw invalidParameter('The rotation window (Duration) must not be longer than the rotation interval.')
    previous = next
  }
}

/**
 * The schedule RotationRules describe, or undefined when they set none (rotations then run only when asked).
 * Throws InvalidParameterException for an expression AWS refuses, `now` anchoring the minimum-interval check.
 */
export function parseSchedule(rules: RotationRules | undefined, now: number): Schedule | undefined {
  if (!rules) return undefined
  const duration = durationOf(rules)
  const expression = rules.ScheduleExpression?.trim()
  if (expression !== undefined && rules.AutomaticallyAfterDays !== undefined)
    throw invalidParameter('You can specify either AutomaticallyAfterDays or ScheduleExpression, not both.')
  if (expression === undefined) {
    if (rules.AutomaticallyAfterDays === undefined) return undefined
    return everyDays(rules.AutomaticallyAfterDays, duration)
  }
  const rate = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/.exec(expression)
  if (rate) {
    const n = Number(rate[1])
    if (rate[2]!.startsWith('hour')) {
      if (n < 4) throw tooFrequent()
      if (n > 23)
        throw invalidParameter('A rate in hours must be between 4 and 23 hours; use days for longer.')
      return everyHours(n, duration)
    }
    if (n < 1 || n > 1000) throw invalidParameter('A rate in days must be between 1 and 1000 days.')
    return everyDays(n, duration)
  }
  const cronText = /^cron\((.*)\)$/.exec(expression)?.[1]
  if (cronText === undefined)
    throw invalidParameter('The schedule expression must be rate(N hours), rate(N days) or cron(...).')
  let cron: Cron
  try {
    cron = parseCron(cronText)
  } catch (error) {
    if (error instanceof CronError) throw invalidParameter(`Invalid cron expression: ${error.message}.`)
    throw error
  }
  checkCronInterval(cron, duration, now)
  return atCron(cron, duration)
}

/** A uniformly random instant of the window, so secrets sharing a schedule do not all rotate at once. */
export function jitteredStart(window: Window, random: () => number): number {
  return window.start + Math.floor(random() * (window.end - window.start))
}

/** Attempts of one rotation before it waits for the next scheduled one (or an explicit request) to be reattempted. */
export const MAX_ATTEMPTS = 5
const BACKOFF_BASE_MS = 30_000
const BACKOFF_MAX_MS = 30 * 60_000

/** The wait before attempt `failures + 1`: 30 s, doubling, at most 30 minutes. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1))
}
