// The agent's subscription to the server's change events (sys/events/subscribe over WebSocket): KV changes and
// lease revocations reach the proxy cache, and the subscription's state tells it whether it can trust its copies.
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'

/** The part of an event the cache acts on (metadata only: Coffer's events never carry values). */
export interface WatchedEvent {
  type: string
  dataPath: string
  mountPath: string
  leaseId: string | undefined
}

export const WATCHED_TYPES = ['kv*', 'lease/revoke']

export interface EventWatchOptions {
  /** The server's base URL (http or https). */
  address: string
  caCert: string | undefined
  tlsSkipVerify: boolean
  /** The token to subscribe with: the agent's own. */
  token(): string | undefined
  onEvent(event: WatchedEvent): void
  /** Every subscription open (true), or one of them lost (false). */
  onState(up: boolean): void
  /** The server answered the upgrade with an HTTP error: it is up, but the agent is not hearing its changes. */
  onRefused(status: number): void
  /** The server closed a subscription because the agent's token was revoked (close code 1008). */
  onTokenRevoked(): void
  /** The server closed a subscription because the agent's token's policies changed (close code 4001). */
  onAccessChanged(): void
  log(level: 'info' | 'error', message: string): void
}

/** Reconnection waits stay short: while the stream is down nothing static is served, and contact is in doubt. */
const MAX_BACKOFF_MS = 5_000
/** A connection that answers no ping within this time is dead (a half-open TCP connection sends nothing). */
const PING_INTERVAL_MS = 10_000

export class EventWatch {
  readonly #options: EventWatchOptions
  readonly #sockets = new Map<string, WebSocket>()
  readonly #open = new Set<string>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #ca: Buffer | undefined
  #closed = false
  #up = false

  constructor(options: EventWatchOptions) {
    this.#options = options
    this.#ca = options.caCert ? readFileSync(options.caCert) : undefined
  }

  start(): void {
    for (const type of WATCHED_TYPES) this.#connect(type, 0)
  }

  /** The agent's token changed: subscribe again with the new one (the old subscription ends with its token). */
  restart(): void {
    for (const socket of this.#sockets.values()) socket.terminate()
  }

  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    for (const socket of this.#sockets.values()) socket.terminate()
  }

  #connect(type: string, failures: number): void {
    if (this.#closed) return
    const token = this.#options.token()
    if (!token) {
      this.#retry(type, failures + 1)
      return
    }
    const base = this.#options.address.replace(/^http/, 'ws').replace(/\/+$/, '')
    // The token goes in a header, never in the URL (which access logs keep).
    const socket = new WebSocket(`${base}/v1/sys/events/subscribe/${type}?json=true`, {
      headers: { 'x-vault-token': token },
      ...(this.#ca ? { ca: this.#ca } : {}),
      rejectUnauthorized: !this.#options.tlsSkipVerify,
      handshakeTimeout: 10_000,
    })
    this.#sockets.set(type, socket)
    let opened = false
    let alive = true
    let pinger: NodeJS.Timeout | undefined
    socket.on('open', () => {
      opened = true
      this.#open.add(type)
      pinger = setInterval(() => {
        if (!alive) {
          socket.terminate()
          return
        }
        alive = false
        socket.ping()
      }, PING_INTERVAL_MS)
      pinger.unref()
      this.#update()
    })
    socket.on('pong', () => {
      alive = true
    })
    socket.on('message', (data) => {
      alive = true
      const event = parseEvent(data.toString())
      if (event) this.#options.onEvent(event)
    })
    socket.on('unexpected-response', (_req, res) => {
      this.#options.onRefused(res.statusCode ?? 0)
      res.resume()
      socket.terminate()
    })
    socket.on('error', () => {})
    socket.on('close', (code) => {
      if (pinger) clearInterval(pinger)
      if (this.#sockets.get(type) === socket) this.#sockets.delete(type)
      this.#open.delete(type)
      if (this.#closed) return
      this.#update()
      if (opened && code === 1008) {
        this.#options.log('info', `event stream ${type} closed: the token was revoked`)
        this.#options.onTokenRevoked()
      }
      if (opened && code === 4001) {
        this.#options.log('info', `event stream ${type} closed: the token's policies changed`)
        this.#options.onAccessChanged()
      }
      this.#retry(type, opened ? 0 : failures + 1)
    })
  }

  #update(): void {
    const up = WATCHED_TYPES.every((type) => this.#open.has(type))
    if (up === this.#up) return
    this.#up = up
    this.#options.onState(up)
  }

  #retry(type: string, failures: number): void {
    const wait = Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures)
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#connect(type, failures)
    }, wait)
    timer.unref()
    this.#timers.add(timer)
  }
}

function parseEvent(text: string): WatchedEvent | undefined {
  try {
    const parsed = JSON.parse(text) as {
      type?: unknown
      data?: { event?: { metadata?: Record<string, unknown> }; plugin_info?: { mount_path?: unknown } }
    }
    const metadata = parsed.data?.event?.metadata ?? {}
    const dataPath = metadata['data_path'] ?? metadata['path']
    if (typeof parsed.type !== 'string' || typeof dataPath !== 'string') return undefined
    const mountPath = parsed.data?.plugin_info?.mount_path
    const leaseId = metadata['lease_id']
    return {
      type: parsed.type,
      dataPath,
      mountPath: typeof mountPath === 'string' ? mountPath : '',
      leaseId: typeof leaseId === 'string' ? leaseId : undefined,
    }
  } catch {
    return undefined
  }
}
