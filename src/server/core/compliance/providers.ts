// The narrow read interfaces the compliance report uses for access reviews and anomalies, which other parts of the server keep.

/** One decision of an access review. Times are RFC 3339. */
export interface AccessReviewDecision {
  subject: string
  grant: string
  decision: string
  note: string
  decided_by: string
  decided_at: string
}

/** An access review as GET sys/access/reviews/:id answers it (its `data`). */
export interface AccessReview {
  id: string
  name: string
  status: 'open' | 'closed'
  scope: unknown
  reviewer: string
  started_at: string
  closed_at: string | null
  decisions: AccessReviewDecision[]
  evidence: unknown
}

/** An anomaly as GET sys/anomalies/:id answers it (its `data`). */
export interface Anomaly {
  id: string
  type: string
  score: number
  explanation: string
  time: string
  identity: {
    entity_id: string
    display_name: string
    role?: string
    access_key_id?: string
    auth_method: string
  }
  path: string
  remote_address: string
  acknowledged: boolean
  acknowledged_by: string | null
  acknowledged_at: string | null
  note: string | null
}

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
