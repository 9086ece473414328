// The dynamic-credential section: live leases per role, and leases issued in the window when an audit log says so.
import type { LeaseEntry } from '../expiration/lease-entry.ts'
import type { DynamicCredentials } from './report.ts'

/** The role prefix of a lease id: everything up to its last '/' (`database/creds/readonly`). */
export function roleOf(leaseId: string): string {
  const slash = leaseId.lastIndexOf('/')
  return slash > 0 ? leaseId.slice(0, slash) : leaseId
}

/** The longest mount path (with its slash) that `path` lies under; '' when none. */
export function mountOf(path: string, mounts: readonly string[]): string {
  let best = ''
  for (const mount of mounts) if (path.startsWith(mount) && mount.length > best.length) best = mount
  return best
}

/**
 * `issuedInWindow`, when an audit log was read, is every lease issued in the window by role (revoked and expired
 * ones included); a lease of those no longer live was revoked or expired since. Without it only live leases count.
 */
export function leaseSection(
  live: readonly Pick<LeaseEntry, 'leaseId' | 'issueTime'>[],
  mounts: readonly string[],
  since: number,
  issuedInWindow: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): DynamicCredentials {
  const rows = new Map<string, { active: number; liveInWindow: Set<string> }>()
  const row = (role: string) => {
    let r = rows.get(role)
    if (!r) {
      r = { active: 0, liveInWindow: new Set() }
      rows.set(role, r)
    }
    return r
  }
  for (const lease of live) {
    const r = row(roleOf(lease.leaseId))
    r.active++
    if (lease.issueTime >= since) r.liveInWindow.add(lease.leaseId)
  }
  for (const role of issuedInWindow?.keys() ?? []) row(role)
  const roles = [...rows]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([role, r]) => {
      const issued = issuedInWindow?.get(role)
      const mount = mountOf(`${role}/`, mounts)
      return {
        mount,
        role,
        active: r.active,
        issued_in_window: issued ? new Set([...issued, ...r.liveInWindow]).size : r.liveInWindow.size,
        revoked_in_window: issuedInWindow
          ? [...(issued ?? [])].filter((id) => !r.liveInWindow.has(id)).length
          : null,
      }
    })
  const sum = (pick: (x: (typeof roles)[number]) => number) => roles.reduce((n, x) => n + pick(x), 0)
  return {
    available: true,
    window_source: issuedInWindow ? 'audit_log' : 'live_leases',
    roles,
    totals: {
      active: sum((x) => x.active),
      issued_in_window: sum((x) => x.issued_in_window),
      revoked_in_window: issuedInWindow ? sum((x) => x.revoked_in_window ?? 0) : null,
    },
  }
}
