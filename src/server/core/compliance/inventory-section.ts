// The inventory and rotation-compliance sections, computed from what each mounted engine reports (InventoryItem).
import type { InventoryItem } from '../../../sdk/inventory.ts'
import type { Bucket, ComplianceReport, InventoryEntry, RotationEntry } from './report.ts'
import { countBy, timeOrNull } from './time-buckets.ts'

/** An item with the mount it came from. */
export interface MountedItem extends InventoryItem {
  mount: string
}

/**
 * A scheduled rotation may start anywhere inside its window (at most 24 hours long), so a secret is held
 * overdue only once its age passes its period by more than that.
 */
export const WINDOW_GRACE_SECONDS = 86_400

export function inventorySection(items: readonly MountedItem[]): ComplianceReport['sections']['inventory'] {
  const entries: InventoryEntry[] = items.map((item) => ({
    kind: item.kind,
    path: item.path,
    name: item.name,
    mount: item.mount,
    created: timeOrNull(item.created),
    updated: timeOrNull(item.updated),
    versions: item.versions ?? null,
    metadata_keys: item.metadataKeys ?? [],
    details: item.details ?? {},
  }))
  return { available: true, total: entries.length, by_kind: countBy(items, (i) => i.kind), items: entries }
}

const DAY = 86_400
/** Upper bounds (days) of the age histogram's bars; the last bar holds everything older. */
const AGE_BUCKETS: [number, string][] = [
  [7, '0–7d'],
  [30, '8–30d'],
  [90, '31–90d'],
  [180, '91–180d'],
  [365, '181–365d'],
]

export function ageHistogram(ages: readonly (number | null)[]): Bucket[] {
  const buckets: Bucket[] = [
    ...AGE_BUCKETS.map(([, label]) => ({ label, count: 0 })),
    { label: '>365d', count: 0 },
  ]
  let unknown = 0
  for (const age of ages) {
    if (age === null) {
      unknown++
      continue
    }
    const index = AGE_BUCKETS.findIndex(([days]) => age <= days * DAY)
    buckets[index === -1 ? AGE_BUCKETS.length : index]!.count++
  }
  if (unknown > 0) buckets.push({ label: 'unknown', count: unknown })
  return buckets
}

const days = (seconds: number) => `${Math.floor(seconds / DAY)}d`

/** One item's standing: against its rotation policy when it has one with a period, else against `maxAge`. */
export function rotationEntry(item: MountedItem, now: number, maxAge: number): RotationEntry {
  const rotation = item.rotation
  const changed = rotation?.lastRotated ?? item.updated ?? item.created
  const age = changed === undefined ? null : Math.max(0, Math.floor((now - changed) / 1000))
  const base = {
    kind: item.kind,
    path: item.path,
    enabled: rotation?.enabled ?? false,
    age_seconds: item.dynamic ? null : age,
    last_rotated: timeOrNull(rotation?.lastRotated),
    next_rotation: timeOrNull(rotation?.nextRotation),
    failures: rotation?.failures ?? 0,
    last_failure: rotation?.lastFailure
      ? { time: timeOrNull(rotation.lastFailure.time)!, message: rotation.lastFailure.message }
      : null,
  }
  if (item.dynamic)
    return {
      ...base,
      basis: 'none',
      policy: 'dynamic credentials (leased, not stored)',
      period_seconds: null,
      compliant: true,
      reason: 'issues short-lived credentials under leases',
    }
  const period = rotation?.enabled ? rotation.periodSeconds : undefined
  const failing = base.failures > 0 && rotation?.lastFailure !== undefined
  if (period !== undefined) {
    const overdue = age === null || age > period + WINDOW_GRACE_SECONDS
    const reason = overdue
      ? age === null
        ? 'never rotated and no date to measure from'
        : `overdue: ${days(age)} since the last rotation, policy ${rotation!.policy}`
      : failing
        ? `rotation failing (${base.failures} failed attempts)`
        : `rotated within its policy (${rotation!.policy})`
    return {
      ...base,
      basis: 'policy',
      policy: rotation!.policy ?? '',
      period_seconds: period,
      compliant: !overdue && !failing,
      reason,
    }
  }
  const policy = rotation
    ? `${rotation.policy ?? 'rotation'}${rotation.enabled ? '' : ' (disabled)'}; max age ${days(maxAge)}`
    : `no rotation policy; max age ${days(maxAge)}`
  if (age === null)
    return {
      ...base,
      basis: 'max_age',
      policy,
      period_seconds: maxAge,
      compliant: false,
      reason: 'the engine keeps no dates for it (KV version 1), so its age cannot be shown',
    }
  const old = age > maxAge
  return {
    ...base,
    basis: 'max_age',
    policy,
    period_seconds: maxAge,
    compliant: !old && !failing,
    reason: old
      ? `older than the maximum age: ${days(age)} since it last changed`
      : failing
        ? `rotation failing (${base.failures} failed attempts)`
        : `changed within the maximum age (${days(age)} ago)`,
  }
}

export function rotationSection(
  items: readonly MountedItem[],
  now: number,
  maxAge: number,
): ComplianceReport['sections']['rotation'] {
  const secrets = items.map((item) => rotationEntry(item, now, maxAge))
  const compliant = secrets.filter((s) => s.compliant).length
  return {
    available: true,
    compliant,
    non_compliant: secrets.length - compliant,
    age_histogram: ageHistogram(secrets.filter((s) => s.basis !== 'none').map((s) => s.age_seconds)),
    secrets,
  }
}
