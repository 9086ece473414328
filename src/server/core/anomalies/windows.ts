// Small sliding-window counters for the burst detections (denied requests, distinct LISTs, new readers of a path).

/** Times of events within a window, oldest first; bounded so a flood costs constant memory per key. */
export class TimeWindow {
  readonly #times: number[] = []
  #head = 0

  /** Adds an event at `time` and returns how many fall within `windowMs` ending at `time`. */
  add(time: number, windowMs: number, cap: number): number {
    this.#times.push(time)
    this.#prune(time, windowMs)
    if (this.#times.length - this.#head > cap) this.#head = this.#times.length - cap
    return this.#times.length - this.#head
  }

  #prune(time: number, windowMs: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head]! <= time - windowMs) this.#head++
    // Compact now and then: the array never holds more than twice the live events.
    if (this.#head > 64 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head)
      this.#head = 0
    }
  }

  /** The newest event's time, or -Infinity. */
  get latest(): number {
    return this.#times.length > this.#head ? this.#times[this.#times.length - 1]! : Number.NEGATIVE_INFINITY
  }
}

/** Distinct keys seen within a window (paths listed), with the time each was last seen. */
export class DistinctWindow {
  readonly #seen = new Map<string, number>()

  /** Notes `key` at `time`; returns how many distinct keys fall within `windowMs` ending at `time`. */
  add(key: string, time: number, windowMs: number, cap: number): number {
    this.#seen.delete(key)
    this.#seen.set(key, time)
    // Insertion order is time order: the oldest come first.
    for (const [old, at] of this.#seen) {
      if (at > time - windowMs && this.#seen.size <= cap) break
      this.#seen.delete(old)
    }
    return this.#seen.size
  }

  get latest(): number {
    let last = Number.NEGATIVE_INFINITY
    for (const at of this.#seen.values()) last = at
    return last
  }
}
