// Vault's creation counters (secret.lease.creation, token.creation): counts by label set and creation TTL bucket.

/** Vault's TTL buckets (metricsutil.TTLBucket): the smallest bound at or above the TTL, else "+Inf". */
const BUCKETS: [seconds: number, label: string][] = [
  [60, '1m'],
  [600, '10m'],
  [1200, '20m'],
  [3600, '1h'],
  [7200, '2h'],
  [86400, '1d'],
  [2 * 86400, '2d'],
  [7 * 86400, '7d'],
  [30 * 86400, '30d'],
]

export function ttlBucket(seconds: number): string {
  return BUCKETS.find(([bound]) => seconds <= bound)?.[1] ?? '+Inf'
}

export type CreationCount<L extends string> = Record<L | 'creation_ttl', string> & { count: number }

/** Counts by label set (engines, mounts and token types are few, so the map stays small). */
export class CreationCounter<L extends string> {
  readonly #counts = new Map<string, CreationCount<L>>()

  count(labels: Record<L, string>, ttlSeconds: number): void {
    const creation_ttl = ttlBucket(ttlSeconds)
    const key = `${Object.values(labels).join('\u0000')}\u0000${creation_ttl}`
    const known = this.#counts.get(key)
    if (known) known.count++
    else this.#counts.set(key, { ...labels, creation_ttl, count: 1 } as CreationCount<L>)
  }

  entries(): Iterable<CreationCount<L>> {
    return this.#counts.values()
  }
}
