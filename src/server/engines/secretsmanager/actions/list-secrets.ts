// ListSecrets: metadata of every secret matching the filters, sorted and paged with opaque cursor tokens.
import { accessOf, lastAccessedIn } from '../access.ts'
import type { ActionContext } from '../context.ts'
import { secretMetadata, seenRegion } from '../describe.ts'
import { validation } from '../errors.ts'
import { matchesFilters, parseFilters } from '../filters.ts'
import { type Input, optBool, optInt, optString } from '../input.ts'
import { loadAllRecords, type SecretRecord } from '../model.ts'
import { compareKeys, decodeToken, encodeToken } from '../page-token.ts'
import { visibleIn } from '../resolve.ts'

const SORT_BY = ['created-date', 'last-accessed-date', 'last-changed-date', 'name']

/** `lastAccessed`: the day it was last read in the caller's region, 0 for never (sorted first in asc). */
function sortKey(record: SecretRecord, sortBy: string, lastAccessed: number): [number | string, string] {
  switch (sortBy) {
    case 'name':
      return [record.name, record.name]
    case 'last-changed-date':
      return [record.lastChangedDate, record.name]
    case 'last-accessed-date':
      return [lastAccessed, record.name]
    default:
      return [record.createdDate, record.name]
  }
}

/** In the caller's region: its primaries and replicas; without a region, every secret once (not its replicas). */
function seenFrom(ctx: ActionContext, record: SecretRecord): boolean {
  if (record.storeAs !== undefined) return ctx.anyRegion === true || record.region === ctx.region
  return ctx.anyRegion === true || visibleIn(record, ctx.region)
}

export interface ListedPage {
  records: SecretRecord[]
  nextToken?: string
}

/** The page of matching records, shared with BatchGetSecretValue's Filters form. */
export async function listPage(
  ctx: ActionContext,
  input: Input,
  defaultMax: number,
  maxMax: number,
): Promise<ListedPage> {
  const filters = parseFilters(input['Filters']) ?? []
  const max = optInt(input, 'MaxResults', 1, maxMax) ?? defaultMax
  const includeDeleted = optBool(input, 'IncludePlannedDeletion') ?? false
  const sortBy = optString(input, 'SortBy') ?? 'created-date'
  if (!SORT_BY.includes(sortBy))
    throw validation('sortBy', `Member must satisfy enum value set: [${SORT_BY.join(', ')}]`)
  const order = optString(input, 'SortOrder') ?? 'asc'
  if (order !== 'asc' && order !== 'desc')
    throw validation('sortOrder', 'Member must satisfy enum value set: [asc, desc]')
  const sort = `${sortBy}:${order}`
  const cursor = decodeToken(input['NextToken'], sort)
  const sign = order === 'asc' ? 1 : -1
  const found = (await loadAllRecords(ctx.storage)).filter(
    (r) =>
      seenFrom(ctx, r) &&
      (includeDeleted || r.deletedDate === undefined) &&
      matchesFilters(r, filters, r.region ?? ctx.region),
  )
  // Read days are loaded only to sort by them.
  const lastAccessed =
    sortBy === 'last-accessed-date'
      ? await Promise.all(
          found.map(async (r) => lastAccessedIn(await accessOf(ctx, r), r, seenRegion(ctx, r)) ?? 0),
        )
      : undefined
  const matching = found
    .map((record, i) => ({ record, key: sortKey(record, sortBy, lastAccessed?.[i] ?? 0) }))
    .filter((item) => cursor === undefined || sign * compareKeys(item.key, cursor.after) > 0)
    .sort((a, b) => sign * compareKeys(a.key, b.key))
  const page = matching.slice(0, max)
  const last = page.at(-1)
  return {
    records: page.map((item) => item.record),
    ...(matching.length > max && last ? { nextToken: encodeToken({ sort, after: last.key }) } : {}),
  }
}

export async function listSecrets(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const { records, nextToken } = await listPage(ctx, input, 100, 100)
  const access = await Promise.all(records.map((record) => accessOf(ctx, record)))
  return {
    SecretList: records.map((record, i) => secretMetadata(ctx, record, 'SecretVersionsToStages', access[i])),
    ...(nextToken ? { NextToken: nextToken } : {}),
  }
}
