// A running total of durations, for metrics: a count, a sum and the extremes, with nothing allocated per sample.

/** Published as a Prometheus summary's _count and _sum, and as a Vault JSON sample (milliseconds, as Vault's). */
export class Timing {
  count = 0
  /** Milliseconds. */
  sum = 0
  /** Milliseconds; the shortest and longest seen since start. */
  min = Number.POSITIVE_INFINITY
  max = 0

  record(ms: number): void {
    this.count++
    this.sum += ms
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
  }
}
