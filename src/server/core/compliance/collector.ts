// Builds the compliance report (sys/reports/compliance) from the mounted engines, leases, tokens, audit log and providers.

import { rfc3339 } from '../../../lib/time.ts'
import type { AuditLogFile } from '../../audit/device-config.ts'
import type { UnsealedServices } from '../services.ts'
import { type AuditFindings, scanAuditFile } from './audit-scan.ts'
import { CONTROLS } from './controls.ts'
import { inventorySection, type MountedItem, rotationSection } from './inventory-section.ts'
import { type IncidentStorage, leakIncidentsSince } from './leak-incidents.ts'
import { leakSection } from './leak-section.ts'
import { leaseSection } from './lease-section.ts'
import { accessReviewsSection, anomaliesSection } from './people-sections.ts'
import type { ComplianceProviders } from './providers.ts'
import type { ComplianceReport, RootTokenSection } from './report.ts'
import { summarize } from './summary.ts'
import { dayBuckets, timeOrNull } from './time-buckets.ts'

/** What the collector reads; the sys/ path hands it this slice of its services. */
export type ComplianceServices = Pick<
  UnsealedServices,
  'mounts' | 'expiration' | 'tokens' | 'audit' | 'clock'
> & {
  /** Where leak incidents are kept (the barrier). */
  readonly barrier: IncidentStorage
  readonly compliance?: ComplianceProviders
}

export interface ReportOptions {
  /** The window's length in seconds, ending now. */
  windowSeconds: number
  /** Seconds a secret without a rotation policy may go unchanged. */
  maxAgeSeconds: number
  version: string
}

/** Every item every mounted engine reports, with its mount. */
async function collectInventory(services: ComplianceServices): Promise<MountedItem[]> {
  const items: MountedItem[] = []
  for (const mount of services.mounts.entries) {
    if (mount.table !== 'secret') continue
    const backend = services.mounts.router.get(mount.path)?.backend
    if (!backend) continue
    for await (const item of backend.inventory()) items.push({ ...item, mount: mount.path })
  }
  return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** Every live lease, walking the lease tree one level at a time. */
async function collectLeases(
  services: ComplianceServices,
): Promise<{ leaseId: string; issueTime: number }[]> {
  const out: { leaseId: string; issueTime: number }[] = []
  const pending = ['']
  while (pending.length > 0) {
    const prefix = pending.pop()!
    for (const key of await services.expiration.list(prefix)) {
      if (key.endsWith('/')) pending.push(prefix + key)
      else {
        const lease = await services.expiration.get(prefix + key)
        if (lease) out.push({ leaseId: lease.leaseId, issueTime: lease.issueTime })
      }
    }
  }
  return out
}

async function activeRootTokens(
  services: ComplianceServices,
): Promise<RootTokenSection['active_root_tokens']> {
  const out: RootTokenSection['active_root_tokens'] = []
  for (const accessor of await services.tokens.accessors()) {
    const entry = await services.tokens.lookupByAccessor(accessor)
    if (entry?.policies.includes('root'))
      out.push({
        display_name: entry.displayName,
        created: rfc3339(entry.creationTime * 1000),
        expires: entry.expireTime > 0 ? rfc3339(entry.expireTime) : null,
      })
  }
  return out.sort((a, b) => (a.created < b.created ? -1 : 1))
}

/** The first enabled file device writing JSON to a real file: every device records the same entries. */
function auditFile(services: ComplianceServices): AuditLogFile | undefined {
  return services.audit.logFiles().find((log) => log.format === 'json')
}

async function readAudit(
  services: ComplianceServices,
  since: number,
  until: number,
): Promise<{ device: string; findings: AuditFindings } | { reason: string }> {
  const target = auditFile(services)
  if (!target) return { reason: 'no file audit device writing JSON is enabled' }
  try {
    return { device: target.device, findings: await scanAuditFile(target.file, since, until) }
  } catch (error) {
    return {
      reason: `the audit log of ${target.device} could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    }
  }
}

export async function collectComplianceReport(
  services: ComplianceServices,
  options: ReportOptions,
): Promise<ComplianceReport> {
  const now = services.clock.now()
  const since = now - options.windowSeconds * 1000
  const [items, leases, incidents, rootTokens, audit, reviews, anomalies] = await Promise.all([
    collectInventory(services),
    collectLeases(services),
    leakIncidentsSince(services.barrier, since),
    activeRootTokens(services),
    readAudit(services, since, now),
    accessReviewsSection(services.compliance?.reviews, since),
    anomaliesSection(services.compliance?.anomalies, since),
  ])
  const findings = 'findings' in audit ? audit.findings : undefined
  const device = 'device' in audit ? audit.device : ''
  const sections: ComplianceReport['sections'] = {
    inventory: inventorySection(items),
    rotation: rotationSection(items, now, options.maxAgeSeconds),
    dynamic_credentials: leaseSection(
      leases,
      services.mounts.entries.map((m) => m.path),
      since,
      findings?.leasesIssued,
    ),
    access_reviews: reviews,
    anomalies,
    leak_incidents: leakSection(incidents, items),
    root_token_use: {
      available: true,
      active_root_tokens: rootTokens,
      audit: findings
        ? {
            device,
            generate_root_completions: findings.generateRootCompletions,
            root_tokens_created: findings.rootTokensCreated,
            root_token_requests: findings.rootRequests,
            root_token_requests_by_day: dayBuckets(since, now, findings.rootRequestsByDay),
            recent_root_requests: findings.recentRootRequests,
          }
        : null,
      ...('reason' in audit ? { audit_unavailable_reason: audit.reason } : {}),
    },
    access_activity: findings
      ? {
          available: true,
          device,
          requests: findings.requests,
          denied: findings.denied,
          requests_by_day: dayBuckets(since, now, findings.requestsByDay),
          denied_by_day: dayBuckets(since, now, findings.deniedByDay),
        }
      : { available: false, reason: 'reason' in audit ? audit.reason : 'no audit log' },
  }
  return {
    generated_at: rfc3339(now),
    window: { since: timeOrNull(since)!, until: rfc3339(now), seconds: options.windowSeconds },
    server_version: options.version,
    max_age_seconds: options.maxAgeSeconds,
    summary: summarize(sections, now),
    controls: CONTROLS,
    sections,
  }
}
