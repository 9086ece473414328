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
import {
  DEFAULT_CLAIM_LEEWAY,
  DEFAULT_CLOCK_SKEW_LEEWAY,
  type JwtRole,
  leeway,
  userClaimIsPointer,
} from './role.ts'

export interface Expectations {
  /** Issuers the token's iss must equal (bound_issuer, the OIDC provider's issuer); empty entries are skipped. */
  issuers: string[]
  /** JWT login refuses an aud the role does not bind; the OIDC flow checks aud against the client id instead. */
  strictAudience: boolean
  nowSeconds: number
}

/** A time claim; as in Vault (go-jose's NumericDate), 0 counts as absent: it is not the token's start or end. */
function numericClaim(claims: Claims, name: string): number | undefined {
  const value = claims[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ClaimError(`error validating claims: "${name}" is not a number`)
  return value === 0 ? undefined : value
}

/**
 * The registered claims Vault decodes into go-jose's typed Claims before it checks anything: iss, sub and jti
 * must be strings and aud a string or list of strings (null included), else the token is refused. Without this a
 * role binding no issuer, subject or audience would take a token whose aud is `[42]` or `null` as having none.
 */
function checkRegisteredClaimTypes(claims: Claims): void {
  for (const name of ['iss', 'sub', 'jti']) {
    const value = claims[name]
    if (value !== undefined && value !== null && typeof value !== 'string')
      throw new ClaimError(`error validating token: the "${name}" claim must be a string`)
  }
  const aud = claims['aud']
  if (aud === undefined) return
  if (typeof aud === 'string') return
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return
  throw new ClaimError('error validating token: the "aud" claim must be a string or a list of strings')
}

/**
 * Throws ClaimError at the first claim that does not hold, in the order and with the words of Vault's JWT login
 * (cap's jwt.Validate, then the plugin's own audience and bound-claims checks).
 */
export function validateClaims(claims: Claims, role: JwtRole, expect: Expectations): void {
  const now = expect.nowSeconds
  checkRegisteredClaimTypes(claims)
  if (expect.issuers.some((issuer) => issuer !== '' && claims['iss'] !== issuer))
    throw new ClaimError('error validating token: invalid issuer (iss) claim')
  if (role.boundSubject !== '' && claims['sub'] !== role.boundSubject)
    throw new ClaimError('error validating token: invalid subject (sub) claim')
  const aud = audiences(claims)
  const boundAudError = audienceError(role.boundAudiences, aud, false)
  if (boundAudError) throw new ClaimError(`error validating token: ${boundAudError}`)
  const iat = numericClaim(claims, 'iat')
  let exp = numericClaim(claims, 'exp')
  let nbf = numericClaim(claims, 'nbf')
  if (iat === undefined && exp === undefined && nbf === undefined)
    throw new ClaimError(
      'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token',
    )
  const expLeeway = leeway(role.expirationLeeway, DEFAULT_CLAIM_LEEWAY)
  const nbfLeeway = leeway(role.notBeforeLeeway, DEFAULT_CLAIM_LEEWAY)
  const skew = leeway(role.clockSkewLeeway, DEFAULT_CLOCK_SKEW_LEEWAY)
  // As Vault: the expiration and not-before leeways only stand in for a claim the token lacks (a token without exp
  // lives for the expiration leeway after it started; one without nbf or iat starts that long before exp). Only
  // the clock skew leeway stretches the claims a token does carry.
  if (exp === undefined) exp = Math.max(iat ?? 0, nbf ?? 0) + expLeeway
  if (nbf === undefined) nbf = iat ?? exp - nbfLeeway
  if (now < nbf - skew)
    throw new ClaimError('error validating token: invalid not before (nbf) claim: token not yet valid')
  if (now > exp + skew)
    throw new ClaimError('error validating token: invalid expiration time (exp) claim: token is expired')
  if (iat !== undefined && iat > now + skew)
    throw new ClaimError('error validating token: invalid issued at (iat) claim: token issued in the future')
  const strictAudError = audienceError(role.boundAudiences, aud, expect.strictAudience)
  if (strictAudError) throw new ClaimError(strictAudError)
  const boundError = boundClaimsError(role.boundClaims, role.boundClaimsType, claims)
  if (boundError) throw new ClaimError(`error validating claims: ${boundError}`)
}

/**
 * The login's grant: the user claim names the entity alias (its metadata from claim_mappings), and the groups
 * claim names the external groups core matches through group aliases.
 */
export function loginGrant(claims: Claims, role: JwtRole, roleName: string): AuthGrant {
  const user = userClaimValue(claims, role.userClaim, userClaimIsPointer(role))
  const mapped = mappedMetadata(claims, role.claimMappings)
  const groups = role.groupsClaim === '' ? undefined : groupsClaimValue(claims, role.groupsClaim)
  return {
    ...tokenGrant(role.token),
    displayName: user,
    metadata: { ...mapped, role: roleName },
    internal: { role: roleName, alias: user, ...(groups ? { groups } : {}) },
    // As in Vault, the alias metadata names the role too (and the token's is a copy of it).
    alias: { name: user, metadata: { ...mapped, role: roleName } },
    ...(groups ? { groupAliases: groups } : {}),
  }
}
