// The in-memory read cache: per key TTL, refresh-ahead, bounded stale-if-error, one in-flight load per key, LRU bound.
import { EventEmitter } from 'node:events'
import { isUnavailable } from './errors.ts'

export interface CacheOptions {
  /** Off with `false`. */
  enabled?: boolean
  /**
   * TTL in seconds (default 60): how long a value is served without asking the server. An answer with a shorter
   * lease_duration (or a static role rotating sooner) is kept only that long.
   */
  ttl?: number
  /** A hit in this last fraction of the TTL starts one background refresh (default 0.2; 0 turns it off). */
  refreshAheadFraction?: number
  /**
   * Seconds past expiry a value may still be served while the server errors (5xx, 429) or cannot be reached
   * (default 300; 0 turns it off). Never after a 403 or 404.
   */
  staleIfError?: number
  /** Most keys kept; the least recently used goes first (default 1000). */
  maxEntries?: number
  /**
   * Answer from memory while change events are not flowing too (events off, refused, or down), with the TTL as
   * the only bound: a value may then be served for up to `ttl` after its token was revoked or lost the policy
   * elsewhere. Default false: without events every read asks the server.
   */
  withoutEvents?: boolean
}

/** A loaded value and how long it may be kept at most (seconds; the configured TTL caps it). */
export interface Loaded<T> {
  value: T
  ttl?: number | undefined
}

interface Entry {
  value: unknown
  freshUntil: number
  refreshFrom: number
  staleUntil: number
}

/** A load under way; `superseded` once the key was invalidated after it started (its answer may predate a write). */
interface InFlight {
  promise: Promise<unknown>
  superseded: boolean
}

/**
 * Events: `stale` (key, error) when an expired value is served because the server is unavailable;
 * `refreshError` (key, error) when a background refresh failed; `evicted` (key) when the LRU bound drops a key.
 * Keys are API paths (no values), so they are safe to log.
 */
export class SecretCache extends EventEmitter {
  readonly #entries = new Map<string, Entry>()
  readonly #inFlight = new Map<string, InFlight>()
  readonly #loaders = new Map<string, () => Promise<Loaded<unknown>>>()
  readonly #enabled: boolean
  readonly #ttl: number
  readonly #refreshAhead: number
  readonly #staleIfError: number
  readonly #maxEntries: number
  readonly #now: () => number
  /**
   * Whether a fresh value may be answered without asking the server (the client says: only while events keep it
   * true, unless `withoutEvents`). When false, a read goes to the server; a value is still shared by concurrent
   * callers and still served stale while the server is unavailable.
   */
  servesHits: () => boolean = () => true

  constructor(opts: CacheOptions = {}, now: () => number = Date.now) {
    super()
    this.#enabled = opts.enabled ?? true
    this.#ttl = opts.ttl ?? 60
    this.#refreshAhead = opts.refreshAheadFraction ?? 0.2
    this.#staleIfError = opts.staleIfError ?? 300
    this.#maxEntries = opts.maxEntries ?? 1000
    this.#now = now
  }

  get size(): number {
    return this.#entries.size
  }

  /** The value for `key`: cached while fresh, else loaded (one load shared by concurrent callers). */
  async get<T>(key: string, load: () => Promise<Loaded<T>>): Promise<T> {
    if (!this.#enabled) return (await load()).value
    this.#loaders.set(key, load as () => Promise<Loaded<unknown>>)
    const entry = this.#entries.get(key)
    const now = this.#now()
    if (entry && now < entry.freshUntil && this.servesHits()) {
      this.#touch(key, entry)
      if (now >= entry.refreshFrom && !this.#inFlight.has(key)) {
        this.#load(key).catch((error) => this.emit('refreshError', key, error))
      }
      return entry.value as T
    }
    try {
      return (await this.#load(key)) as T
    } catch (error) {
      const stale = this.#entries.get(key)
      if (stale && isUnavailable(error) && this.#now() < stale.staleUntil) {
        this.emit('stale', key, error)
        return stale.value as T
      }
      throw error
    }
  }

  /**
   * Loads `key` again now (an event said it changed): the old value is no longer served as fresh, and callers
   * wait for the new one. Resolves once the reload settled; false when the key was not cached.
   */
  async refresh(key: string): Promise<boolean> {
    const entry = this.#entries.get(key)
    if (!entry) return false
    entry.freshUntil = 0
    // A load that started before the change may bring the old value: it must not be what the cache keeps.
    this.#supersede(key)
    try {
      await this.#load(key)
    } catch (error) {
      this.emit('refreshError', key, error)
    }
    return true
  }

  /** Cached keys for which `match` holds. */
  keys(match: (key: string) => boolean = () => true): string[] {
    return [...this.#entries.keys()].filter(match)
  }

  delete(key: string): void {
    this.#entries.delete(key)
    this.#loaders.delete(key)
    this.#supersede(key)
  }

  clear(): void {
    for (const key of this.#inFlight.keys()) this.#supersede(key)
    this.#entries.clear()
    this.#loaders.clear()
  }

  /** Resolves when no load is in flight (tests and graceful shutdown). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0)
      await Promise.allSettled([...this.#inFlight.values()].map((f) => f.promise))
  }

  /** Later callers start a new load; the running one still answers its own callers but stores nothing. */
  #supersede(key: string): void {
    const running = this.#inFlight.get(key)
    if (!running) return
    running.superseded = true
    this.#inFlight.delete(key)
  }

  #load(key: string): Promise<unknown> {
    const running = this.#inFlight.get(key)
    if (running) return running.promise
    const load = this.#loaders.get(key)
    if (!load) return Promise.reject(new Error(`no loader for ${key}`))
    const flight: InFlight = { promise: Promise.resolve(), superseded: false }
    flight.promise = load()
      .then(({ value, ttl }) => {
        if (!flight.superseded) this.#store(key, value, Math.min(ttl ?? this.#ttl, this.#ttl))
        return value
      })
      .catch((error: unknown) => {
        // The server answered "no" (403, 404, 400): what was cached must not outlive that answer.
        if (!isUnavailable(error)) this.#entries.delete(key)
        throw error
      })
      .finally(() => {
        if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key)
      })
    this.#inFlight.set(key, flight)
    return flight.promise
  }

  #store(key: string, value: unknown, ttlSeconds: number): void {
    const now = this.#now()
    const ttl = ttlSeconds * 1000
    const entry: Entry = {
      value,
      freshUntil: now + ttl,
      refreshFrom: this.#refreshAhead > 0 ? now + ttl * (1 - this.#refreshAhead) : Number.POSITIVE_INFINITY,
      staleUntil: now + ttl + this.#staleIfError * 1000,
    }
    this.#touch(key, entry)
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string
      this.delete(oldest)
      this.emit('evicted', oldest)
    }
  }

  /** Map order is the LRU order: a touched key moves to the end. */
  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key)
    this.#entries.set(key, entry)
  }
}
