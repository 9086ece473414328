// A raised anomaly as it is kept behind the barrier, and its API form (sys/anomalies/:id).
import { rfc3339 } from '../../../lib/time.ts'
import type { AnomalyType, Detection } from './detector.ts'
import type { AnomalyIdentity } from './observation.ts'

export interface Anomaly extends Detection {
  id: string
  acknowledged: boolean
  acknowledged_by: string | null
  /** Unix ms, or null. */
  acknowledged_at: number | null
  note: string | null
}

/** The API shape of one anomaly: times as RFC 3339, the identity's optional members only when known. */
export interface AnomalyView {
  id: string
  type: AnomalyType
  score: number
  explanation: string
  time: string
  identity: AnomalyIdentity
  path: string
  remote_address: string
  acknowledged: boolean
  acknowledged_by: string | null
  acknowledged_at: string | null
  note: string | null
}

export function anomalyView(a: Anomaly): AnomalyView {
  const identity: AnomalyIdentity = {
    entity_id: a.identity.entity_id,
    display_name: a.identity.display_name,
    auth_method: a.identity.auth_method,
  }
  if (a.identity.role !== undefined) identity.role = a.identity.role
  if (a.identity.access_key_id !== undefined) identity.access_key_id = a.identity.access_key_id
  return {
    id: a.id,
    type: a.type,
    score: a.score,
    explanation: a.explanation,
    time: rfc3339(a.time),
    identity,
    path: a.path,
    remote_address: a.remote_address,
    acknowledged: a.acknowledged,
    acknowledged_by: a.acknowledged_by,
    acknowledged_at: a.acknowledged_at === null ? null : rfc3339(a.acknowledged_at),
    note: a.note,
  }
}
