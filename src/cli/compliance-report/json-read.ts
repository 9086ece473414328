// Defensive readers over the report's JSON: the CLI cannot import the server's types, and a missing field renders as empty.

export type Json = Record<string, unknown>

export function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {}
}

export function arr(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : []
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

/** Text for a cell: strings as they are, numbers and booleans printed, lists joined, null and objects empty. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.map(text).join(', ')
  return ''
}

/** A bucket list ([{label, count}]) as chart bars. */
export function bars(value: unknown, label: (l: string) => string = (l) => l) {
  return arr(value).map((b) => ({ label: label(text(b['label'])), value: num(b['count']) }))
}
