// sys/reports/compliance: the compliance report as JSON (inventory, rotation, leases, reviews, anomalies, leaks, root use).
import { parseDuration } from '../../lib/duration.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { type ComplianceServices, collectComplianceReport } from '../core/compliance/collector.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type ReportPathServices = Pick<
  SystemServices,
  'mounts' | 'expiration' | 'tokens' | 'audit' | 'clock' | 'barrier' | 'compliance'
>

export const DEFAULT_WINDOW = '30d'
export const DEFAULT_MAX_AGE = '90d'
/** A longer window would make the per-day charts unreadable and the audit scan long. */
const MAX_WINDOW_SECONDS = 366 * 86_400

function durationField(value: string | undefined, fallback: string, name: string): number {
  let seconds: number
  try {
    seconds = parseDuration(value ?? fallback, name)
  } catch (error) {
    throw new InvalidRequestError((error as Error).message)
  }
  if (seconds <= 0) throw new InvalidRequestError(`${name}: must be a positive duration such as "30d"`)
  return seconds
}

export function reportPaths(services: ReportPathServices, version: string) {
  const collector: ComplianceServices = services
  return [
    definePath({
      pattern: 'reports/compliance',
      fields: {
        since: f.string({ description: 'The report window, ending now (default 30d; at most 366d).' }),
        max_age: f.string({
          description: 'How long a secret without a rotation policy may go unchanged (default 90d).',
        }),
      },
      help: 'A compliance report: secrets inventory (no values), rotation compliance, dynamic credentials, access reviews, anomalies, leak incidents, root-token use.',
      operations: {
        read: async ({ input }) => {
          const windowSeconds = durationField(input.since, DEFAULT_WINDOW, 'since')
          if (windowSeconds > MAX_WINDOW_SECONDS)
            throw new InvalidRequestError('since: the window is at most 366d')
          const maxAgeSeconds = durationField(input.max_age, DEFAULT_MAX_AGE, 'max_age')
          const report = await collectComplianceReport(collector, { windowSeconds, maxAgeSeconds, version })
          return { data: report as unknown as Record<string, unknown> }
        },
      },
    }),
  ]
}
