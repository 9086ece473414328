// CofferClient: the typed APIs over one transport, one cache, and the event stream that keeps the cache current.
import { EventEmitter } from 'node:events'
import { type AuthOptions, tokenSource } from './auth.ts'
import { type CacheOptions, SecretCache } from './cache.ts'
import { type ChangeEvent, type EventOptions, EventStream } from './events.ts'
import { KvApi, pathOfKey } from './kv.ts'
import { DatabaseApi } from './lease.ts'
import { SecretsManagerApi } from './secrets-manager.ts'
import { TransitApi } from './transit.ts'
import { type RetryOptions, Transport } from './transport.ts'

export type CofferClientOptions = {
  /** The server's base URL, e.g. `https://coffer.example.com:8200`. */
  address: string
  retry?: RetryOptions
  /** Per request, in milliseconds (default 30000). */
  timeoutMs?: number
  cache?: CacheOptions
  /** Change events that refresh cached values; default on. Without them (or the policy) reads ask the server. */
  events?: EventOptions
  /** The clock the cache and logins use, in epoch milliseconds (default Date.now); tests move it by hand. */
  now?: () => number
} & AuthOptions

/** What `change` carries: the cached path that changed and the event that said so (metadata only). */
export interface ChangeNotice {
  key: string
  event: ChangeEvent
}

/**
 * Events: `change` (ChangeNotice) after a cached value was loaded again because an event said it changed;
 * `eventsUnavailable` (type, reason) while events cannot be received (reads then ask the server);
 * `tokenRevoked` when the server closed the event stream because the token was revoked (the cache was emptied);
 * `accessChanged` when the server closed it because the token's policies changed (the cache was emptied; reads ask
 * the server until the subscription is open again).
 */
export class CofferClient extends EventEmitter {
  readonly kv: KvApi
  readonly database: DatabaseApi
  readonly secretsManager: SecretsManagerApi
  readonly transit: TransitApi
  readonly cache: SecretCache
  readonly #transport: Transport
  readonly #events: EventStream | undefined

  constructor(opts: CofferClientOptions) {
    super()
    const now = opts.now ?? Date.now
    this.#transport = new Transport(opts.address, opts.retry, opts.timeoutMs)
    this.#transport.token = tokenSource(this.#transport, opts, now)
    this.cache = new SecretCache(opts.cache, now)
    // Every cached value was read with this client's token: a 403 may mean it was revoked, and no value read with
    // it may be served after that answer, whichever path it came on (a policy change costs only reloads).
    this.#transport.onForbidden = (token) => {
      this.cache.clear()
      return this.#checkToken(token)
    }
    this.kv = new KvApi(this.#transport, this.cache)
    this.database = new DatabaseApi(this.#transport, this.cache)
    this.secretsManager = new SecretsManagerApi(this.#transport, this.cache)
    this.transit = new TransitApi(this.#transport)
    if (opts.events?.enabled !== false && opts.cache?.enabled !== false) {
      this.#events = new EventStream(opts.address, this.#transport.token, opts.events)
      this.#events.on('event', (event: ChangeEvent) => void this.#onEvent(event))
      this.#events.on('unavailable', (type: string, reason: string) =>
        this.emit('eventsUnavailable', type, reason),
      )
      // Values read before a subscription was open (reads then ask the server, and keep what they got) were read
      // when no event could tell of a write, a revocation or a policy change made since: loaded again, and until
      // then not answered from memory, as after a reconnection.
      this.#events.on('connected', (type: string) => {
        for (const key of this.cache.keys()) void this.cache.refresh(key)
        this.emit('eventsConnected', type)
      })
      // The server closed the stream because the token was revoked: nothing read with it is served again.
      this.#events.on('revoked', () => {
        this.cache.clear()
        this.emit('tokenRevoked')
      })
      // The token's policies changed: a cached value may be one it may no longer read. Emptied before anything else
      // hears of it; the stream is down meanwhile, so reads ask the server until it is open again.
      this.#events.on('accessChanged', (type: string) => {
        this.cache.clear()
        this.emit('accessChanged', type)
      })
      // Events sent while disconnected are lost: whatever is cached may be older than it looks.
      this.#events.on('reconnected', (type: string) => {
        for (const key of this.cache.keys()) void this.cache.refresh(key)
        this.emit('eventsConnected', type)
      })
      this.#events.start()
    }
    // A value is answered from memory only while events can tell the client it changed, or when the caller chose
    // a TTL-only cache: otherwise a revocation or a write made elsewhere would be outlived for a whole TTL.
    const events = this.#events
    if (!opts.cache?.withoutEvents) this.cache.servesHits = () => events?.up === true
  }

  /** Any other API call, for what the typed calls do not cover; goes through retries, never through the cache. */
  request<T = unknown>(
    method: string,
    path: string,
    opts: { body?: unknown; query?: Record<string, string> } = {},
  ) {
    return this.#transport.request<T>(method, path, opts)
  }

  /**
   * Resolves true once every event subscription is open (changes made from then on refresh the cache), false
   * when events are off or one subscription was refused or failed (reads then ask the server; it is retried).
   */
  eventsReady(): Promise<boolean> {
    return this.#events ? this.#events.ready() : Promise.resolve(false)
  }

  /** Stops the event stream and drops the cache (lease handles are closed by their owners). */
  close(): void {
    this.#events?.close()
    this.cache.clear()
  }

  /** One lookup-self per refused token, shared by concurrent 403s; a token the server refuses is forgotten. */
  #checking = new Map<string, Promise<void>>()
  #checkToken(token: string): Promise<void> {
    const forget = this.#transport.token.forget
    if (!forget || token === '') return Promise.resolve()
    let check = this.#checking.get(token)
    if (!check) {
      check = this.#transport
        .tokenAccepted(token)
        .then((accepted) => {
          if (!accepted) forget(token)
        })
        .finally(() => this.#checking.delete(token))
      this.#checking.set(token, check)
    }
    return check
  }

  async #onEvent(event: ChangeEvent): Promise<void> {
    const revokedLease = event.type === 'lease/revoke' ? event.metadata['lease_id'] : undefined
    if (revokedLease) for (const handle of this.database.live) handle.revoked(revokedLease)
    const keys = this.cache.keys((key) => pathOfKey(key) === event.dataPath)
    await Promise.all(
      keys.map(async (key) => {
        await this.cache.refresh(key)
        this.emit('change', { key, event } satisfies ChangeNotice)
      }),
    )
  }
}
