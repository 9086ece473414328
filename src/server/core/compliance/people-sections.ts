// The access-review and anomaly sections, read through their providers; `{available: false}` when none is registered.

import type { AccessReviewsProvider, AnomaliesProvider } from './providers.ts'
import type { AccessReviewsSection, AnomaliesSection, Unavailable } from './report.ts'
import { countBy } from './time-buckets.ts'

const inWindow = (time: string | null, since: number) => time !== null && Date.parse(time) >= since

export async function accessReviewsSection(
  provider: AccessReviewsProvider | undefined,
  since: number,
): Promise<AccessReviewsSection | Unavailable> {
  if (!provider) return { available: false, reason: 'access reviews are not kept by this server' }
  const reviews = await provider.list()
  const decisions = reviews.flatMap((review) => review.decisions)
  return {
    available: true,
    total: reviews.length,
    open: reviews.filter((r) => r.status === 'open').length,
    closed: reviews.filter((r) => r.status === 'closed').length,
    closed_in_window: reviews.filter((r) => r.status === 'closed' && inWindow(r.closed_at, since)).length,
    last_closed_at:
      reviews
        .filter(
          (r) => r.status === 'closed' && r.closed_at !== null && !Number.isNaN(Date.parse(r.closed_at)),
        )
        .map((r) => r.closed_at as string)
        .sort((a, b) => Date.parse(a) - Date.parse(b))
        .at(-1) ?? null,
    decisions: countBy(decisions, (d) => d.decision),
    reviews: reviews.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      reviewer: r.reviewer,
      started_at: r.started_at,
      closed_at: r.closed_at,
      decisions: r.decisions.length,
      revoked: r.decisions.filter((d) => d.decision === 'revoke').length,
    })),
  }
}

/** Anomalies raised in the window; acknowledgement is shown per anomaly and counted. */
export async function anomaliesSection(
  provider: AnomaliesProvider | undefined,
  since: number,
): Promise<AnomaliesSection | Unavailable> {
  if (!provider) return { available: false, reason: 'anomaly detection is not kept by this server' }
  const anomalies = (await provider.list())
    .filter((a) => inWindow(a.time, since))
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
  const acknowledged = anomalies.filter((a) => a.acknowledged).length
  return {
    available: true,
    total: anomalies.length,
    acknowledged,
    unacknowledged: anomalies.length - acknowledged,
    by_type: countBy(anomalies, (a) => a.type),
    items: anomalies.map((a) => ({
      id: a.id,
      type: a.type,
      score: a.score,
      time: a.time,
      display_name: a.identity.display_name,
      path: a.path,
      acknowledged: a.acknowledged,
      acknowledged_by: a.acknowledged_by,
      acknowledged_at: a.acknowledged_at,
    })),
  }
}
