// Hour of day and weekday of an instant in a configured time zone, cached per quarter hour (Intl is slow per call).

const QUARTER_MS = 15 * 60_000
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }

export class LocalTime {
  readonly zone: string
  readonly #format: Intl.DateTimeFormat
  /** Quarter-hour slot → hour * 8 + weekday: offsets of every zone are whole quarter hours. */
  readonly #cache = new Map<number, number>()

  constructor(zone: string) {
    this.zone = zone
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hour: 'numeric',
      hourCycle: 'h23',
      weekday: 'short',
    })
  }

  /** [hour 0-23, weekday 0 (Sunday) - 6]. */
  at(ms: number): [number, number] {
    const slot = Math.floor(ms / QUARTER_MS)
    let packed = this.#cache.get(slot)
    if (packed === undefined) {
      let hour = 0
      let weekday = 0
      for (const part of this.#format.formatToParts(slot * QUARTER_MS)) {
        if (part.type === 'hour') hour = Number(part.value)
        else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0
      }
      packed = hour * 8 + weekday
      if (this.#cache.size > 10_000) this.#cache.clear()
      this.#cache.set(slot, packed)
    }
    return [packed >> 3, packed & 7]
  }
}
