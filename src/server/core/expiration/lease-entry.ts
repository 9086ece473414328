// The stored form of a lease and how sys/leases/lookup shows it (Vault's field names).
import { createHash } from 'node:crypto'
import { rfc3339 } from '../../../lib/time.ts'

export interface LeaseEntry {
  leaseId: string
  /** The request path that issued the secret, e.g. `database/creds/readonly`. */
  path: string
  /** Mount path with its trailing slash; the backend that revokes and renews. */
  mountPath: string
  /** The backend's secret type (SecretDefinition.type). */
  secretType: string
  /** Whatever the backend needs to revoke or renew; never shown to clients. */
  internal: Record<string, unknown>
  /** idHash of the token that asked for the secret; revoking the token revokes the lease. '' for none. */
  tokenHash: string
  /** Unix milliseconds. */
  issueTime: number
  expireTime: number
  /** No renewal may reach past this; unix milliseconds. */
  maxExpireTime: number
  lastRenewalTime: number
  renewable: boolean
  /** The TTL first granted, in seconds (the default increment of a renewal). */
  ttl: number
  /** When the due index fires for this lease: its expiry, or the next revocation attempt. */
  dueAt: number
  revokeAttempts: number
  lastRevokeError: string
  /** Revocation gave up after the attempt limit; only revoke-force removes the lease now. */
  irrevocable: boolean
}

/** A storage-safe, fixed-length name for a lease id (ids contain slashes). */
export function leaseKeyId(leaseId: string): string {
  return createHash('sha256').update(leaseId).digest('hex').slice(0, 32)
}

export function lookupData(lease: LeaseEntry, nowMs: number): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: lease.leaseId,
    issue_time: rfc3339(lease.issueTime),
    expire_time: lease.expireTime > 0 ? rfc3339(lease.expireTime) : null,
    last_renewal: lease.lastRenewalTime > 0 ? rfc3339(lease.lastRenewalTime) : null,
    renewable: lease.renewable && !lease.irrevocable,
    ttl: lease.expireTime > 0 ? Math.max(0, Math.ceil((lease.expireTime - nowMs) / 1000)) : 0,
  }
  // Beyond Vault: a revocation that keeps failing is visible instead of silently retried.
  if (lease.revokeAttempts > 0 || lease.irrevocable) {
    data['revoke_attempts'] = lease.revokeAttempts
    data['revoke_error'] = lease.lastRevokeError
    data['next_revoke_attempt'] = lease.irrevocable ? null : rfc3339(lease.dueAt)
    data['irrevocable'] = lease.irrevocable
  }
  return data
}
