// The narrow read interfaces the compliance report uses for access reviews and anomalies, which other parts of the server keep.
import type { ReviewRecord } from '../access/review-store.ts'
import type { AnomalyView } from '../anomalies/anomaly.ts'

/** An access review as GET sys/access/reviews/:id answers it (its `data`). */
export type AccessReview = ReviewRecord

/** An anomaly as GET sys/anomalies/:id answers it (its `data`). */
export type Anomaly = AnomalyView

export interface AccessReviewsProvider {
  list(): Promise<AccessReview[]>
}

export interface AnomaliesProvider {
  list(): Promise<Anomaly[]>
}

/** Registered by the composition root when the server keeps them; a report section is `{available: false}` without one. */
export interface ComplianceProviders {
  reviews?: AccessReviewsProvider
  anomalies?: AnomaliesProvider
}
