// HTTP to the server on the global fetch: the token header, Vault's error shape, and retries with backoff on 5xx/429.
import { setTimeout as delay } from 'node:timers/promises'
import { CofferConnectionError, CofferError, errorsOf, isUnavailable } from './errors.ts'

export interface RetryOptions {
  /** Further attempts after the first, on 5xx, 429 or no answer only (default 2). */
  retries?: number
  /** First wait in milliseconds; doubled each attempt, with jitter (default 100). */
  backoffMs?: number
  /** Cap on one wait (default 2000). */
  maxBackoffMs?: number
}

export interface RequestOptions {
  body?: unknown
  query?: Record<string, string | undefined>
  /** Send no token (a login). */
  anonymous?: boolean
}

/** A response body in Vault's envelope; `data` varies by endpoint. */
export interface Envelope<T = Record<string, unknown>> {
  request_id?: string
  lease_id?: string
  renewable?: boolean
  lease_duration?: number
  data: T
  auth?: { client_token: string; lease_duration: number; renewable: boolean; policies?: string[] } | null
  warnings?: string[] | null
}

/** The answer's lease_duration as a cache TTL; undefined when it has none, so the configured TTL applies. */
export function leaseTtl(reply: { lease_duration?: number }): number | undefined {
  return reply.lease_duration !== undefined && reply.lease_duration > 0 ? reply.lease_duration : undefined
}

/** The token for the next request; `forget` (AppRole) drops one the server no longer accepts, so the next call logs in. */
export type TokenSource = (() => Promise<string>) & { forget?: (token: string) => void }

export class Transport {
  readonly address: string
  readonly #retries: number
  readonly #backoffMs: number
  readonly #maxBackoffMs: number
  readonly #timeoutMs: number
  token: TokenSource = async () => ''
  /**
   * Awaited at every 403 with the token the request carried, before the 403 is thrown: the token may be revoked, so
   * what was read with it is in doubt.
   */
  onForbidden: (token: string) => void | Promise<void> = () => {}

  constructor(address: string, retry: RetryOptions = {}, timeoutMs = 30_000) {
    this.address = address.replace(/\/+$/, '')
    this.#retries = retry.retries ?? 2
    this.#backoffMs = retry.backoffMs ?? 100
    this.#maxBackoffMs = retry.maxBackoffMs ?? 2000
    this.#timeoutMs = timeoutMs
  }

  /** One API call; retried only while the server is unavailable. A 204 gives `undefined`. */
  async request<T = Envelope>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once<T>(method, path, opts)
      } catch (error) {
        if (!isUnavailable(error) || attempt >= this.#retries) throw error
        const wait = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** attempt)
        await delay(wait / 2 + Math.random() * (wait / 2))
      }
    }
  }

  /** The URL of an API path with its query (absent values left out). */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v)
    const qs = params.toString()
    return `${this.address}/v1/${path}${qs ? `?${qs}` : ''}`
  }

  /** Whether the server still accepts `token`: false only when it answers lookup-self with 403. */
  async tokenAccepted(token: string): Promise<boolean> {
    try {
      await this.#once('GET', 'auth/token/lookup-self', {}, token)
      return true
    } catch (error) {
      return !(error instanceof CofferError && error.status === 403)
    }
  }

  /** One exchange; `checking` sends that token and skips the 403 hook (the hook's own check). */
  async #once<T>(method: string, path: string, opts: RequestOptions, checking?: string): Promise<T> {
    const headers: Record<string, string> = {}
    let token = ''
    if (checking !== undefined) token = checking
    else if (!opts.anonymous) token = await this.token()
    if (token) headers['x-vault-token'] = token
    let body: string | undefined
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] = 'application/json'
    }
    let res: Response
    let text: string
    try {
      res = await fetch(this.url(path, opts.query), {
        method,
        headers,
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(body !== undefined ? { body } : {}),
      })
      text = await res.text()
    } catch (error) {
      // The cause names the socket error (ECONNREFUSED…); the request itself (headers, body) is not in it.
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name
      throw new CofferConnectionError(method, path, `no answer (${reason})`)
    }
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      if (res.ok) throw new CofferConnectionError(method, path, `unparsable ${res.status} answer`)
    }
    if (res.status === 403 && checking === undefined) await this.onForbidden(token)
    if (!res.ok) throw new CofferError(method, path, res.status, errorsOf(parsed))
    return parsed as T
  }
}
