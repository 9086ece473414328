// Output rendering: aligned Key/Value tables, `====` section headers, JSON, YAML and raw -field values.
import type { SecretEnvelope } from '../client/index.ts'
import { UsageError } from './flags.ts'

export type OutputFormat = 'table' | 'json' | 'yaml'

const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml']

export function parseFormat(value: string | undefined): OutputFormat {
  const format = (value ?? 'table').toLowerCase()
  if ((OUTPUT_FORMATS as readonly string[]).includes(format)) return format as OutputFormat
  throw new UsageError(`invalid output format ${JSON.stringify(value)}: use table, json or yaml`)
}

/** Render one table cell the way Go's %v prints values, which is what Vault users expect to see. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '<nil>'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(formatCell).join(' ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `map[${entries.map(([k, v]) => `${k}:${formatCell(v)}`).join(' ')}]`
  }
  return String(value)
}

/** Columns padded to the widest cell plus four spaces; the header is underlined with dashes. */
export function renderColumns(
  header: readonly string[] | undefined,
  rows: readonly (readonly string[])[],
): string {
  const all = header ? [header, header.map((h) => '-'.repeat(h.length)), ...rows] : [...rows]
  const widths: number[] = []
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length)
    })
  }
  return all
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length + 4),
        )
        .join('')
        .trimEnd(),
    )
    .join('\n')
}

export function renderKeyValueTable(rows: readonly (readonly [string, unknown])[]): string {
  return renderColumns(
    ['Key', 'Value'],
    rows.map(([k, v]) => [k, formatCell(v)]),
  )
}

/** Sorted data keys as Key/Value rows. */
export function dataRows(data: Record<string, unknown> | null | undefined): [string, unknown][] {
  return Object.keys(data ?? {})
    .sort()
    .map((key) => [key, (data as Record<string, unknown>)[key]])
}

/** A `==== Title ====` line centred over a table of the given width. */
function sectionHeader(title: string, width: number): string {
  const pad = Math.max(2, Math.floor((width - title.length - 2) / 2))
  return `${'='.repeat(pad)} ${title} ${'='.repeat(pad)}`
}

/** Width of a table's first line (its header), so section titles stay short even beside long values. */
function tableWidth(table: string): number {
  return [...(table.split('\n')[0] ?? '')].length
}

/** A titled section: header line, then the table. */
export function renderSection(title: string, table: string): string {
  return `${sectionHeader(title, tableWidth(table))}\n${table}`
}

/** Seconds as Go prints durations, minus trailing zero units: 2764800 → "768h", 5400 → "1h30m". */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0s'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = Math.floor(seconds % 60)
  // As Go's Duration string with Vault's trimming of zero minutes: 3601 is 1h1s, 3661 is 1h1m1s.
  if (s > 0) return h > 0 ? (m > 0 ? `${h}h${m}m${s}s` : `${h}h${s}s`) : m > 0 ? `${m}m${s}s` : `${s}s`
  if (m > 0) return h > 0 ? `${h}h${m}m` : `${m}m`
  return `${h}h`
}

/** Key/Value rows for a whole response: lease, auth and wrap fields first, then the sorted data. */
export function secretRows(envelope: SecretEnvelope, data = envelope.data): [string, unknown][] {
  const rows: [string, unknown][] = []
  const leaseDuration = Number(envelope.lease_duration ?? 0)
  if (leaseDuration > 0) {
    if (envelope.lease_id) {
      rows.push(['lease_id', envelope.lease_id])
      rows.push(['lease_duration', humanDuration(leaseDuration)])
      rows.push(['lease_renewable', Boolean(envelope.renewable)])
    } else {
      // KV v1 with a `ttl` key: advisory, no lease to renew.
      rows.push(['refresh_interval', humanDuration(leaseDuration)])
    }
  }
  if (envelope.auth) rows.push(...authRows(envelope.auth))
  if (envelope.wrap_info) {
    const w = envelope.wrap_info
    rows.push(['wrapping_token:', w['token']])
    rows.push(['wrapping_accessor:', w['accessor']])
    rows.push(['wrapping_token_ttl:', humanDuration(Number(w['ttl'] ?? 0))])
    rows.push(['wrapping_token_creation_time:', w['creation_time']])
    rows.push(['wrapping_token_creation_path:', w['creation_path']])
    if (w['wrapped_accessor']) rows.push(['wrapped_accessor:', w['wrapped_accessor']])
  }
  // As vault's table: seconds under a TTL or period key read as a duration (ttl 2764799 → 767h59m59s).
  for (const [key, value] of dataRows(data))
    rows.push([key, isDurationKey(key) && typeof value === 'number' ? humanDuration(value) : value])
  return rows
}

function isDurationKey(key: string): boolean {
  return key === 'ttl' || key.endsWith('_ttl') || key === 'period' || key.endsWith('_period')
}

function authRows(auth: Record<string, unknown>): [string, unknown][] {
  const duration = Number(auth['lease_duration'] ?? 0)
  const rows: [string, unknown][] = [
    ['token', auth['client_token']],
    ['token_accessor', auth['accessor']],
    ['token_duration', duration > 0 ? humanDuration(duration) : '∞'],
    ['token_renewable', Boolean(auth['renewable'])],
    ['token_policies', quotedList(auth['token_policies'] ?? auth['policies'])],
    ['identity_policies', quotedList(auth['identity_policies'])],
    ['policies', quotedList(auth['policies'])],
  ]
  const meta = (auth['metadata'] ?? {}) as Record<string, unknown>
  for (const [key, value] of dataRows(meta)) rows.push([`token_meta_${key}`, value])
  return rows
}

function quotedList(value: unknown): string {
  const items = Array.isArray(value) ? value : []
  return `[${items.map((item) => JSON.stringify(String(item))).join(' ')}]`
}

/** The value printed by -field: auth and wrap fields by their table names, else a data key. */
export function lookupField(envelope: SecretEnvelope, field: string, data = envelope.data): unknown {
  const auth = envelope.auth
  if (auth) {
    const authFields: Record<string, unknown> = {
      token: auth['client_token'],
      token_accessor: auth['accessor'],
      token_duration: auth['lease_duration'],
      token_renewable: auth['renewable'],
      token_policies: auth['token_policies'],
      identity_policies: auth['identity_policies'],
      policies: auth['policies'],
    }
    if (field in authFields) return authFields[field]
    if (field.startsWith('token_meta_')) {
      const meta = (auth['metadata'] ?? {}) as Record<string, unknown>
      return meta[field.slice('token_meta_'.length)]
    }
  }
  if (envelope.wrap_info && field.startsWith('wrapping_')) {
    const key = field === 'wrapping_token' ? 'token' : field.replace(/^wrapping_(token_)?/, '')
    return envelope.wrap_info[key]
  }
  if (data && field in data) return data[field]
  if (field === 'lease_id' || field === 'lease_duration' || field === 'renewable') return envelope[field]
  return undefined
}

/** Raw text for -field: strings unquoted, everything else as JSON so scripts can parse it. */
export function rawField(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  return JSON.stringify(value)
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2)
}

const YAML_PLAIN = /^[A-Za-z_./][A-Za-z0-9_ ./-]*$/
const YAML_RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i

function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  const text = String(value)
  if (YAML_PLAIN.test(text) && !YAML_RESERVED.test(text) && !text.endsWith(' ')) return text
  // A JSON string is a valid YAML double-quoted scalar.
  return JSON.stringify(text)
}

export function renderYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent)
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]`
    return value
      .map((item) => {
        if (isNonEmptyContainer(item)) {
          const nested = renderYaml(item, indent + 2).trimStart()
          return `${pad}- ${nested}`
        }
        return `${pad}- ${yamlInline(item)}`
      })
      .join('\n')
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return `${pad}{}`
    return entries
      .map(([key, item]) =>
        isNonEmptyContainer(item)
          ? `${pad}${yamlScalar(key)}:\n${renderYaml(item, Array.isArray(item) ? indent : indent + 2)}`
          : `${pad}${yamlScalar(key)}: ${yamlInline(item)}`,
      )
      .join('\n')
  }
  return `${pad}${yamlScalar(value)}`
}

function yamlInline(value: unknown): string {
  if (Array.isArray(value)) return '[]'
  if (value !== null && typeof value === 'object') return '{}'
  return yamlScalar(value)
}

function isNonEmptyContainer(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0
}

/** JSON or YAML text for structured formats. */
export function renderStructured(value: unknown, format: Exclude<OutputFormat, 'table'>): string {
  return format === 'json' ? renderJson(value) : renderYaml(value)
}
