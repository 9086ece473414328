// The report's summary: a handful of pass/fail checks over the sections, each saying what it found.
import type { Check, ComplianceReport } from './report.ts'

type Sections = ComplianceReport['sections']

export function checks(sections: Sections): Check[] {
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

  const reviews = sections.access_reviews
  if (!reviews.available)
    add('access_reviews', 'An access review was closed in the window', 'unavailable', reviews.reason)
  else
    add(
      'access_reviews',
      'An access review was closed in the window',
      reviews.closed_in_window > 0 ? 'pass' : 'fail',
      `${reviews.closed_in_window} closed in the window, ${reviews.open} open`,
    )

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

export function summarize(sections: Sections): ComplianceReport['summary'] {
  const list = checks(sections)
  const count = (status: Check['status']) => list.filter((c) => c.status === status).length
  return { pass: count('pass'), fail: count('fail'), unavailable: count('unavailable'), checks: list }
}
