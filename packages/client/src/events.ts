// Change events over sys/events/subscribe/<type>?json=true (WebSocket, Node's global client), reconnecting with backoff.
import { EventEmitter } from 'node:events'
import type { TokenSource } from './transport.ts'

/** The part of Vault's CloudEvents envelope the client uses. */
export interface ChangeEvent {
  id: string
  type: string
  time: string
  /** The changed path, mount included (`secret/data/app/db`); metadata only, never a value. */
  dataPath: string
  metadata: Record<string, string>
}

export interface EventOptions {
  /** Off with `false`: the cache then answers nothing from memory, unless its `withoutEvents` says to. */
  enabled?: boolean
  /** Event type patterns to subscribe to (`*` matches anything); one connection each. */
  types?: string[]
  /** Longest wait between reconnection attempts, in milliseconds (default 30000). */
  maxReconnectMs?: number
}

export const DEFAULT_EVENT_TYPES = ['kv*', 'secretsmanager/*', 'database/*', 'lease/revoke']

/** The server's close codes: the token was revoked (or its entity disabled); its effective policies changed. */
const CLOSE_TOKEN_GONE = 1008
const CLOSE_ACCESS_CHANGED = 4001
/** A 4001 close sooner than this after the subscription opened counts towards backing off. */
const QUICK_CLOSE_MS = 1000

/**
 * Emits `event` (ChangeEvent), `connected` (type) once a subscription is open, `reconnected` (type) when one
 * opens after a loss (events may have been missed), `revoked` (type) when the server closed one because its token
 * was revoked (code 1008), `accessChanged` (type) when the server closed one because the token's policies changed
 * (code 4001; it is opened again at once, and `reconnected` follows), and `unavailable` (type, reason) when a connection fails or is refused (no policy, no
 * WebSocket in this runtime, server down); it is retried with backoff.
 */
export class EventStream extends EventEmitter {
  readonly #wsUrl: string
  readonly #token: TokenSource
  readonly #types: string[]
  readonly #maxReconnectMs: number
  readonly #sockets = new Set<WebSocket>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #connected = new Set<string>()
  /** Per type: 4001 closes in a row that came soon after their subscription opened. */
  readonly #quickAccessCloses = new Map<string, number>()
  #closed = false

  constructor(address: string, token: TokenSource, opts: EventOptions = {}) {
    super()
    this.#wsUrl = address.replace(/^http/, 'ws').replace(/\/+$/, '')
    this.#token = token
    this.#types = opts.types ?? DEFAULT_EVENT_TYPES
    this.#maxReconnectMs = opts.maxReconnectMs ?? 30_000
  }

  /** Every subscription is open now: changes made from now on are heard. */
  get up(): boolean {
    return this.#types.every((type) => this.#connected.has(type))
  }

  /** Resolves true once every subscription is open, false as soon as one is reported unavailable. */
  ready(): Promise<boolean> {
    if (this.#types.every((type) => this.#connected.has(type))) return Promise.resolve(true)
    return new Promise((resolve) => {
      const check = () => {
        if (!this.#types.every((type) => this.#connected.has(type))) return
        done(true)
      }
      const refused = () => done(false)
      const done = (value: boolean) => {
        this.off('connected', check)
        this.off('reconnected', check)
        this.off('unavailable', refused)
        resolve(value)
      }
      this.on('connected', check)
      this.on('reconnected', check)
      this.on('unavailable', refused)
    })
  }

  start(): void {
    for (const type of this.#types) void this.#connect(type, 0, false)
  }

  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    for (const socket of this.#sockets) socket.close(1000)
  }

  async #connect(type: string, failures: number, hadConnection: boolean): Promise<void> {
    if (this.#closed) return
    if (typeof globalThis.WebSocket !== 'function') {
      this.emit('unavailable', type, 'this runtime has no global WebSocket')
      return
    }
    let token: string
    try {
      token = await this.#token()
    } catch (error) {
      this.emit('unavailable', type, (error as Error).message)
      this.#retry(type, failures + 1, hadConnection)
      return
    }
    if (this.#closed) return
    const url = `${this.#wsUrl}/v1/sys/events/subscribe/${type}?json=true`
    // Node's WebSocket takes headers; the token stays out of the URL (and so out of access logs).
    const socket = new WebSocket(url, { headers: { 'x-vault-token': token } })
    this.#sockets.add(socket)
    let opened = false
    let openedAt = 0
    socket.addEventListener('open', () => {
      opened = true
      openedAt = Date.now()
      this.#connected.add(type)
      this.emit(hadConnection ? 'reconnected' : 'connected', type)
    })
    socket.addEventListener('message', (message) => {
      const event = parseEvent(message.data)
      if (event) this.emit('event', event)
    })
    socket.addEventListener('close', (close) => {
      this.#sockets.delete(socket)
      this.#connected.delete(type)
      if (this.#closed) return
      if (opened && close.code === CLOSE_TOKEN_GONE) this.emit('revoked', type)
      if (opened && close.code === CLOSE_ACCESS_CHANGED) {
        this.emit('accessChanged', type)
        // The server asked for a new subscription, and until it is open no read is answered from memory: it is
        // opened again at once. Once subscriptions keep being closed so within a second of opening (policies
        // changing back and forth, or a server closing every new one), it backs off instead of looping.
        const quick =
          Date.now() - openedAt < QUICK_CLOSE_MS ? (this.#quickAccessCloses.get(type) ?? 0) + 1 : 0
        this.#quickAccessCloses.set(type, quick)
        if (quick <= 1) void this.#connect(type, 0, true)
        else this.#retry(type, quick - 2, true)
        return
      }
      if (!opened) this.emit('unavailable', type, `connection refused or failed (${close.code})`)
      this.#retry(type, opened ? 0 : failures + 1, hadConnection || opened)
    })
    // 'error' is always followed by 'close'; listening keeps it from being reported as unhandled.
    socket.addEventListener('error', () => {})
  }

  #retry(type: string, failures: number, hadConnection: boolean): void {
    const wait = Math.min(this.#maxReconnectMs, 250 * 2 ** failures)
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer)
        void this.#connect(type, failures, hadConnection)
      },
      wait / 2 + Math.random() * (wait / 2),
    )
    timer.unref()
    this.#timers.add(timer)
  }
}

function parseEvent(data: unknown): ChangeEvent | undefined {
  if (typeof data !== 'string') return undefined
  try {
    const parsed = JSON.parse(data) as {
      id: string
      type: string
      time: string
      data?: { event?: { metadata?: Record<string, string> } }
    }
    const metadata = parsed.data?.event?.metadata ?? {}
    const dataPath = metadata['data_path'] ?? metadata['path']
    if (!dataPath) return undefined
    return { id: parsed.id, type: parsed.type, time: parsed.time, dataPath, metadata }
  } catch {
    return undefined
  }
}
