// The leak-incident section: each incident's matched secrets and whether each was rotated (changed) after it was found.

import type { MountedItem } from './inventory-section.ts'
import type { LeakIncident } from './leak-incidents.ts'
import type { LeakSection } from './report.ts'
import { timeOrNull } from './time-buckets.ts'

/**
 * A match is answered ("rotated") once its secret changed after the incident: a later rotation, or a later write
 * (a new KV version, a new Secrets Manager version). A secret no longer held is "gone"; otherwise it is "open".
 */
export function leakSection(incidents: readonly LeakIncident[], items: readonly MountedItem[]): LeakSection {
  const byPath = new Map(items.map((item) => [item.path, item]))
  let open = 0
  const out = incidents.map((incident) => ({
    id: incident.id,
    time: timeOrNull(incident.time)!,
    requested_by: incident.requested_by.display_name,
    matches: incident.matches.map((match) => {
      const item = byPath.get(match.path)
      const changed = Math.max(item?.rotation?.lastRotated ?? 0, item?.updated ?? 0)
      const response: 'rotated' | 'open' | 'gone' = !item
        ? 'gone'
        : changed > incident.time
          ? 'rotated'
          : 'open'
      if (response === 'open') open++
      return {
        path: match.path,
        field: match.field,
        version: match.version ?? null,
        response,
        at: response === 'rotated' ? timeOrNull(changed) : null,
      }
    }),
  }))
  return { available: true, total: incidents.length, open, incidents: out }
}
