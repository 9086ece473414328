// The stored form of a token and how it is shown by lookup (Vault's field names and types).
import { addressAllowed, cidrText } from '../../../lib/cidr.ts'
import { rfc3339 } from '../../../lib/time.ts'

/** numUses of a token whose last use has been taken: stored until its revocation deletes it, live to nobody. */
export const USES_SPENT = -1

export interface TokenEntry {
  /** HMAC of the token under the store's salt; the token itself is never stored. */
  idHash: string
  accessor: string
  /** idHash of the parent, '' for an orphan. */
  parentHash: string
  policies: string[]
  meta: Record<string, string>
  displayName: string
  /** Remaining uses; 0 means unlimited; USES_SPENT once the last use is taken and the revocation is pending. */
  numUses: number
  /** Unix seconds. */
  creationTime: number
  creationTtl: number
  /** Unix milliseconds; 0 never expires. */
  expireTime: number
  /** Unix milliseconds past which no renewal may reach; 0 when unbounded. */
  maxExpireTime: number
  explicitMaxTtl: number
  period: number
  renewable: boolean
  path: string
  type: 'service' | 'batch'
  role: string
  entityId: string
  lastRenewalTime: number
  /** token_bound_cidrs: the token works only from these client addresses (absent or empty: anywhere). */
  boundCidrs?: string[]
  /** For login tokens: the issuing auth mount's accessor and the login's `internal`, for its renew check. */
  login?: { mountAccessor: string; internal: Record<string, unknown> }
}

/**
 * Whether the token may be used from `address`. As Vault, bound CIDRs bind every token but a root token that never
 * expires: such a token (the one `operator init` or generate-root gives) is the way back in, wherever from.
 */
export function tokenAddressAllowed(entry: TokenEntry, address: string): boolean {
  if (entry.expireTime === 0 && entry.policies.includes('root')) return true
  return addressAllowed(address, entry.boundCidrs)
}

export function ttlSeconds(entry: TokenEntry, nowMs: number): number {
  if (entry.expireTime === 0) return 0
  return Math.max(0, Math.ceil((entry.expireTime - nowMs) / 1000))
}

/** The `data` of auth/token/lookup*: External Secrets Operator requires `type`, `ttl` and `expire_time`. */
export function lookupData(entry: TokenEntry, nowMs: number, token: string): Record<string, unknown> {
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: entry.creationTime,
    creation_ttl: entry.creationTtl,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: entry.expireTime === 0 ? null : rfc3339(entry.expireTime),
    explicit_max_ttl: entry.explicitMaxTtl,
    id: token,
    issue_time: rfc3339(entry.creationTime * 1000),
    meta: Object.keys(entry.meta).length === 0 ? null : entry.meta,
    num_uses: entry.numUses,
    orphan: entry.parentHash === '',
    path: entry.path,
    policies: entry.policies,
    // As Vault (and as the create answer already says): a token that never expires is not renewable.
    renewable: entry.renewable && entry.expireTime !== 0,
    ttl: ttlSeconds(entry, nowMs),
    type: entry.type,
  }
  if (entry.period > 0) data['period'] = entry.period
  if (entry.role !== '') data['role'] = entry.role
  if (entry.boundCidrs?.length) data['bound_cidrs'] = entry.boundCidrs.map(cidrText)
  if (entry.lastRenewalTime > 0) data['last_renewal_time'] = Math.floor(entry.lastRenewalTime / 1000)
  return data
}

/** A new token's TTL under its caps: the period for a periodic token, else the ttl bounded by max and explicit max. */
export function effectiveTtl(input: {
  ttl: number
  maxTtl: number
  explicitMaxTtl?: number
  period?: number
}): { ttl: number; hardCap: number; explicitMaxTtl: number } {
  const explicitMaxTtl = input.explicitMaxTtl ?? 0
  const period = input.period ?? 0
  let ttl = period > 0 ? period : input.ttl
  const caps = [input.maxTtl, explicitMaxTtl].filter((cap) => cap > 0)
  const hardCap = explicitMaxTtl > 0 ? explicitMaxTtl : period > 0 ? 0 : input.maxTtl
  if (caps.length > 0 && period === 0) ttl = ttl === 0 ? Math.min(...caps) : Math.min(ttl, ...caps)
  if (period > 0 && explicitMaxTtl > 0) ttl = Math.min(ttl, explicitMaxTtl)
  return { ttl, hardCap, explicitMaxTtl }
}

/** What minting a token takes (the token store's create and issue). */
export interface CreateTokenInput {
  policies: string[]
  parentHash: string
  meta?: Record<string, string>
  displayName?: string
  numUses?: number
  ttl: number
  maxTtl: number
  explicitMaxTtl?: number
  period?: number
  renewable?: boolean
  path: string
  role?: string
  boundCidrs?: string[]
  /** A caller-chosen token (root/sudo only, and dev mode's -dev-root-token-id). */
  id?: string
  /** The identity entity the token acts for ('' or absent: none). */
  entityId?: string
  login?: { mountAccessor: string; internal: Record<string, unknown> }
}
