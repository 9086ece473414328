// LastAccessedDate: the day each secret (per region) and each version was last read, stored at most once a day per secret.
import { encodeJson, getJson } from '../../../sdk/storage.ts'
import type { ActionContext } from './context.ts'
import { accessKey, loadRecord, type SecretRecord, storeIdOf } from './model.ts'
import type { AccessMemo } from './state.ts'

const DAY_MS = 86_400_000

/** The stored entry (`access/<hash of the store id>`); days are ms at midnight UTC. */
interface StoredAccess {
  /** The secret's ARN suffix: an entry left by an earlier secret of the same name is not this one's. */
  suffix: string
  /** Reads in the primary region (in any region for a record that names none). */
  day?: number
  /** Reads seen from each replica's region. */
  regions?: Record<string, number>
  /** Reads of each version, from any region (replicas are views of the same versions). */
  versions?: Record<string, number>
}

/** What DescribeSecret, ListSecrets, ListSecretVersionIds and the inventory show. */
export interface AccessView {
  day?: number
  regions: Record<string, number>
  versions: Record<string, number>
}

/**
 * Note a read of `versionId` of `record`, seen from `ctx.region`. Every read but the first of the day (per secret
 * and region, and per version) ends at the first check: a Map lookup and compares, no await, no storage. The first
 * one updates the memo at once (so concurrent reads find it) and stores it in the background: the read's answer
 * never waits for it and never fails because of it.
 */
export function noteRead(ctx: ActionContext, record: SecretRecord, versionId: string): void {
  const now = ctx.now()
  const today = now - (now % DAY_MS)
  const replica = record.region !== undefined && ctx.region !== record.region ? ctx.region : undefined
  const memo = ctx.state.access.get(storeIdOf(record))
  if (
    memo !== undefined &&
    memo.suffix === record.suffix &&
    (replica === undefined ? memo.day : (memo.regions.get(replica) ?? 0)) >= today &&
    (memo.versions.get(versionId) ?? 0) >= today
  )
    return
  firstReadOfDay(ctx, record, versionId, replica, today, memo)
}

function firstReadOfDay(
  ctx: ActionContext,
  record: SecretRecord,
  versionId: string,
  replica: string | undefined,
  today: number,
  found: AccessMemo | undefined,
): void {
  const id = storeIdOf(record)
  let memo = found
  if (memo === undefined || memo.suffix !== record.suffix) {
    memo = { suffix: record.suffix, day: 0, regions: new Map(), versions: new Map(), loaded: false }
    ctx.state.access.set(id, memo)
  }
  if (replica === undefined) memo.day = Math.max(memo.day, today)
  else memo.regions.set(replica, Math.max(memo.regions.get(replica) ?? 0, today))
  memo.versions.set(versionId, Math.max(memo.versions.get(versionId) ?? 0, today))
  const write = persist(ctx, record.name, id, memo).catch((error: unknown) => {
    // The memo keeps the day, so a storage that keeps failing costs one attempt (and one line) per secret and day,
    // not one per read; the next write that goes through stores it too.
    ctx.logger?.log('warn', 'secretsmanager: could not store when a secret was last read', {
      error: error instanceof Error ? error.message : String(error),
    })
  })
  ctx.state.accessWrites.add(write)
  void write.finally(() => ctx.state.accessWrites.delete(write))
}

/**
 * Store the memo under the secret's lock (so it never races a delete or purge): only while the secret it was noted
 * for still exists, with versions and replicas it no longer has left out.
 */
async function persist(ctx: ActionContext, lockName: string, id: string, memo: AccessMemo): Promise<void> {
  await ctx.state.locks.run(lockName, async () => {
    const record = await loadRecord(ctx.storage, id)
    if (!record || record.suffix !== memo.suffix) return
    if (!memo.loaded) {
      const stored = await loadStored(ctx, id, memo.suffix)
      merge(memo, stored)
      // After a restart, a read that adds nothing to what is stored writes nothing.
      if (stored) memo.stored = JSON.stringify(stored)
      memo.loaded = true
    }
    // Versions dropped by retention and removed replicas are forgotten here too, so the memo stays small.
    for (const versionId of memo.versions.keys())
      if (record.versions[versionId] === undefined) memo.versions.delete(versionId)
    for (const region of memo.regions.keys())
      if (record.replicas?.[region] === undefined) memo.regions.delete(region)
    const entry: StoredAccess = { suffix: memo.suffix }
    if (memo.day > 0) entry.day = memo.day
    const regions = sorted(memo.regions)
    if (regions.length > 0) entry.regions = Object.fromEntries(regions)
    const versions = sorted(memo.versions)
    if (versions.length > 0) entry.versions = Object.fromEntries(versions)
    const text = JSON.stringify(entry)
    if (text === memo.stored) return
    await ctx.storage.put(accessKey(id), encodeJson(entry))
    memo.stored = text
  })
}

/** In key order, so the same days always give the same stored text. */
function sorted(days: Map<string, number>): [string, number][] {
  return [...days].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

async function loadStored(
  ctx: Pick<ActionContext, 'storage'>,
  id: string,
  suffix: string,
): Promise<StoredAccess | undefined> {
  const stored = await getJson<StoredAccess>(ctx.storage, accessKey(id))
  return stored?.suffix === suffix ? stored : undefined
}

function merge(memo: AccessMemo, stored: StoredAccess | undefined): void {
  if (!stored) return
  memo.day = Math.max(memo.day, stored.day ?? 0)
  for (const [region, day] of Object.entries(stored.regions ?? {}))
    memo.regions.set(region, Math.max(memo.regions.get(region) ?? 0, day))
  for (const [versionId, day] of Object.entries(stored.versions ?? {}))
    memo.versions.set(versionId, Math.max(memo.versions.get(versionId) ?? 0, day))
}

/** The days stored for `record`, with what this node noted and has not stored yet. */
export async function accessOf(
  ctx: Pick<ActionContext, 'storage' | 'state'>,
  record: SecretRecord,
): Promise<AccessView> {
  const id = storeIdOf(record)
  const days: AccessMemo = {
    suffix: record.suffix,
    day: 0,
    regions: new Map(),
    versions: new Map(),
    loaded: true,
  }
  merge(days, await loadStored(ctx, id, record.suffix))
  const memo = ctx.state.access.get(id)
  if (memo?.suffix === record.suffix)
    merge(days, {
      suffix: memo.suffix,
      day: memo.day,
      regions: Object.fromEntries(memo.regions),
      versions: Object.fromEntries(memo.versions),
    })
  return {
    ...(days.day > 0 ? { day: days.day } : {}),
    regions: Object.fromEntries(days.regions),
    versions: Object.fromEntries(days.versions),
  }
}

/** LastAccessedDate of the secret as seen from `region` (a replica's own reads, or the primary's). */
export function lastAccessedIn(
  access: AccessView | undefined,
  record: SecretRecord,
  region: string,
): number | undefined {
  if (!access) return undefined
  return record.region !== undefined && region !== record.region ? access.regions[region] : access.day
}
