// The stored form of a lease and how sys/leases/lookup shows it (Vault's field names).
import { createHash } from 'node:crypto'
import { timeOrderedId } from '../../../lib/random.ts'
import { rfc3339 } from '../../../lib/time.ts'
import type { SecretGrant } from '../../../sdk/request.ts'

export interface LeaseEntry {
  leaseId: string
  /** The request path that issued the secret, e.g. `database/creds/readonly`. */
  path: string
  /** Mount path with its trailing slash, as it was when the lease was made. */
  mountPath: string
  /**
   * The mount's UUID: the backend that revokes and renews, found wherever the mount is now (a lease made while its
   * mount was being moved is revoked through the moved backend). Absent on leases stored before it was recorded.
   */
  mountUuid?: string
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

/** A secret to put under a lease. */
export interface RegisterInput {
  /** The request path that issued the secret (mount path included). */
  path: string
  mountPath: string
  mountUuid?: string
  secret: SecretGrant
  tokenHash: string
  /** The mount's effective TTLs, in seconds. */
  defaultTtl: number
  maxTtl: number
}

/** The lease for a new secret: the secret's TTL or the mount's default, never past the mount's maximum. */
export function newLease(input: RegisterInput, now: number): LeaseEntry {
  const maxTtl = Math.min(input.secret.maxTtl || input.maxTtl, input.maxTtl)
  let ttl = input.secret.ttl > 0 ? input.secret.ttl : input.defaultTtl
  if (maxTtl > 0) ttl = Math.min(ttl, maxTtl)
  // A secret's lease always ends: with no TTL anywhere it gets the mount's maximum, as in Vault.
  if (ttl <= 0) ttl = maxTtl > 0 ? maxTtl : input.defaultTtl
  return {
    // Time-ordered, so the lease index grows at its end rather than taking a random page per new lease.
    leaseId: `${input.path.replace(/\/+$/, '')}/${timeOrderedId(24, now)}`,
    path: input.path,
    mountPath: input.mountPath,
    ...(input.mountUuid ? { mountUuid: input.mountUuid } : {}),
    secretType: input.secret.type,
    internal: input.secret.internal,
    tokenHash: input.tokenHash,
    issueTime: now,
    expireTime: now + ttl * 1000,
    maxExpireTime: maxTtl > 0 ? now + maxTtl * 1000 : 0,
    lastRenewalTime: 0,
    renewable: input.secret.renewable,
    ttl,
    dueAt: now + ttl * 1000,
    revokeAttempts: 0,
    lastRevokeError: '',
    irrevocable: false,
  }
}

/** Lease ids are mount-relative paths plus a random suffix; refuse anything that could escape the id/ folder. */
export function isLeaseId(leaseId: string): boolean {
  return (
    typeof leaseId === 'string' &&
    leaseId !== '' &&
    leaseId.length <= 1024 &&
    !leaseId.startsWith('/') &&
    !leaseId.endsWith('/') &&
    !leaseId.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')
  )
}
