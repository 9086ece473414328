// Opaque NextToken values: a cursor (the last item's sort key) that stays right when items are added or removed meanwhile.
import { AwsError } from './errors.ts'

export interface Cursor {
  /** What the listing is sorted by, so a token is refused by a listing sorted another way. */
  sort: string
  after: [number | string, string]
}

export function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

export function decodeToken(token: unknown, sort: string): Cursor | undefined {
  if (token === undefined || token === null) return undefined
  const invalid = new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.')
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw invalid
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor
    if (cursor?.sort !== sort || !Array.isArray(cursor.after) || cursor.after.length !== 2) throw invalid
    // The token is the caller's to hand back, and to forge: its key must be of the kind the sort compares (a
    // name, or a date as a number), never an object a comparison would have to convert.
    const [key, name] = cursor.after
    const keyKind = sort.startsWith('name:') ? 'string' : 'number'
    if (
      typeof key !== keyKind ||
      (typeof key === 'number' && !Number.isFinite(key)) ||
      typeof name !== 'string'
    )
      throw invalid
    return { sort, after: [key, name] }
  } catch {
    throw invalid
  }
}

/** Total order over (key, tie-breaker name). */
export function compareKeys(a: [number | string, string], b: [number | string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0
}
