// A leased credential that keeps itself valid: renews at 2/3 of its TTL, and fetches a new one before the last lease ends.
import { EventEmitter } from 'node:events'
import type { SecretCache } from './cache.ts'
import { CofferError } from './errors.ts'
import type { Envelope, Transport } from './transport.ts'

export interface DatabaseCredentials {
  username: string
  password: string
  [field: string]: unknown
}

interface Issued<T> {
  leaseId: string
  leaseDuration: number
  renewable: boolean
  data: T
}

/**
 * Events (none carries a password unless the listener reads `credentials`):
 * - `renewed` ({ leaseId, ttl }) after a renewal;
 * - `expiring` ({ leaseId, ttl }) when the lease can no longer be extended (max TTL reached, or not renewable):
 *   a new credential is fetched at 2/3 of what is left;
 * - `rotated` ({ leaseId, previousLeaseId }) once the new credential is in `credentials`;
 * - `error` (error) when a renewal or a fetch failed (retried); only emitted when someone listens;
 * - `closed` once `close()` was called.
 * With the client's events on (and `lease/revoke` among the types), a revoked lease is replaced at once.
 */
export class LeaseHandle<T = DatabaseCredentials> extends EventEmitter {
  #issued: Issued<T>
  #timer: NodeJS.Timeout | undefined
  #closed = false
  readonly #transport: Transport
  readonly #issue: () => Promise<Issued<T>>

  constructor(transport: Transport, issued: Issued<T>, issue: () => Promise<Issued<T>>) {
    super()
    this.#transport = transport
    this.#issued = issued
    this.#issue = issue
    this.#schedule(this.#issued.renewable ? 'renew' : 'replace', issued.leaseDuration)
  }

  get credentials(): T {
    return this.#issued.data
  }
  get leaseId(): string {
    return this.#issued.leaseId
  }
  /** The TTL (seconds) the server gave with the last issue or renewal. */
  get ttl(): number {
    return this.#issued.leaseDuration
  }

  /** Stops renewing; with `revoke`, revokes the current lease (the database user is dropped). */
  async close(opts: { revoke?: boolean } = {}): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.emit('closed')
    if (opts.revoke) {
      await this.#transport.request('PUT', 'sys/leases/revoke', { body: { lease_id: this.#issued.leaseId } })
    }
  }

  /** A `lease/revoke` event named this lease: the credential is gone, fetch a new one now instead of at renewal. */
  revoked(leaseId: string): void {
    if (this.#closed || leaseId !== this.#issued.leaseId) return
    clearTimeout(this.#timer)
    void this.#replace()
  }

  /** Acts at 2/3 of `seconds`: the last third is the margin for a slow server or a retry. */
  #schedule(action: 'renew' | 'replace', seconds: number): void {
    if (this.#closed) return
    const ms = Math.max(0, (seconds * 1000 * 2) / 3)
    this.#timer = setTimeout(() => void (action === 'renew' ? this.#renew() : this.#replace()), ms)
    this.#timer.unref()
  }

  async #renew(): Promise<void> {
    const asked = this.#issued.leaseDuration
    try {
      const reply = await this.#transport.request<Envelope<null>>('PUT', 'sys/leases/renew', {
        body: { lease_id: this.#issued.leaseId, increment: asked },
      })
      if (this.#closed) return
      const ttl = reply.lease_duration ?? 0
      this.#issued = { ...this.#issued, leaseDuration: ttl }
      if (ttl < asked) {
        // The max TTL capped the renewal: this lease ends in `ttl` seconds whatever we do.
        this.emit('expiring', { leaseId: this.#issued.leaseId, ttl })
        this.#schedule('replace', ttl)
        return
      }
      this.emit('renewed', { leaseId: this.#issued.leaseId, ttl })
      this.#schedule('renew', ttl)
    } catch (error) {
      this.#failed(error)
      // A lease the server no longer knows (revoked, expired) cannot be renewed: get a new one now.
      if (error instanceof CofferError && error.status < 500 && error.status !== 429)
        this.#schedule('replace', 0)
      else this.#schedule('renew', this.#remainingAfterFailure())
    }
  }

  async #replace(): Promise<void> {
    const previousLeaseId = this.#issued.leaseId
    try {
      const issued = await this.#issue()
      if (this.#closed) return
      this.#issued = issued
      this.emit('rotated', { leaseId: issued.leaseId, previousLeaseId })
      this.#schedule(issued.renewable ? 'renew' : 'replace', issued.leaseDuration)
    } catch (error) {
      this.#failed(error)
      this.#schedule('replace', this.#remainingAfterFailure())
    }
  }

  /** A retry soon, but not a tight loop. */
  #remainingAfterFailure(): number {
    return Math.min(30, Math.max(1.5, this.#issued.leaseDuration / 10))
  }

  #failed(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}

export interface StaticCredentials extends DatabaseCredentials {
  /** Seconds until the next scheduled rotation. */
  ttl: number
  last_vault_rotation: string
  rotation_period: number
}

/** The database engine: dynamic credentials under self-renewing leases, and cached static-role credentials. */
export class DatabaseApi {
  /** Handles not yet closed, so that a `lease/revoke` event reaches the one it names. */
  readonly live = new Set<LeaseHandle<unknown>>()
  readonly #transport: Transport
  readonly #cache: SecretCache
  constructor(transport: Transport, cache: SecretCache) {
    this.#transport = transport
    this.#cache = cache
  }

  /**
   * A static role's current credentials (`<mount>/static-creds/<role>`), cached no later than the next scheduled
   * rotation (nor longer than the cache TTL); a `database/rotate` event loads them again at once.
   */
  staticCredentials(mount: string, role: string): Promise<StaticCredentials> {
    const apiPath = `${mount}/static-creds/${role}`
    return this.#cache.get(apiPath, async () => {
      const reply = await this.#transport.request<Envelope<StaticCredentials>>('GET', apiPath)
      return { value: reply.data, ttl: reply.data.ttl > 0 ? reply.data.ttl : undefined }
    })
  }

  async credentials<T = DatabaseCredentials>(mount: string, role: string): Promise<LeaseHandle<T>> {
    const issue = async (): Promise<Issued<T>> => {
      const reply = await this.#transport.request<Envelope<T>>('GET', `${mount}/creds/${role}`)
      return {
        leaseId: reply.lease_id ?? '',
        leaseDuration: reply.lease_duration ?? 0,
        renewable: reply.renewable ?? false,
        data: reply.data,
      }
    }
    const handle = new LeaseHandle(this.#transport, await issue(), issue)
    this.live.add(handle as LeaseHandle<unknown>)
    handle.once('closed', () => this.live.delete(handle as LeaseHandle<unknown>))
    return handle
  }
}
