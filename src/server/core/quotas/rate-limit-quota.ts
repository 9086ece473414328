// A rate-limit quota as stored and as sys/quotas/rate-limit/:name reads it back, and where in the API it applies.

/** A quota rule, in Vault's wire names (stored this way, behind the barrier). */
export interface RateLimitQuota {
  name: string
  /** '' (global), a mount path ('secret/', 'auth/jwt/'), a full path in a mount, or such a path ending in '*'. */
  path: string
  /** A role of the auth mount `path` names: the quota applies to that mount's logins with this role. */
  role: string
  /** Requests per interval (Vault accepts a fraction; it is rounded to whole requests, at least one). */
  rate: number
  /** Seconds. */
  interval: number
  /** Seconds a client that went over the limit stays refused; 0 for none. */
  block_interval: number
  inheritable: boolean
}

/** Which part of the API a quota covers, from the most specific to the least (the most specific quota wins). */
export type QuotaScope =
  | { kind: 'role'; mount: string; role: string }
  | { kind: 'path'; path: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'mount'; mount: string }
  | { kind: 'global' }

/**
 * The scope of a quota whose `path` has been checked against the mount table: `mount` is the mount `path` falls in
 * (undefined for a global quota), with its trailing slash.
 */
export function scopeOf(quota: Pick<RateLimitQuota, 'path' | 'role'>, mount: string | undefined): QuotaScope {
  if (mount === undefined) return { kind: 'global' }
  if (quota.role !== '') return { kind: 'role', mount, role: quota.role }
  if (quota.path === mount) return { kind: 'mount', mount }
  if (quota.path.endsWith('*')) return { kind: 'prefix', prefix: quota.path.slice(0, -1) }
  return { kind: 'path', path: quota.path }
}

/** The scope as one string: two quotas with the same key would compete for the same requests (Vault refuses that). */
export function scopeKey(scope: QuotaScope): string {
  switch (scope.kind) {
    case 'role':
      return `role:${scope.mount}\n${scope.role}`
    case 'path':
      return `path:${scope.path}`
    case 'prefix':
      return `prefix:${scope.prefix}`
    case 'mount':
      return `mount:${scope.mount}`
    case 'global':
      return 'global'
  }
}

/** The quota as GET sys/quotas/rate-limit/:name answers it. */
export function quotaData(quota: RateLimitQuota): Record<string, unknown> {
  return {
    name: quota.name,
    type: 'rate-limit',
    path: quota.path,
    role: quota.role,
    rate: quota.rate,
    interval: quota.interval,
    block_interval: quota.block_interval,
    inheritable: quota.inheritable,
  }
}
