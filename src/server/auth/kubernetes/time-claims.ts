// The service account token's iat/nbf/exp checked as Vault's kubernetes method does (hashicorp/cap's validator defaults).
import { PermissionDeniedError } from '../../../sdk/errors.ts'

/** A missing exp is iat/nbf plus this; a missing nbf (and iat) is exp minus this. */
const MISSING_CLAIM_LEEWAY = 150
/** Clock skew allowed on every time claim the token carries. */
const CLOCK_SKEW_LEEWAY = 60

function timeClaim(claims: Record<string, unknown>, name: string): number {
  const value = claims[name]
  // A claim that is absent, zero or not a number counts as missing, as the validator treats it.
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

/**
 * Throws a 403 with Vault's message when the token is not valid at `now` (seconds). A token with none of the three
 * claims (a legacy secret-based token) passes; the missing-claim leeways never stretch a claim the token carries.
 */
export function checkTimeClaims(claims: Record<string, unknown>, now: number): void {
  const iat = timeClaim(claims, 'iat')
  let nbf = timeClaim(claims, 'nbf')
  let exp = timeClaim(claims, 'exp')
  if (iat === 0 && nbf === 0 && exp === 0) return
  if (exp === 0) exp = Math.max(iat, nbf) + MISSING_CLAIM_LEEWAY
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - MISSING_CLAIM_LEEWAY
  if (now + CLOCK_SKEW_LEEWAY < nbf)
    throw new PermissionDeniedError('invalid not before (nbf) claim: token not yet valid')
  if (now - CLOCK_SKEW_LEEWAY > exp)
    throw new PermissionDeniedError('invalid expiration time (exp) claim: token is expired')
  if (iat !== 0 && now + CLOCK_SKEW_LEEWAY < iat)
    throw new PermissionDeniedError('invalid issued at (iat) claim: token issued in the future')
}
