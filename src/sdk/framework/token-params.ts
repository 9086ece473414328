// Vault's shared token_* fields for auth method roles and users (its sdk's tokenutil), with the legacy aliases.
import { cidrText, invalidCidrs } from '../../lib/cidr.ts'
import { InvalidRequestError } from '../errors.ts'
import type { AuthGrant } from '../request.ts'
import type { PolicyHolder } from './backend.ts'
import { f } from './fields.ts'

export interface TokenParams {
  tokenPolicies: string[]
  tokenTtl: number
  tokenMaxTtl: number
  tokenExplicitMaxTtl: number
  tokenPeriod: number
  tokenNumUses: number
  tokenNoDefaultPolicy: boolean
  tokenType: string
  tokenBoundCidrs: string[]
  /** Legacy field names the caller last used; a read shows those names too, as Vault does. */
  legacy?: string[]
}

export function defaultTokenParams(): TokenParams {
  return {
    tokenPolicies: [],
    tokenTtl: 0,
    tokenMaxTtl: 0,
    tokenExplicitMaxTtl: 0,
    tokenPeriod: 0,
    tokenNumUses: 0,
    tokenNoDefaultPolicy: false,
    tokenType: 'default',
    tokenBoundCidrs: [],
  }
}

/** An auth method's role, user or certificate as access review sees it: the policies its logins receive. */
export function tokenPolicyHolder(kind: string, name: string, params: TokenParams): PolicyHolder {
  return {
    kind,
    name,
    policies: [...params.tokenPolicies],
    noDefaultPolicy: params.tokenNoDefaultPolicy,
  }
}

/** Every stored entry a method lists under one prefix, as policy holders; entries gone meanwhile are skipped. */
export async function listedPolicyHolders<T>(
  names: string[],
  load: (name: string) => Promise<T | undefined> | T | undefined,
  toHolder: (name: string, entry: T) => PolicyHolder | PolicyHolder[],
): Promise<PolicyHolder[]> {
  const out: PolicyHolder[] = []
  for (const name of names.filter((n) => !n.endsWith('/')).sort()) {
    const entry = await load(name)
    if (entry !== undefined) out.push(...[toHolder(name, entry)].flat())
  }
  return out
}

export const tokenFields = {
  token_policies: f.list({ description: 'Policies attached to tokens issued by this login.', nullValue: [] }),
  token_ttl: f.duration({ description: 'Initial TTL of issued tokens.' }),
  token_max_ttl: f.duration({ description: 'Maximum TTL of issued tokens, renewals included.' }),
  token_explicit_max_ttl: f.duration({ description: 'Hard cap on the life of issued tokens.' }),
  token_period: f.duration({ description: 'Makes issued tokens periodic with this renewal period.' }),
  token_num_uses: f.int({ description: 'Uses allowed per issued token; 0 is unlimited.' }),
  token_no_default_policy: f.bool({ description: 'Leave the "default" policy off issued tokens.' }),
  token_type: f.string({ description: 'service or default (Coffer issues service tokens only).' }),
  token_bound_cidrs: f.list({ description: 'Client addresses allowed to use issued tokens.', nullValue: [] }),
}

/**
 * Legacy names: `policies` (userpass, approle), `period` (approle), `ttl`/`max_ttl`/`bound_cidrs` (userpass);
 * jwt and kubernetes roles take them all, `num_uses` included, as Vault's do.
 */
export const legacyTokenFields = {
  policies: f.list({ description: 'Deprecated: use token_policies.', nullValue: [] }),
  period: f.duration({ description: 'Deprecated: use token_period.' }),
  ttl: f.duration({ description: 'Deprecated: use token_ttl.' }),
  max_ttl: f.duration({ description: 'Deprecated: use token_max_ttl.' }),
  bound_cidrs: f.list({ description: 'Deprecated: use token_bound_cidrs.', nullValue: [] }),
  num_uses: f.int({ description: 'Deprecated: use token_num_uses.' }),
}

type TokenInput = {
  [K in keyof typeof tokenFields | keyof typeof legacyTokenFields]?: unknown
}

/** Pairs of (new name, legacy name, key in TokenParams). */
const UPGRADES = [
  ['token_policies', 'policies', 'tokenPolicies'],
  ['token_period', 'period', 'tokenPeriod'],
  ['token_ttl', 'ttl', 'tokenTtl'],
  ['token_max_ttl', 'max_ttl', 'tokenMaxTtl'],
  ['token_bound_cidrs', 'bound_cidrs', 'tokenBoundCidrs'],
  ['token_num_uses', 'num_uses', 'tokenNumUses'],
] as const

const TOKEN_TYPES = ['default', 'service', 'default-service', 'batch', 'default-batch']

/**
 * Applies the token fields present in `input` over `current`. As Vault's tokenutil: a new name wins over its
 * legacy alias, and a legacy name given alone sets the new field too. Values are already coerced by parseFields.
 */
export function applyTokenFields(current: TokenParams, input: TokenInput): TokenParams {
  const next: TokenParams = { ...current, legacy: [...(current.legacy ?? [])] }
  const set = <K extends keyof TokenParams>(key: K, value: unknown) => {
    if (value !== undefined) next[key] = value as TokenParams[K]
  }
  for (const [name, legacyName, key] of UPGRADES) {
    if (input[name] !== undefined) {
      set(key, input[name])
      next.legacy = next.legacy!.filter((l) => l !== legacyName)
    } else if (input[legacyName] !== undefined) {
      set(key, input[legacyName])
      if (!next.legacy!.includes(legacyName)) next.legacy!.push(legacyName)
    }
  }
  set('tokenExplicitMaxTtl', input.token_explicit_max_ttl)
  set('tokenNoDefaultPolicy', input.token_no_default_policy)
  if (input.token_type !== undefined) {
    const type = String(input.token_type).toLowerCase()
    if (!TOKEN_TYPES.includes(type))
      throw new InvalidRequestError(
        `invalid token_type "${type}": use "service", "batch", "default-service", "default-batch" or "default"`,
      )
    next.tokenType = type
  }
  next.tokenPolicies = [...new Set(next.tokenPolicies.map((p) => p.toLowerCase()))]
  if (next.tokenNumUses < 0) throw new InvalidRequestError('token_num_uses cannot be negative')
  if (next.tokenMaxTtl > 0 && next.tokenTtl > next.tokenMaxTtl)
    throw new InvalidRequestError('token_ttl cannot be greater than token_max_ttl')
  const invalid = invalidCidrs(next.tokenBoundCidrs)
  if (invalid.length > 0)
    throw new InvalidRequestError(`invalid CIDR block in token_bound_cidrs: ${invalid.join(', ')}`)
  if (next.legacy!.length === 0) delete next.legacy
  return next
}

/**
 * The token_* keys of a read, plus the legacy names the caller used, each only while its value is set (a list with
 * entries, a duration above zero), as every Vault auth method's read shows them.
 */
export function tokenParamsView(params: TokenParams): Record<string, unknown> {
  const data: Record<string, unknown> = {
    token_bound_cidrs: params.tokenBoundCidrs.map(cidrText),
    token_explicit_max_ttl: params.tokenExplicitMaxTtl,
    token_max_ttl: params.tokenMaxTtl,
    token_no_default_policy: params.tokenNoDefaultPolicy,
    token_num_uses: params.tokenNumUses,
    token_period: params.tokenPeriod,
    token_policies: params.tokenPolicies,
    token_ttl: params.tokenTtl,
    token_type: params.tokenType,
  }
  for (const [name, legacyName] of UPGRADES) {
    const value = data[name]
    const set = Array.isArray(value) ? value.length > 0 : typeof value === 'number' && value > 0
    if (set && params.legacy?.includes(legacyName)) data[legacyName] = value
  }
  return data
}

function grantTokenType(type: string): NonNullable<AuthGrant['tokenType']> {
  return type === 'service' || type === 'batch' || type === 'default-service' || type === 'default-batch'
    ? type
    : 'default'
}

/** The part of a login's AuthGrant the token fields decide. */
export function tokenGrant(params: TokenParams): Omit<AuthGrant, 'displayName' | 'metadata'> {
  return {
    policies: params.tokenPolicies,
    ttl: params.tokenTtl,
    maxTtl: params.tokenMaxTtl,
    explicitMaxTtl: params.tokenExplicitMaxTtl,
    period: params.tokenPeriod,
    numUses: params.tokenNumUses,
    noDefaultPolicy: params.tokenNoDefaultPolicy,
    // The role's own word; core settles it against the auth mount's token_type.
    tokenType: grantTokenType(params.tokenType),
    boundCidrs: params.tokenBoundCidrs,
    renewable: true,
  }
}
