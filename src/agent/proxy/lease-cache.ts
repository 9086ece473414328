// The API proxy's cache of leased secrets: the same request with the same token gets the same credentials back,
// but only after the server confirms the lease is still live, so a revoked credential is never served.
import { createHash } from 'node:crypto'
import type { VaultClient } from '../../client/index.ts'

interface Entry {
  leaseId: string
  expiresAt: number
  status: number
  contentType: string
  body: Buffer
}

export interface CachedAnswer {
  status: number
  contentType: string
  body: Buffer
}

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

  /** `client` carries the agent's token, which needs `update` on `sys/leases/lookup` for hits to be served. */
  constructor(client: VaultClient) {
    this.#client = client
  }

  get size(): number {
    return this.#entries.size
  }

  /** Keep an answer when it carries a lease; anything else (static secrets, errors, tokens) is not cached. */
  store(key: string, status: number, contentType: string, body: Buffer): void {
    if (status !== 200) return
    let parsed: { lease_id?: unknown; lease_duration?: unknown }
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      return
    }
    const leaseId = parsed?.lease_id
    const duration = Number(parsed?.lease_duration ?? 0)
    if (typeof leaseId !== 'string' || leaseId === '' || !(duration > 0)) return
    this.#entries.set(key, { leaseId, expiresAt: Date.now() + duration * 1000, status, contentType, body })
  }

  /**
   * The cached answer when its lease is live on the server right now and `stillAllowed` confirms the requesting
   * token may still read the path (it may have been revoked, or lost the policy); otherwise undefined, and an
   * entry whose lease is gone is dropped.
   */
  async lookup(key: string, stillAllowed: () => Promise<boolean>): Promise<CachedAnswer | undefined> {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (Date.now() >= entry.expiresAt) {
      this.#entries.delete(key)
      return undefined
    }
    if (!(await stillAllowed())) return undefined
    let ttl = 0
    try {
      const res = await this.#client.request('PUT', 'sys/leases/lookup', {
        body: { lease_id: entry.leaseId },
      })
      ttl = Number(res.body?.data?.ttl ?? 0)
    } catch {
      // Revoked, expired, or the agent cannot tell: forward the request instead of trusting the copy.
    }
    if (!(ttl > 0)) {
      this.#entries.delete(key)
      return undefined
    }
    return { status: entry.status, contentType: entry.contentType, body: entry.body }
  }

  /** Drop everything (a revocation passed through the proxy, or the agent's token changed). */
  clear(): void {
    this.#entries.clear()
  }
}
