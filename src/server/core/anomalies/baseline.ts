// One identity's learned baseline: its paths, hours, weekdays, sources, auth methods and usual request rate.
import type { AnomalyIdentity } from './observation.ts'

/** Bounds per identity, so one identity cannot grow the detector's memory without end. */
export const MAX_PATHS = 2000
export const MAX_SOURCES = 256
export const MAX_NETWORKS = 128

/** Weight of each closed busy minute in the rate's moving mean and variance. */
const RATE_ALPHA = 0.05

/** The stored form (JSON behind the barrier). */
export interface BaselineData {
  identity: AnomalyIdentity
  first: number
  last: number
  count: number
  paths: Record<string, number>
  hours: number[]
  weekdays: number[]
  sources: Record<string, number>
  networks: Record<string, number>
  methods: Record<string, number>
  rateMean: number
  rateVar: number
  rateMinutes: number
}

export class Baseline {
  identity: AnomalyIdentity
  first: number
  last: number
  count = 0
  readonly paths = new Map<string, number>()
  readonly hours = new Array<number>(24).fill(0)
  readonly weekdays = new Array<number>(7).fill(0)
  readonly sources = new Map<string, number>()
  readonly networks = new Map<string, number>()
  readonly methods = new Map<string, number>()
  /** Moving mean and variance of requests per busy minute (minutes with at least one request). */
  rateMean = 0
  rateVar = 0
  rateMinutes = 0
  /** The minute being counted (Unix minutes), its count, and whether it has already raised rate_spike. */
  minute = -1
  minuteCount = 0
  minuteFlagged = false

  constructor(identity: AnomalyIdentity, first: number) {
    this.identity = identity
    this.first = first
    this.last = first
  }

  /** Counts one request in its minute; a closed minute goes into the rate baseline unless it raised a spike. */
  countMinute(time: number): number {
    const minute = Math.floor(time / 60_000)
    if (minute !== this.minute) {
      if (this.minute >= 0 && !this.minuteFlagged) this.#learnMinute(this.minuteCount)
      this.minute = minute
      this.minuteCount = 0
      this.minuteFlagged = false
    }
    return ++this.minuteCount
  }

  #learnMinute(count: number): void {
    if (this.rateMinutes === 0) {
      this.rateMean = count
      this.rateVar = 0
    } else {
      const diff = count - this.rateMean
      this.rateMean += RATE_ALPHA * diff
      this.rateVar = (1 - RATE_ALPHA) * (this.rateVar + RATE_ALPHA * diff * diff)
    }
    this.rateMinutes++
  }

  /** Adds to a bounded map; returns false when the key is new and the map is full (not learned). */
  static bump(map: Map<string, number>, key: string, cap: number): boolean {
    const seen = map.get(key)
    if (seen !== undefined) map.set(key, seen + 1)
    else if (map.size < cap) map.set(key, 1)
    else return false
    return true
  }

  toJSON(): BaselineData {
    return {
      identity: this.identity,
      first: this.first,
      last: this.last,
      count: this.count,
      paths: Object.fromEntries(this.paths),
      hours: this.hours,
      weekdays: this.weekdays,
      sources: Object.fromEntries(this.sources),
      networks: Object.fromEntries(this.networks),
      methods: Object.fromEntries(this.methods),
      rateMean: this.rateMean,
      rateVar: this.rateVar,
      rateMinutes: this.rateMinutes,
    }
  }

  static from(data: BaselineData): Baseline {
    const b = new Baseline(data.identity, data.first)
    b.last = data.last
    b.count = data.count
    for (const [k, v] of Object.entries(data.paths ?? {})) b.paths.set(k, v)
    for (let i = 0; i < 24; i++) b.hours[i] = data.hours?.[i] ?? 0
    for (let i = 0; i < 7; i++) b.weekdays[i] = data.weekdays?.[i] ?? 0
    for (const [k, v] of Object.entries(data.sources ?? {})) b.sources.set(k, v)
    for (const [k, v] of Object.entries(data.networks ?? {})) b.networks.set(k, v)
    for (const [k, v] of Object.entries(data.methods ?? {})) b.methods.set(k, v)
    b.rateMean = data.rateMean ?? 0
    b.rateVar = data.rateVar ?? 0
    b.rateMinutes = data.rateMinutes ?? 0
    return b
  }
}
