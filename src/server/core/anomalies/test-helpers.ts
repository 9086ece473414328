// Audit entries as the pipeline builds them, for the detector's tests and the evaluation's traces.
import { rfc3339 } from '../../../lib/time.ts'
import { type AuditEntry, buildEntry, type JsonObject } from '../../audit/entry.ts'

export interface EntrySpec {
  /** Unix ms. */
  time: number
  /** Display name; empty for a request without a resolved token. */
  name?: string
  entity?: string
  policies?: string[]
  metadata?: Record<string, string>
  /** The presented token (clear: the broker's subscribers see it before any device HMACs it). */
  token?: string
  accessor?: string
  path: string
  mount?: string
  operation?: string
  remote?: string
  /** Refused: only the request entry is written, with this error. */
  refused?: string
  data?: JsonObject
}

/** The entry the detector sees for one request: a refusal's request entry, or the response entry otherwise. */
export function auditEntry(spec: EntrySpec): AuditEntry {
  const mount = spec.mount ?? `${spec.path.split('/')[0]}/`
  const resolved = spec.accessor !== undefined && spec.accessor !== ''
  return buildEntry({
    type: spec.refused === undefined ? 'response' : 'request',
    time: rfc3339(spec.time),
    auth: resolved
      ? {
          clientToken: spec.token,
          accessor: spec.accessor,
          displayName: spec.name,
          policies: spec.policies ?? ['default'],
          entityId: spec.entity,
          metadata: spec.metadata,
          tokenType: 'service',
        }
      : {},
    request: {
      id: 'req',
      operation: spec.operation ?? 'read',
      mountPoint: mount,
      path: spec.path,
      clientToken: spec.token,
      clientTokenAccessor: resolved ? spec.accessor : undefined,
      remoteAddress: spec.remote ?? '10.0.0.5',
      data: spec.data,
    },
    error: spec.refused,
  })
}
