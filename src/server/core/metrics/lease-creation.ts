// vault_secret_lease_creation: leases registered, by engine type, mount and Vault's creation TTL bucket.

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

export interface LeaseCreationCount {
  secret_engine: string
  mount_point: string
  creation_ttl: string
  count: number
}

/** Counts by label set; mounts are few, so the map stays small. */
export class LeaseCreationCounter {
  readonly #counts = new Map<string, LeaseCreationCount>()

  count(engine: string, mountPoint: string, ttlSeconds: number): void {
    const bucket = ttlBucket(ttlSeconds)
    const key = `${engine}\u0000${mountPoint}\u0000${bucket}`
    const known = this.#counts.get(key)
    if (known) known.count++
    else
      this.#counts.set(key, {
        secret_engine: engine,
        mount_point: mountPoint,
        creation_ttl: bucket,
        count: 1,
      })
  }

  entries(): Iterable<LeaseCreationCount> {
    return this.#counts.values()
  }
}
