// The `auth` block Vault returns when a token is minted (login, token create).
import type { IssuedAuth } from '../logical-request.ts'
import { type TokenEntry, ttlSeconds } from './token-entry.ts'

export function issuedAuth(token: string, entry: TokenEntry, nowMs: number): IssuedAuth {
  return {
    client_token: token,
    accessor: entry.accessor,
    policies: entry.policies,
    token_policies: entry.policies,
    metadata: Object.keys(entry.meta).length === 0 ? null : entry.meta,
    lease_duration: ttlSeconds(entry, nowMs),
    renewable: entry.renewable && entry.expireTime !== 0,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.parentHash === '',
    mfa_requirement: null,
    num_uses: entry.numUses,
  }
}
