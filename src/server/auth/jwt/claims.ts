// Claim checks shared by JWT login and the OIDC callback: bound claims, audiences, user and groups claims, claim_mappings.
import { globMatch } from '../../../lib/glob.ts'

export type Claims = Record<string, unknown>

/** A claim by name, or by JSON pointer when the name starts with "/" (Vault accepts both, e.g. "/groups/0"). */
export function getClaim(claims: Claims, name: string): unknown {
  if (!name.startsWith('/')) return claims[name]
  let at: unknown = claims
  for (const raw of name.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(at)) at = /^\d+$/.test(key) ? at[Number(key)] : undefined
    else if (at !== null && typeof at === 'object') at = (at as Record<string, unknown>)[key]
    else return undefined
  }
  return at
}

/** A claim name quoted as Vault's errors quote it (Go's %q): `"a\\b"` for a\b. */
function quoted(name: string): string {
  return JSON.stringify(name)
}

/** A scalar claim or bound value as text for comparison; numbers and booleans compare by their JSON text. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** Providers send a one-element list as a bare string; both sides are lists from here on. */
function normalizeList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value
  return scalarText(value) === undefined ? undefined : [value]
}

/** Vault's bound_claims check: every bound claim must be present and match one of its values. Returns the failure. */
export function boundClaimsError(
  bound: Record<string, unknown>,
  type: 'string' | 'glob',
  claims: Claims,
): string | undefined {
  for (const [name, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, name)
    if (actual === undefined || actual === null) return `claim ${quoted(name)} is missing`
    const actualValues = normalizeList(actual)
    if (!actualValues) return `received claim is not a string, bool, int or list: ${JSON.stringify(actual)}`
    const expectedValues = normalizeList(expected) ?? []
    const found = expectedValues.some((want) => {
      const wantText = scalarText(want)
      return actualValues.some((got) => {
        const gotText = scalarText(got)
        if (wantText === undefined || gotText === undefined) return false
        // Globs apply to string claims only, as in Vault.
        if (type === 'glob') return typeof got === 'string' && globMatch(wantText, gotText)
        // Same type and value, as Vault compares them: a string "true" or "7" a token carries does not satisfy a
        // bound boolean true or number 7 (nor the other way round), so a user-editable string claim cannot pass
        // for a provider-set flag.
        return typeof want === typeof got && wantText === gotText
      })
    })
    if (!found) return `claim ${quoted(name)} does not match any associated bound claim values`
  }
  return undefined
}

/** The token's `aud` as a list (a single audience may be a bare string). */
export function audiences(claims: Claims): string[] {
  const aud = claims['aud']
  if (typeof aud === 'string') return [aud]
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : []
}

/**
 * Vault's audience rule. `strict` (JWT login) also refuses a token that carries an audience when the role binds
 * none, so a token minted for another service cannot be replayed here.
 */
export function audienceError(
  bound: readonly string[],
  aud: readonly string[],
  strict: boolean,
): string | undefined {
  if (strict && bound.length === 0 && aud.length > 0)
    return 'audience claim found in JWT but no audiences bound to the role'
  if (bound.length > 0 && !bound.some((b) => aud.includes(b)))
    return 'invalid audience (aud) claim: audience claim does not match any expected audience'
  return undefined
}

/**
 * The user claim's value, which names the login (display name and alias). As in Vault it must be a string: a
 * number or boolean is refused rather than turned into an alias name another claim could also spell. As in Vault
 * the name is a JSON pointer only when the role says so (user_claim_json_pointer); otherwise a claim named
 * "/user/name" is that claim, never user.name.
 */
export function userClaimValue(claims: Claims, userClaim: string, jsonPointer: boolean): string {
  const value = jsonPointer ? getClaim(claims, userClaim) : claims[userClaim]
  if (value === undefined || value === null)
    throw new ClaimError(`claim ${quoted(userClaim)} not found in token`)
  if (typeof value !== 'string')
    throw new ClaimError(`claim ${quoted(userClaim)} could not be converted to string`)
  return value
}

/** The groups claim as a list of non-empty strings; a bare string counts as one group. */
export function groupsClaimValue(claims: Claims, groupsClaim: string): string[] {
  const value = getClaim(claims, groupsClaim)
  if (value === undefined || value === null)
    throw new ClaimError(`failed to fetch groups: ${quoted(groupsClaim)} claim not found in token`)
  const list = normalizeList(value)
  if (!list) throw new ClaimError(`${quoted(groupsClaim)} claim could not be converted to string list`)
  const groups: string[] = []
  for (const item of list) {
    if (typeof item !== 'string')
      throw new ClaimError(`value ${JSON.stringify(item)} in groups claim could not be parsed as string`)
    if (item !== '') groups.push(item)
  }
  return groups
}

/**
 * claim_mappings: claim name (or pointer) → metadata key. As in Vault, a mapped claim that is present must be a
 * string: a number, boolean or list refuses the login rather than landing in metadata in some converted form.
 */
export function mappedMetadata(claims: Claims, mappings: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [source, target] of Object.entries(mappings)) {
    const value = getClaim(claims, source)
    if (value === undefined || value === null) continue
    if (typeof value !== 'string') throw new ClaimError(`error converting claim '${source}' to string`)
    out[target] = value
  }
  return out
}

/** A login refused because of what the token claims (400, with Vault's message). */
export class ClaimError extends Error {}
