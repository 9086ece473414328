// The TTL a login token's renewal grants: Vault's CalculateTTL, fed the auth method's token settings as they are now.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { LoginRenewalVerdict } from '../../../sdk/framework/backend.ts'
import { cappedPeriod, ttlCappedWarning } from '../ttl-caps.ts'

export interface LoginRenewalTtlInput {
  /** Seconds the caller asked for; 0 when it asked for none. */
  increment: number
  /** The auth method's role (user, certificate) settings now. */
  settings: LoginRenewalVerdict
  /** The auth mount's default and max lease TTLs now, seconds. */
  mountTtls: { defaultLeaseTtl: number; maxLeaseTtl: number }
  /** The token's own explicit max TTL, fixed when it was issued; 0: none. */
  explicitMaxTtl: number
  /** When the token was issued, seconds since the epoch. */
  creationTime: number
  /** Now, milliseconds since the epoch. */
  now: number
}

/**
 * Seconds the renewal grants from now, and the warnings Vault gives when a cap cut it. The max is the smallest of
 * the mount's, the role's token_max_ttl and the token's explicit max, counted from the token's creation; a period
 * is granted whole (cut only to that max as a duration) and only the explicit max ends a periodic token.
 */
export function loginRenewalTtl(input: LoginRenewalTtlInput): { ttl: number; warnings: string[] } {
  const { settings, mountTtls, explicitMaxTtl, creationTime } = input
  // Vault truncates times to the second before measuring.
  const now = Math.floor(input.now / 1000)
  let maxTtl = mountTtls.maxLeaseTtl
  const roleMax = settings.maxTtl ?? 0
  if (roleMax > 0 && roleMax < maxTtl) maxTtl = roleMax
  if (explicitMaxTtl > 0 && explicitMaxTtl < maxTtl) maxTtl = explicitMaxTtl
  const warnings: string[] = []
  const period = settings.period ?? 0
  let ttl: number
  let maxValid: number | undefined
  if (period > 0) {
    const cut = cappedPeriod(period, maxTtl)
    ttl = cut.period
    warnings.push(...cut.warnings)
    if (explicitMaxTtl > 0) maxValid = creationTime + explicitMaxTtl
  } else {
    const tokenTtl = settings.tokenTtl ?? 0
    ttl = input.increment > 0 ? input.increment : tokenTtl > 0 ? tokenTtl : mountTtls.defaultLeaseTtl
    maxValid = creationTime + maxTtl
  }
  if (maxValid !== undefined) {
    const left = maxValid - now
    if (left <= 0) throw new InvalidRequestError('token has reached its maximum TTL and cannot be renewed')
    if (ttl > left) {
      warnings.push(ttlCappedWarning(ttl, left))
      ttl = left
    }
  }
  return { ttl, warnings }
}
