// The API proxy's cache of leased secrets: the same request with the same token gets the same credentials back,
// but only after the server confirms the lease is still live, so a revoked credential is never served fresh.
import { createHash } from 'node:crypto'
import { ConnectionError, type VaultClient } from '../../client/index.ts'

interface Entry {
  leaseId: string
  expiresAt: number
  status: number
  contentType: string
  body: Buffer
  storedAt: number
  /** Confirmed while change events were flowing and not put in doubt since: may be served stale. */
  staleEligible: boolean
}

export interface CachedAnswer {
  status: number
  contentType: string
  body: Buffer
  storedAt: number
}

/** A lookup's outcome: served, not servable (forward the request), or the server could not be asked. */
export type LeaseLookup = { kind: 'hit'; answer: CachedAnswer } | { kind: 'miss' } | { kind: 'unreachable' }

/** The request identity: a cached lease is only ever handed to the token (and namespace) that obtained it. */
export function cacheKey(
  method: string,
  url: string,
  token: string,
  namespace: string,
  body: Buffer,
): string {
  const hash = createHash('sha256')
  for (const part of [method, url, token, namespace]) hash.update(part).update('\0')
  return hash.update(body).digest('hex')
}

export class LeaseCache {
  readonly #entries = new Map<string, Entry>()
  readonly #client: VaultClient
  readonly #now: () => number

  /** `client` carries the agent's token, which needs `update` on `sys/leases/lookup` for hits to be served. */
  constructor(client: VaultClient, now: () => number = Date.now) {
    this.#client = client
    this.#now = now
  }

  get size(): number {
    return this.#entries.size
  }

  /** Keep an answer when it carries a lease; anything else (static secrets, errors, tokens) is not kept here. */
  store(key: string, status: number, contentType: string, body: Buffer, staleEligible: boolean): void {
    const leaseId = leaseOf(status, body)
    if (!leaseId) return
    const now = this.#now()
    this.#entries.set(key, {
      leaseId: leaseId.id,
      expiresAt: now + leaseId.duration * 1000,
      status,
      contentType,
      body,
      storedAt: now,
      staleEligible,
    })
  }

  /**
   * The cached answer when its lease is live on the server right now and `stillAllowed` confirms the requesting
   * token may still read the path (it may have been revoked, or lost the policy). An entry whose lease is gone is
   * dropped. `eventsFlowing` says whether a confirmation made now is covered by change events until contact is lost.
   */
  async lookup(
    key: string,
    stillAllowed: () => Promise<boolean>,
    eventsFlowing: () => boolean,
  ): Promise<LeaseLookup> {
    const entry = this.#entries.get(key)
    if (!entry) return { kind: 'miss' }
    if (this.#now() >= entry.expiresAt) {
      this.#entries.delete(key)
      return { kind: 'miss' }
    }
    let ttl = 0
    try {
      if (!(await stillAllowed())) return { kind: 'miss' }
      const res = await this.#client.request('PUT', 'sys/leases/lookup', {
        body: { lease_id: entry.leaseId },
      })
      ttl = Number(res.body?.data?.ttl ?? 0)
    } catch (error) {
      if (error instanceof ConnectionError) return { kind: 'unreachable' }
      // Revoked, expired, or the agent may not look it up: forward the request instead of trusting the copy.
    }
    if (!(ttl > 0)) {
      this.#entries.delete(key)
      return { kind: 'miss' }
    }
    entry.staleEligible = eventsFlowing()
    return { kind: 'hit', answer: entry }
  }

  /** The entry for a request the server cannot answer now, when it may be served stale (the caller checks contact). */
  stale(key: string): CachedAnswer | undefined {
    const entry = this.#entries.get(key)
    if (!entry?.staleEligible || this.#now() >= entry.expiresAt) return undefined
    return entry
  }

  drop(key: string): void {
    this.#entries.delete(key)
  }

  /** A lease/revoke event: its credentials must never be handed out again. */
  dropLease(leaseId: string): number {
    let dropped = 0
    for (const [key, entry] of this.#entries)
      if (entry.leaseId === leaseId) {
        this.#entries.delete(key)
        dropped++
      }
    return dropped
  }

  /** Contact was lost and is back: keep serving confirmed hits, but none stale until confirmed again. */
  doubtAll(): void {
    for (const entry of this.#entries.values()) entry.staleEligible = false
  }

  /** Drop everything (a revocation passed through the proxy, or the agent's token changed). */
  clear(): void {
    this.#entries.clear()
  }
}

function leaseOf(status: number, body: Buffer): { id: string; duration: number } | undefined {
  if (status !== 200) return undefined
  let parsed: { lease_id?: unknown; lease_duration?: unknown }
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  const id = parsed?.lease_id
  const duration = Number(parsed?.lease_duration ?? 0)
  if (typeof id !== 'string' || id === '' || !(duration > 0)) return undefined
  return { id, duration }
}
