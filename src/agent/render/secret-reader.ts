// Read secrets for a render cycle: each path once per cycle, leased secrets reused until two thirds of their lease.
import { ApiError, type VaultClient } from '../../client/index.ts'
import type { Value } from '../template/go-values.ts'

export class SecretReadError extends Error {
  readonly forbidden: boolean
  constructor(message: string, forbidden: boolean) {
    super(message)
    this.forbidden = forbidden
  }
}

interface Leased {
  value: Value
  /** When to fetch again: two thirds into the lease, before it expires. */
  refreshAt: number
}

/** The secret as consul-template exposes it: Go field names of Vault's api.Secret. */
function agentShape(envelope: Record<string, unknown>): Record<string, Value> {
  return {
    RequestID: envelope['request_id'] ?? '',
    LeaseID: envelope['lease_id'] ?? '',
    LeaseDuration: envelope['lease_duration'] ?? 0,
    Renewable: envelope['renewable'] ?? false,
    Data: envelope['data'] ?? null,
    Warnings: envelope['warnings'] ?? null,
  }
}

export class SecretReader {
  readonly #client: VaultClient
  readonly #leased = new Map<string, Leased>()
  #cycle = new Map<string, Promise<Value>>()
  /** Leases seen, so the renderer knows when a dynamic secret needs a new render. */
  #nextLeaseRefresh = Number.POSITIVE_INFINITY
  readonly #leaseIds = new Set<string>()

  constructor(client: VaultClient) {
    this.#client = client
  }

  /** Start a render cycle: static secrets are read afresh, once, however many templates use them. */
  newCycle(): void {
    this.#cycle = new Map()
    this.#nextLeaseRefresh = Number.POSITIVE_INFINITY
    for (const [key, leased] of this.#leased) if (Date.now() >= leased.refreshAt) this.#leased.delete(key)
  }

  /** The earliest time a leased secret read so far should be fetched again. */
  get nextLeaseRefresh(): number {
    return this.#nextLeaseRefresh
  }

  /** Every lease obtained so far, for a caller that revokes them when it is done. */
  get leaseIds(): string[] {
    return [...this.#leaseIds]
  }

  read(path: string, writeData: Record<string, string> | undefined): Promise<Value> {
    const key =
      writeData === undefined
        ? `read:${path}`
        : `write:${path}:${JSON.stringify(Object.entries(writeData).sort())}`
    const leased = this.#leased.get(key)
    if (leased) {
      this.#nextLeaseRefresh = Math.min(this.#nextLeaseRefresh, leased.refreshAt)
      return Promise.resolve(leased.value)
    }
    let pending = this.#cycle.get(key)
    if (!pending) {
      pending = this.#fetch(key, path, writeData)
      this.#cycle.set(key, pending)
    }
    return pending
  }

  async #fetch(key: string, path: string, writeData: Record<string, string> | undefined): Promise<Value> {
    const clean = path.replace(/^\/+/, '')
    let envelope: Record<string, unknown> | undefined
    try {
      envelope =
        writeData === undefined ? await this.#client.read(clean) : await this.#client.write(clean, writeData)
    } catch (error) {
      if (error instanceof ApiError)
        throw new SecretReadError(
          `reading ${clean}: ${error.status === 403 ? 'permission denied' : error.errors.join('; ') || `HTTP ${error.status}`}`,
          error.status === 403,
        )
      throw new SecretReadError(`reading ${clean}: ${(error as Error).message}`, false)
    }
    if (!envelope) throw new SecretReadError(`no secret exists at ${clean}`, false)
    const value = agentShape(envelope)
    const duration = Number(envelope['lease_duration'] ?? 0)
    if (typeof envelope['lease_id'] === 'string' && envelope['lease_id'] !== '' && duration > 0) {
      this.#leaseIds.add(envelope['lease_id'])
      const refreshAt = Date.now() + (duration * 1000 * 2) / 3
      this.#leased.set(key, { value, refreshAt })
      this.#nextLeaseRefresh = Math.min(this.#nextLeaseRefresh, refreshAt)
    }
    return value
  }
}
