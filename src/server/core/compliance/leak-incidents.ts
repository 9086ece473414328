// Leak incidents: each sys/leak/fingerprints answer that matched stored secrets, kept behind the barrier for the compliance report.
import { timeOrderedId } from '../../../lib/random.ts'

/** The barrier's get/put/list, all this store needs. */
export interface IncidentStorage {
  get(key: string): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array): Promise<void>
  list(prefix: string): Promise<string[]>
}

export const INCIDENT_PREFIX = 'core/leak/incidents/'

export interface LeakIncident {
  id: string
  /** ms since the epoch */
  time: number
  /** Who asked (display name and entity), never their token. */
  requested_by: { display_name: string; entity_id: string }
  request_id: string
  /** What matched: paths and fields only; the digests the caller sent are not kept. */
  matches: { path: string; field: string; version?: number }[]
}

/** Ids sort by time, so a listing is the incidents in the order they were found. */
export async function recordLeakIncident(
  storage: IncidentStorage,
  incident: Omit<LeakIncident, 'id'>,
): Promise<LeakIncident> {
  const id = timeOrderedId(24, incident.time)
  const stored: LeakIncident = { id, ...incident }
  await storage.put(INCIDENT_PREFIX + id, new TextEncoder().encode(JSON.stringify(stored)))
  return stored
}

/** Incidents found at or after `since` (ms). */
export async function leakIncidentsSince(storage: IncidentStorage, since: number): Promise<LeakIncident[]> {
  const out: LeakIncident[] = []
  for (const key of await storage.list(INCIDENT_PREFIX)) {
    const raw = await storage.get(INCIDENT_PREFIX + key)
    if (!raw) continue
    const incident = JSON.parse(new TextDecoder().decode(raw)) as LeakIncident
    if (incident.time >= since) out.push(incident)
  }
  return out.sort((a, b) => a.time - b.time)
}
