// Keep the agent authenticated: log in, write the sinks, renew before the TTL ends, log in again when the token dies.
import { ApiError, type VaultClient } from '../../client/index.ts'
import { Alarm } from '../alarm.ts'
import type { FileSinkConfig } from '../config/agent-config.ts'
import { writeFileAtomic } from '../files/atomic-write.ts'
import type { AuthMethod, AuthResult } from './methods.ts'

export interface AuthLoopOptions {
  client: VaultClient
  method: AuthMethod
  sinks: readonly FileSinkConfig[]
  /** How often a live token is checked (lookup-self) between renewals, so a revoked one is noticed. */
  checkIntervalMs: number
  log(level: 'info' | 'error', message: string): void
}

const MIN_BACKOFF_MS = 1_000
const MAX_BACKOFF_MS = 60_000

export class AuthLoop {
  readonly #options: AuthLoopOptions
  readonly #alarm = new Alarm()
  readonly #listeners: ((token: string) => void)[] = []
  #stopped = false
  #current: (AuthResult & { obtainedAt: number; grantedSeconds: number }) | undefined

  constructor(options: AuthLoopOptions) {
    this.#options = options
  }

  /** The token in use, or undefined before the first login. */
  get token(): string | undefined {
    return this.#current?.token
  }

  /** Called with each new token, after the sinks have it. */
  onToken(listener: (token: string) => void): void {
    this.#listeners.push(listener)
  }

  /**
   * The token was refused somewhere else (a template read or a proxied request got 403): check it now. Only a
   * token the server no longer knows leads to a new login; a path the policy denies must not mint a token per
   * render.
   */
  requestCheck(): void {
    this.#alarm.wake()
  }

  stop(): void {
    this.#stopped = true
    this.#alarm.wake()
  }

  /** Log in until it works (with backoff); resolves with the first token. */
  async authenticate(): Promise<string> {
    let backoff = MIN_BACKOFF_MS
    for (;;) {
      try {
        return this.#accept(await this.#options.method.login(this.#options.client))
      } catch (error) {
        this.#options.log(
          'error',
          `auto-auth (${this.#options.method.name}) failed, retrying in ${backoff / 1000} s: ${(error as Error).message}`,
        )
        if (this.#stopped) throw error
        await this.#alarm.sleep(backoff)
        if (this.#stopped) throw error
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
      }
    }
  }

  #accept(result: AuthResult): string {
    this.#current = { ...result, obtainedAt: Date.now(), grantedSeconds: result.ttlSeconds }
    this.#options.client.setToken(result.token)
    for (const sink of this.#options.sinks) {
      try {
        writeFileAtomic(sink.path, result.token, sink.mode)
      } catch (error) {
        this.#options.log(
          'error',
          `cannot write the token sink ${sink.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        )
      }
    }
    this.#options.log(
      'info',
      `authenticated (${this.#options.method.name}); token ttl ${result.ttlSeconds} s, sinks written`,
    )
    for (const listener of this.#listeners) listener(result.token)
    return result.token
  }

  /** Renew or check the token until stopped; log in again when it is revoked, refused or about to expire. */
  async maintain(): Promise<void> {
    while (!this.#stopped) {
      const current = this.#current
      if (!current) {
        await this.authenticate()
        continue
      }
      const ttlMs = current.ttlSeconds * 1000
      // Act at two thirds of the lifetime, as Vault's lifetime watcher does.
      const actAt = ttlMs > 0 ? current.obtainedAt + (ttlMs * 2) / 3 : Number.POSITIVE_INFINITY
      await this.#alarm.sleep(Math.max(0, Math.min(actAt - Date.now(), this.#options.checkIntervalMs)))
      if (this.#stopped) return
      const due = Date.now() >= actAt
      try {
        if (due && current.renewable) {
          const res = await this.#options.client.request('PUT', 'auth/token/renew-self', { body: {} })
          const duration = Number(res.body?.auth?.lease_duration ?? 0)
          // A renewal that no longer extends the lifetime (max TTL reached) means a fresh login is needed soon.
          if (duration < current.grantedSeconds / 3) await this.authenticate()
          else this.#current = { ...current, ttlSeconds: duration, obtainedAt: Date.now() }
        } else if (due) {
          await this.authenticate()
        } else {
          await this.#options.client.request('GET', 'auth/token/lookup-self')
        }
      } catch (error) {
        if (error instanceof ApiError && (error.status === 403 || error.status === 400)) {
          this.#options.log('info', 'the token is no longer valid (revoked or expired); authenticating again')
          await this.authenticate()
        } else {
          this.#options.log('error', `token check failed, will retry: ${(error as Error).message}`)
        }
      }
    }
  }
}
