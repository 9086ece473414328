// The report's summary: a handful of pass/fail checks over the sections, each saying what it found.
import type { Check, ComplianceReport } from './report.ts'

type Sections = ComplianceReport['sections']

/** Six months, as 183 days. */
export const REVIEW_INTERVAL_MS = 183 * 86_400_000

export function checks(sections: Sections, now: number): Check[] {
  const out: Check[] = []
  const add = (section: string, name: string, status: Check['status'], detail: string) =>
    out.push({ section, name, status, detail })

  const rotation = sections.rotation
  const total = rotation.compliant + rotation.non_compliant
  add(
    'rotation',
    'Every secret is within its rotation policy or the maximum age',
    rotation.non_compliant === 0 ? 'pass' : 'fail',
    `${rotation.non_compliant} of ${total} non-compliant`,
  )
  const failing = rotation.secrets.filter((s) => s.failures > 0 && s.last_failure !== null).length
  add(
    'rotation',
    'No rotation is failing',
    failing === 0 ? 'pass' : 'fail',
    `${failing} secret(s) with failed rotation attempts`,
  )

  // PCI DSS 7.2.4 asks for a review at least every six months, whatever window the report covers.
  const reviews = sections.access_reviews
  const reviewName = 'An access review was completed in the last six months'
  if (!reviews.available) add('access_reviews', reviewName, 'unavailable', reviews.reason)
  else {
    const last = reviews.last_closed_at === null ? Number.NaN : Date.parse(reviews.last_closed_at)
    add(
      'access_reviews',
      reviewName,
      now - last <= REVIEW_INTERVAL_MS ? 'pass' : 'fail',
      `last closed ${reviews.last_closed_at ?? 'never'}; ${reviews.closed_in_window} closed in the window, ${reviews.open} open`,
    )
  }

  const anomalies = sections.anomalies
  if (!anomalies.available) add('anomalies', 'Every anomaly is acknowledged', 'unavailable', anomalies.reason)
  else
    add(
      'anomalies',
      'Every anomaly is acknowledged',
      anomalies.unacknowledged === 0 ? 'pass' : 'fail',
      `${anomalies.unacknowledged} of ${anomalies.total} unacknowledged`,
    )

  const leaks = sections.leak_incidents
  add(
    'leak_incidents',
    'Every leaked secret was rotated after the leak was found',
    leaks.open === 0 ? 'pass' : 'fail',
    `${leaks.open} leaked secret(s) not rotated since, over ${leaks.total} incident(s)`,
  )

  const root = sections.root_token_use
  add(
    'root_token_use',
    'No root token is left outstanding',
    root.active_root_tokens.length === 0 ? 'pass' : 'fail',
    `${root.active_root_tokens.length} live token(s) with the root policy`,
  )

  const activity = sections.access_activity
  add(
    'access_activity',
    'An audit log is enabled and readable',
    activity.available ? 'pass' : 'fail',
    activity.available ? `${activity.requests} requests in the window (${activity.device})` : activity.reason,
  )
  return out
}

export function summarize(sections: Sections, now: number): ComplianceReport['summary'] {
  const list = checks(sections, now)
  const count = (status: Check['status']) => list.filter((c) => c.status === status).length
  return { pass: count('pass'), fail: count('fail'), unavailable: count('unavailable'), checks: list }
}
