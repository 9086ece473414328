// Vault's CalculateTTL caps as words and one rule: the warnings a capped TTL or period carries, and the period's cut.
import { formatDuration } from '../../lib/duration.ts'

/** A TTL (or increment) of `wanted` seconds cut to `granted` by a max TTL, worded as Vault's CalculateTTL (Go durations). */
export function ttlCappedWarning(wanted: number, granted: number): string {
  return `TTL of "${formatDuration(wanted)}" exceeded the effective max_ttl of "${formatDuration(granted)}"; TTL value is capped accordingly`
}

/**
 * A period is granted whole unless it is longer than the max TTL (the least of the mount's, the role's and the
 * explicit one), which cuts it, with Vault's warning; the token stays periodic either way.
 */
export function cappedPeriod(period: number, maxTtl: number): { period: number; warnings: string[] } {
  if (period <= maxTtl) return { period, warnings: [] }
  return {
    period: maxTtl,
    warnings: [
      `period of "${formatDuration(period)}" exceeded the effective max_ttl of "${formatDuration(maxTtl)}"; period value is capped accordingly`,
    ],
  }
}
