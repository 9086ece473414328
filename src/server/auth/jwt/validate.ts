// After the signature: time claims with the role's leeways, issuer, subject, audience and bound claims; then the AuthGrant.

import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import type { AuthGrant } from '../../../sdk/request.ts'
import {
  audienceError,
  audiences,
  boundClaimsError,
  ClaimError,
  type Claims,
  groupsClaimValue,
  mappedMetadata,
  userClaimValue,
} from './claims.ts'
import { DEFAULT_CLAIM_LEEWAY, DEFAULT_CLOCK_SKEW_LEEWAY, type JwtRole, leeway } from './role.ts'

export interface Expectations {
  /** The issuer the token must name: bound_issuer, or the OIDC provider's issuer. Empty skips the check. */
  issuer: string
  /** JWT login refuses an aud the role does not bind; the OIDC flow checks aud against the client id instead. */
  strictAudience: boolean
  nowSeconds: number
}

function numericClaim(claims: Claims, name: string): number | undefined {
  const value = claims[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ClaimError(`error validating claims: "${name}" is not a number`)
  return value
}

/** Throws ClaimError with Vault's message at the first claim that does not hold. */
export function validateClaims(claims: Claims, role: JwtRole, expect: Expectations): void {
  const now = expect.nowSeconds
  const iat = numericClaim(claims, 'iat')
  let exp = numericClaim(claims, 'exp')
  let nbf = numericClaim(claims, 'nbf')
  if (iat === undefined && exp === undefined && nbf === undefined)
    throw new ClaimError('no issue time, notbefore, or expiration time encoded in token')
  const expLeeway = leeway(role.expirationLeeway, DEFAULT_CLAIM_LEEWAY)
  const nbfLeeway = leeway(role.notBeforeLeeway, DEFAULT_CLAIM_LEEWAY)
  const skew = leeway(role.clockSkewLeeway, DEFAULT_CLOCK_SKEW_LEEWAY)
  // As Vault: the expiration and not-before leeways only stand in for a claim the token lacks (a token without exp
  // lives for the expiration leeway after it started; one without nbf or iat starts that long before exp). Only
  // the clock skew leeway stretches the claims a token does carry.
  if (exp === undefined) exp = Math.max(iat ?? 0, nbf ?? 0) + expLeeway
  if (nbf === undefined) nbf = iat ?? exp - nbfLeeway
  if (now > exp + skew) throw new ClaimError('error validating claims: token is expired (exp)')
  if (now < nbf - skew) throw new ClaimError('error validating claims: token not valid yet (nbf)')
  if (iat !== undefined && iat > now + skew)
    throw new ClaimError('error validating claims: token issued in the future (iat)')
  if (expect.issuer !== '' && claims['iss'] !== expect.issuer)
    throw new ClaimError('error validating claims: invalid issuer claim (iss)')
  if (role.boundSubject !== '' && claims['sub'] !== role.boundSubject)
    throw new ClaimError('error validating claims: sub claim does not match bound subject')
  const audError = audienceError(role.boundAudiences, audiences(claims), expect.strictAudience)
  if (audError) throw new ClaimError(`error validating claims: ${audError}`)
  const boundError = boundClaimsError(role.boundClaims, role.boundClaimsType, claims)
  if (boundError) throw new ClaimError(`error validating claims: ${boundError}`)
}

/**
 * The login's grant: the user claim names the entity alias (its metadata from claim_mappings), and the groups
 * claim names the external groups core matches through group aliases.
 */
export function loginGrant(claims: Claims, role: JwtRole, roleName: string): AuthGrant {
  const user = userClaimValue(claims, role.userClaim)
  const mapped = mappedMetadata(claims, role.claimMappings)
  const groups = role.groupsClaim === '' ? undefined : groupsClaimValue(claims, role.groupsClaim)
  return {
    ...tokenGrant(role.token),
    displayName: user,
    metadata: { ...mapped, role: roleName },
    internal: { role: roleName, alias: user, ...(groups ? { groups } : {}) },
    alias: { name: user, metadata: mapped },
    ...(groups ? { groupAliases: groups } : {}),
  }
}
