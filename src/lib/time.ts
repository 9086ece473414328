// A clock that tests can replace; everything TTL-related reads time through it.
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** RFC 3339 with nanosecond-style fraction, as Vault prints times (Go's RFC3339Nano). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
}
