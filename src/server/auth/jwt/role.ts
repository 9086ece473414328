// A jwt/oidc role as stored, its fields, and the rules Vault applies when one is written.
import { formatDuration } from '../../../lib/duration.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { type Field, type FieldValues, f, parseDurationField } from '../../../sdk/framework/fields.ts'
import {
  applyTokenFields,
  defaultTokenParams,
  legacyTokenFields,
  type TokenParams,
  tokenFields,
  tokenParamsView,
} from '../../../sdk/framework/token-params.ts'
import { getJson, type Storage } from '../../../sdk/storage.ts'

/** Vault's defaults when a leeway is 0; a negative leeway turns the allowance off. */
export const DEFAULT_CLOCK_SKEW_LEEWAY = 60
export const DEFAULT_CLAIM_LEEWAY = 150

export interface JwtRole {
  roleType: 'jwt' | 'oidc'
  boundAudiences: string[]
  boundSubject: string
  boundClaims: Record<string, unknown>
  boundClaimsType: 'string' | 'glob'
  claimMappings: Record<string, string>
  userClaim: string
  /** Absent on roles stored before it was kept: those read a "/" user claim as a pointer, as they always did. */
  userClaimJsonPointer?: boolean
  groupsClaim: string
  clockSkewLeeway: number
  expirationLeeway: number
  notBeforeLeeway: number
  allowedRedirectUris: string[]
  oidcScopes: string[]
  verboseOidcLogging: boolean
  maxAge: number
  token: TokenParams
}

/** A duration that may be negative ("-1" turns a leeway off, as in Vault). */
function leewayField(description: string): Field<number> {
  const parse = (value: unknown, name: string): number => {
    if (typeof value === 'number' && value < 0) return Math.ceil(value)
    if (typeof value === 'string' && value.trim().startsWith('-'))
      return -parseDurationField(value.trim().slice(1), name)
    return parseDurationField(value, name)
  }
  return { kind: 'duration', description, required: false, sensitive: false, default: undefined, parse }
}

export const roleFields = {
  name: f.string({ description: 'Name of the role.', required: true }),
  role_type: f.string({ description: '"oidc" (the default) or "jwt".' }),
  bound_audiences: f.list({ description: 'The aud claim must contain one of these.', nullValue: [] }),
  bound_subject: f.string({ description: 'The sub claim must equal this.', nullValue: '' }),
  bound_claims: f.map({
    description: 'Claims that must match: name (or JSON pointer) → value or list of values.',
    nullValue: {},
  }),
  bound_claims_type: f.string({ description: '"string" (exact match, the default) or "glob".' }),
  claim_mappings: f.stringMap({
    description: 'Claim name (or JSON pointer) → token metadata key.',
    nullValue: {},
  }),
  // No default, as in Vault: a role must say which claim names its users.
  user_claim: f.string({ description: 'The claim that names the user (required).' }),
  user_claim_json_pointer: f.bool({
    description: 'Read user_claim as a JSON pointer ("/user/name") rather than as one claim’s name.',
  }),
  groups_claim: f.string({ description: 'The claim that lists the user’s groups.', nullValue: '' }),
  clock_skew_leeway: leewayField('Leeway on every time claim; 0 means 60s, negative means none.'),
  expiration_leeway: leewayField(
    'Lifetime of a token without exp, from its iat/nbf; 0 means 150s, negative means none.',
  ),
  not_before_leeway: leewayField(
    'How long before its exp a token without nbf or iat is valid; 0 means 150s, negative means none.',
  ),
  allowed_redirect_uris: f.list({ description: 'redirect_uri values an OIDC login may use.', nullValue: [] }),
  oidc_scopes: f.list({ description: 'Scopes requested besides openid.', nullValue: [] }),
  verbose_oidc_logging: f.bool({ description: 'Log the OIDC exchange (never the tokens).' }),
  max_age: f.duration({ description: 'Ask the provider to re-authenticate users older than this.' }),
  ...tokenFields,
  ...legacyTokenFields,
}

type RoleInput = FieldValues<typeof roleFields>

export const roleKey = (name: string) => `role/${name}`

export function loadRole(storage: Storage, name: string): Promise<JwtRole | undefined> {
  return getJson<JwtRole>(storage, roleKey(name))
}

function emptyRole(): JwtRole {
  return {
    roleType: 'oidc',
    boundAudiences: [],
    boundSubject: '',
    boundClaims: {},
    boundClaimsType: 'string',
    claimMappings: {},
    userClaim: '',
    userClaimJsonPointer: false,
    groupsClaim: '',
    clockSkewLeeway: 0,
    expirationLeeway: 0,
    notBeforeLeeway: 0,
    allowedRedirectUris: [],
    oidcScopes: [],
    verboseOidcLogging: false,
    maxAge: 0,
    token: defaultTokenParams(),
  }
}

/** The role after a write: given fields replace stored ones; then Vault's consistency rules are checked. */
export function updateRole(
  current: JwtRole | undefined,
  input: RoleInput,
  raw: Record<string, unknown>,
): JwtRole {
  const role = { ...(current ?? emptyRole()) }
  const given = (name: string) => raw[name] !== undefined && raw[name] !== null
  if (input.role_type !== undefined) {
    // As in Vault, an empty role_type is the default, oidc.
    const roleType = input.role_type === '' ? 'oidc' : input.role_type
    if (roleType !== 'jwt' && roleType !== 'oidc')
      throw new InvalidRequestError(`invalid 'role_type': ${roleType}`)
    role.roleType = roleType
  }
  if (input.bound_audiences !== undefined) role.boundAudiences = input.bound_audiences
  if (input.bound_subject !== undefined) role.boundSubject = input.bound_subject
  if (input.bound_claims !== undefined) role.boundClaims = input.bound_claims
  if (input.bound_claims_type !== undefined) {
    if (input.bound_claims_type !== 'string' && input.bound_claims_type !== 'glob')
      throw new InvalidRequestError(`invalid 'bound_claims_type': ${input.bound_claims_type}`)
    role.boundClaimsType = input.bound_claims_type
  }
  if (input.claim_mappings !== undefined) role.claimMappings = input.claim_mappings
  // The list, map and string fields above take an explicit null as their empty value, as Vault decodes it
  // (vault-action's tests rewrite a role with `bound_audiences: null`); a null user_claim leaves none, refused below.
  if (raw['user_claim'] === null) role.userClaim = ''
  else if (given('user_claim') || current === undefined) role.userClaim = input.user_claim ?? ''
  if (input.user_claim_json_pointer !== undefined) role.userClaimJsonPointer = input.user_claim_json_pointer
  if (input.groups_claim !== undefined) role.groupsClaim = input.groups_claim
  if (input.clock_skew_leeway !== undefined) role.clockSkewLeeway = input.clock_skew_leeway
  if (input.expiration_leeway !== undefined) role.expirationLeeway = input.expiration_leeway
  if (input.not_before_leeway !== undefined) role.notBeforeLeeway = input.not_before_leeway
  if (input.allowed_redirect_uris !== undefined) role.allowedRedirectUris = input.allowed_redirect_uris
  if (input.oidc_scopes !== undefined) role.oidcScopes = input.oidc_scopes
  if (input.verbose_oidc_logging !== undefined) role.verboseOidcLogging = input.verbose_oidc_logging
  if (input.max_age !== undefined) {
    if (input.max_age < 0) throw new InvalidRequestError("'max_age' cannot be negative")
    role.maxAge = input.max_age
  }
  role.token = applyTokenFields(role.token, input)
  validateRole(role)
  return role
}

function validateRole(role: JwtRole): void {
  if (role.userClaim === '') throw new InvalidRequestError('a user claim must be defined on the role')
  for (const [claim, value] of Object.entries(role.boundClaims)) {
    const values = Array.isArray(value) ? value : [value]
    // Vault's glob checks and messages: a glob is a string or a list of strings.
    if (role.boundClaimsType === 'glob') {
      if (!Array.isArray(value) && typeof value !== 'string')
        throw new InvalidRequestError(`claim is not a string or list: ${goValue(value)}`)
      const notString = values.find((v) => typeof v !== 'string')
      if (notString !== undefined)
        throw new InvalidRequestError(`claim is not a string: ${goValue(notString)}`)
    }
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    if (!values.every(scalar))
      throw new InvalidRequestError(`claim "${claim}" must be a string, number, boolean or a list of them`)
  }
  // Two claims mapped to one key would leave its value to whichever claim happens to be applied last.
  const targets = new Set<string>()
  for (const [claim, target] of Object.entries(role.claimMappings)) {
    if (target === 'role')
      throw new InvalidRequestError(
        `metadata key "role" is reserved and may not be a mapping destination (claim "${claim}")`,
      )
    if (targets.has(target))
      throw new InvalidRequestError(`multiple keys are mapped to metadata key "${target}"`)
    targets.add(target)
  }
  if (role.roleType === 'oidc' && role.allowedRedirectUris.length === 0)
    throw new InvalidRequestError(
      "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
    )
  // A jwt role with no binding would accept any token the issuer ever signed, for anyone.
  if (
    role.roleType === 'jwt' &&
    role.boundAudiences.length === 0 &&
    role.boundSubject === '' &&
    Object.keys(role.boundClaims).length === 0 &&
    role.token.tokenBoundCidrs.length === 0
  )
    throw new InvalidRequestError('must have at least one bound constraint when creating/updating a role')
}

/** A bound claim value as Vault's errors print it (%v): numbers and booleans bare, anything else as JSON. */
function goValue(value: unknown): string {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
}

/** Whether user_claim is read as a JSON pointer (see JwtRole.userClaimJsonPointer for older roles). */
export function userClaimIsPointer(role: JwtRole): boolean {
  return role.userClaimJsonPointer ?? role.userClaim.startsWith('/')
}

/**
 * Vault refuses a role whose token period outlives the mount's max lease TTL: a periodic token renews for its
 * period forever, so that period would be a lifetime the mount never allows.
 */
export function checkAgainstMount(role: JwtRole, maxLeaseTtl: number): void {
  if (role.token.tokenPeriod > maxLeaseTtl)
    throw new InvalidRequestError(
      `'period' of '"${formatDuration(role.token.tokenPeriod)}"' is greater than the backend's maximum lease TTL of '"${formatDuration(maxLeaseTtl)}"'`,
    )
}

/** Vault's warnings on a role write that succeeded. */
export function roleWarnings(role: JwtRole, maxLeaseTtl: number): string[] {
  const warnings: string[] = []
  if (role.token.tokenMaxTtl > maxLeaseTtl)
    warnings.push(
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    )
  if (role.verboseOidcLogging)
    warnings.push(
      'verbose_oidc_logging has been enabled for this role. This is not recommended in production since ' +
        'sensitive information may be present in OIDC responses.',
    )
  return warnings
}

/** What `GET role/:name` answers. */
export function roleResponse(role: JwtRole): Record<string, unknown> {
  return {
    role_type: role.roleType,
    bound_audiences: role.boundAudiences,
    bound_subject: role.boundSubject,
    bound_claims: Object.keys(role.boundClaims).length > 0 ? role.boundClaims : null,
    bound_claims_type: role.boundClaimsType,
    claim_mappings: Object.keys(role.claimMappings).length > 0 ? role.claimMappings : null,
    user_claim: role.userClaim,
    user_claim_json_pointer: userClaimIsPointer(role),
    groups_claim: role.groupsClaim,
    clock_skew_leeway: role.clockSkewLeeway,
    expiration_leeway: role.expirationLeeway,
    not_before_leeway: role.notBeforeLeeway,
    allowed_redirect_uris: role.allowedRedirectUris,
    oidc_scopes: role.oidcScopes,
    verbose_oidc_logging: role.verboseOidcLogging,
    max_age: role.maxAge,
    ...tokenParamsView(role.token),
  }
}

/** The effective leeway in seconds: 0 means Vault's default, negative means none. */
export function leeway(value: number, fallback: number): number {
  if (value < 0) return 0
  return value === 0 ? fallback : value
}
