// Filters for `coffer audit search`: which audit log entries match, and the compact row each one prints as.
import { parseDuration } from '../lib/duration.ts'
import { UsageError } from './flags.ts'

export const HMAC_PREFIX = 'hmac-sha256:'

export interface SearchFilter {
  pathPrefix?: string
  displayName?: string
  entityId?: string
  /** Accepted forms of one accessor: as given, and its HMAC when a device hashed it. */
  accessors?: readonly string[]
  operation?: string
  /** Milliseconds since the epoch, inclusive. */
  since?: number
  until?: number
  denied?: boolean
  type?: 'request' | 'response'
  /** A value is found when request or response data holds any of these strings anywhere. */
  values?: readonly string[]
}

type Json = Record<string, unknown>

const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/

/**
 * A -since/-until value: an RFC 3339 time (or a bare date, UTC midnight), or a duration meaning "that long
 * before `now`" (24h, 7d, 90m).
 */
export function parseTimeBound(value: string, flag: string, now: number): number {
  const text = value.trim()
  if (RFC3339.test(text)) {
    const ms = Date.parse(text)
    if (!Number.isNaN(ms)) return ms
  }
  let seconds: number
  try {
    seconds = parseDuration(text, flag)
  } catch {
    throw new UsageError(
      `invalid time ${JSON.stringify(value)} for ${flag}: use RFC 3339 (2024-05-01T10:00:00Z) or a duration (24h)`,
    )
  }
  if (text === '') throw new UsageError(`${flag} needs a value`)
  return now - seconds * 1000
}

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** True when `value` is, or holds at any depth (object values, array items), one of `needles`. */
export function containsValue(value: unknown, needles: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return needles.has(value)
  if (Array.isArray(value)) return value.some((item) => containsValue(item, needles))
  const obj = object(value)
  if (!obj) return false
  for (const key in obj) if (containsValue(obj[key], needles)) return true
  return false
}

/** Vault writes "permission denied", sometimes inside a multi-error text. */
export function isDenied(entry: Json): boolean {
  return text(entry['error']).includes('permission denied')
}

/** Compile a filter once; the returned predicate runs for every line of a possibly large log. */
export function entryMatcher(filter: SearchFilter): (entry: Json) => boolean {
  const accessors = filter.accessors ? new Set(filter.accessors) : undefined
  const values = filter.values ? new Set(filter.values) : undefined
  return (entry) => {
    if (filter.type !== undefined && entry['type'] !== filter.type) return false
    const request = object(entry['request']) ?? {}
    const auth = object(entry['auth']) ?? {}
    if (filter.pathPrefix !== undefined && !text(request['path']).startsWith(filter.pathPrefix)) return false
    if (filter.operation !== undefined && request['operation'] !== filter.operation) return false
    if (filter.displayName !== undefined && auth['display_name'] !== filter.displayName) return false
    if (filter.entityId !== undefined && auth['entity_id'] !== filter.entityId) return false
    if (
      accessors &&
      !accessors.has(text(auth['accessor'])) &&
      !accessors.has(text(request['client_token_accessor']))
    )
      return false
    if (filter.denied && !isDenied(entry)) return false
    if (filter.since !== undefined || filter.until !== undefined) {
      const time = Date.parse(text(entry['time']))
      if (Number.isNaN(time)) return false
      if (filter.since !== undefined && time < filter.since) return false
      if (filter.until !== undefined && time > filter.until) return false
    }
    if (values) {
      // sys/audit-hash calls carry the value's hash as their input: they are look-ups (this command's own
      // among them), not uses of the value.
      if (text(request['path']).startsWith('sys/audit-hash/')) return false
      const response = object(entry['response'])
      if (!containsValue(request['data'], values) && !containsValue(response?.['data'], values)) return false
    }
    return true
  }
}

export const SEARCH_COLUMNS = [
  'Time',
  'Type',
  'Operation',
  'Path',
  'Display Name',
  'Remote Address',
  'Error',
] as const

/** The compact table row for one entry; the time is cut to milliseconds, which is what a reader needs. */
export function searchRow(entry: Json): string[] {
  const request = object(entry['request']) ?? {}
  const auth = object(entry['auth']) ?? {}
  const time = text(entry['time']).replace(/(\.\d{3})\d+(?=Z$)/, '$1')
  return [
    time,
    text(entry['type']),
    text(request['operation']),
    text(request['path']),
    text(auth['display_name']),
    text(request['remote_address']),
    text(entry['error']).replace(/\s+/g, ' ').trim(),
  ]
}
