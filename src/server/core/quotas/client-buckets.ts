// One rate-limit quota's buckets, one per client address: fixed windows of `interval`, and a block after a refusal.

/** One client's window: when it began, the requests it has left, and until when the client is blocked. */
interface Bucket {
  windowStart: number
  remaining: number
  blockedUntil: number
}

/** A request's fate under a quota, with what the rate-limit response headers report. */
export interface BucketVerdict {
  allowed: boolean
  /** Requests allowed per window. */
  limit: number
  remaining: number
  /** When the client may next be served in full (the window's end, or the block's end), in ms since the epoch. */
  resetAt: number
}

/** How often, at most, buckets nobody has used for a whole window are dropped. */
const SWEEP_EVERY_MS = 60_000

/**
 * The buckets of one quota. Each client address gets `limit` requests in a window of `intervalMs` starting with its
 * first request (as go-limiter, which Vault uses, counts them); a refused client with `blockMs` > 0 is refused
 * everything until that long after the refusal. `take` is synchronous, so on one event loop concurrent requests
 * are counted one after the other: with a limit of N, at most N of any number of simultaneous requests pass.
 */
export class ClientBuckets {
  readonly limit: number
  readonly #intervalMs: number
  readonly #blockMs: number
  readonly #buckets = new Map<string, Bucket>()
  #lastSweep = 0

  constructor(limit: number, intervalMs: number, blockMs: number) {
    this.limit = limit
    this.#intervalMs = intervalMs
    this.#blockMs = blockMs
  }

  /** Spend one request of `client`'s window at `now`, or refuse it. */
  take(client: string, now: number): BucketVerdict {
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweep(now)
    let bucket = this.#buckets.get(client)
    if (bucket === undefined) {
      bucket = { windowStart: now, remaining: this.limit, blockedUntil: 0 }
      this.#buckets.set(client, bucket)
    } else if (now >= bucket.windowStart + this.#intervalMs) {
      // A new window, aligned to the client's first one (as go-limiter's ticks are).
      bucket.windowStart += Math.floor((now - bucket.windowStart) / this.#intervalMs) * this.#intervalMs
      bucket.remaining = this.limit
    }
    if (bucket.blockedUntil > now)
      return { allowed: false, limit: this.limit, remaining: 0, resetAt: bucket.blockedUntil }
    const windowEnd = bucket.windowStart + this.#intervalMs
    if (bucket.remaining > 0) {
      bucket.remaining -= 1
      return { allowed: true, limit: this.limit, remaining: bucket.remaining, resetAt: windowEnd }
    }
    if (this.#blockMs > 0) {
      bucket.blockedUntil = now + this.#blockMs
      return { allowed: false, limit: this.limit, remaining: 0, resetAt: bucket.blockedUntil }
    }
    return { allowed: false, limit: this.limit, remaining: 0, resetAt: windowEnd }
  }

  /** How many clients have a bucket (for tests of the sweep). */
  get size(): number {
    return this.#buckets.size
  }

  /** Drop the buckets of clients whose window and block have both ended: a fresh bucket is the same thing. */
  #sweep(now: number): void {
    this.#lastSweep = now
    for (const [client, bucket] of this.#buckets) {
      if (bucket.windowStart + this.#intervalMs <= now && bucket.blockedUntil <= now)
        this.#buckets.delete(client)
    }
  }
}
