// Small helpers shared by the report's sections: RFC 3339 or null, day buckets over the window, counting by key.
import { rfc3339 } from '../../../lib/time.ts'
import type { Bucket } from './report.ts'

const DAY_MS = 86_400_000

export function timeOrNull(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : rfc3339(ms)
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** Every UTC day from `since` to `until`, oldest first, each counted from `counts` (0 when absent). */
export function dayBuckets(since: number, until: number, counts: ReadonlyMap<string, number>): Bucket[] {
  const out: Bucket[] = []
  for (let day = Math.floor(since / DAY_MS) * DAY_MS; day <= until; day += DAY_MS) {
    const label = dayOf(day)
    out.push({ label, count: counts.get(label) ?? 0 })
  }
  return out
}

/** Counts by key, largest first then by key, so charts and tables read the same each time. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Bucket[] {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by)
}
