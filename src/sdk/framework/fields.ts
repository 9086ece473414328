// Typed request fields with Vault's lenient coercion ("1h"/3600, "true"/true, "a,b"/["a","b"]).
import { parseDuration } from '../../lib/duration.ts'
import { InvalidRequestError } from '../errors.ts'

export interface Field<T> {
  readonly kind: string
  readonly description: string
  readonly required: boolean
  readonly sensitive: boolean
  readonly default: T | undefined
  /**
   * What an explicit JSON null sets. Unset, null reads as absent; Vault's field decoding instead gives a list,
   * map or string field sent as null its empty value (so `"token_policies": null` clears them), and the fields
   * where that changes what a write does say so with this.
   */
  readonly nullValue?: T
  parse(value: unknown, name: string): T
}

export type Fields = Record<string, Field<unknown>>

export type FieldValues<F extends Fields> = {
  [K in keyof F]: F[K] extends Field<infer T> ? T | undefined : never
}

interface FieldOptions<T> {
  description?: string
  required?: boolean
  sensitive?: boolean
  default?: T
  nullValue?: T
}

function field<T>(
  kind: string,
  parse: (value: unknown, name: string) => T,
  opts: FieldOptions<T> = {},
): Field<T> {
  return {
    kind,
    parse,
    description: opts.description ?? '',
    required: opts.required ?? false,
    sensitive: opts.sensitive ?? false,
    default: opts.default,
    ...(opts.nullValue !== undefined ? { nullValue: opts.nullValue } : {}),
  }
}

function wrongType(name: string, expected: string): InvalidRequestError {
  return new InvalidRequestError(`invalid value for "${name}": expected ${expected}`)
}

export function parseString(value: unknown, name: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw wrongType(name, 'a string')
}

export function parseInt64(value: unknown, name: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n
  // 2e64 is an integer to JavaScript but not one a number can hold exactly; storing it would keep a
  // rounded value the client never sent (Vault's Go int refuses it too).
  if (typeof n === 'number' && Number.isInteger(n))
    throw new InvalidRequestError(
      `invalid value for "${name}": must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
    )
  throw wrongType(name, 'an integer')
}

/** Go's strconv.ParseBool spellings, which Vault's weak decoding of a bool field accepts. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', ''])

/** A bool field as Vault's mapstructure.WeakDecode reads it: Go's ParseBool strings, or any number (non-zero is true). */
export function parseBool(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    if (GO_TRUE.has(value)) return true
    if (GO_FALSE.has(value)) return false
  }
  if (typeof value === 'number' && Number.isFinite(value)) return value !== 0
  throw wrongType(name, 'a boolean')
}

export function parseDurationField(value: unknown, name: string): number {
  try {
    return parseDuration(value, name)
  } catch (error) {
    throw new InvalidRequestError(
      `invalid value for "${name}": ${(error as Error).message.replace(`${name}: `, '')}`,
    )
  }
}

/** A list of strings from a JSON array or a comma-separated string; blanks are dropped. */
export function parseStringList(value: unknown, name: string): string[] {
  const items = typeof value === 'string' ? value.split(',') : value
  if (!Array.isArray(items)) throw wrongType(name, 'a list of strings or a comma-separated string')
  return items.map((item) => parseString(item, name).trim()).filter((item) => item !== '')
}

export function parseMap(value: unknown, name: string): Record<string, unknown> {
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      return parseMap(JSON.parse(value), name)
    } catch {
      throw wrongType(name, 'a JSON object')
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return value as Record<string, unknown>
  throw wrongType(name, 'an object')
}

/** A map whose values are all strings (metadata, custom_metadata). */
export function parseStringMap(value: unknown, name: string): Record<string, string> {
  const map = parseMap(value, name)
  // fromEntries defines each key as its own property: an assignment to `__proto__` would drop that key silently.
  return Object.fromEntries(Object.entries(map).map(([key, v]) => [key, parseString(v, `${name}.${key}`)]))
}

/**
 * Vault's TypeKVPairs (entity and group metadata, alias custom_metadata): a map, or a list of "key=value" strings
 * (or one such string), which is what the CLI sends for `metadata=team=eng metadata=site=eu`.
 */
export function parseKvPairs(value: unknown, name: string): Record<string, string> {
  const listed = Array.isArray(value) || (typeof value === 'string' && !value.trim().startsWith('{'))
  if (!listed) return parseStringMap(value, name)
  const items = Array.isArray(value) ? value : value === '' ? [] : [value]
  const pairs = items.map((item, index) => {
    const text = parseString(item, name)
    const at = text.indexOf('=')
    // Named by position, not quoted: a pair typed without its `=` may be a value, and the error reaches the audit
    // log in clear.
    if (at <= 0)
      throw new InvalidRequestError(
        `invalid value for "${name}": item ${index + 1} is not a key=value pair with a non-empty key`,
      )
    return [text.slice(0, at), text.slice(at + 1)] as const
  })
  return Object.fromEntries(pairs)
}

export const f = {
  string: (opts?: FieldOptions<string>) => field('string', parseString, opts),
  int: (opts?: FieldOptions<number>) => field('int', parseInt64, opts),
  bool: (opts?: FieldOptions<boolean>) => field('bool', parseBool, opts),
  /** Seconds, from 3600 or "1h". */
  duration: (opts?: FieldOptions<number>) => field('duration', parseDurationField, opts),
  list: (opts?: FieldOptions<string[]>) => field('list', parseStringList, opts),
  map: (opts?: FieldOptions<Record<string, unknown>>) => field('map', parseMap, opts),
  stringMap: (opts?: FieldOptions<Record<string, string>>) => field('map', parseStringMap, opts),
  /** Vault's TypeKVPairs: a map or "key=value" strings. */
  kvPairs: (opts?: FieldOptions<Record<string, string>>) => field('map', parseKvPairs, opts),
  any: (opts?: FieldOptions<unknown>) => field('any', (value) => value, opts),
}

/**
 * A path's fields as [name, spec] pairs and an object of their defaults (every field, in order), built once per
 * fields object: every request of the path starts from a copy of the defaults instead of setting each field.
 */
const plans = new WeakMap<
  Fields,
  { entries: [string, Field<unknown>][]; defaults: Record<string, unknown> }
>()

function planOf(fields: Fields) {
  let plan = plans.get(fields)
  if (plan === undefined) {
    const entries = Object.entries(fields)
    plan = { entries, defaults: Object.fromEntries(entries.map(([name, spec]) => [name, spec.default])) }
    plans.set(fields, plan)
  }
  return plan
}

/** Coerce `data` through `fields` into the typed values, without listing the names that matched no field. */
export function parseFieldValues<F extends Fields>(fields: F, data: Record<string, unknown>): FieldValues<F> {
  const plan = planOf(fields)
  const values: Record<string, unknown> = { ...plan.defaults }
  for (const [name, spec] of plan.entries) {
    const raw = data[name]
    if (raw === null && spec.nullValue !== undefined) {
      // A copy, so a handler that changes the value cannot change the next request's.
      values[name] = structuredClone(spec.nullValue)
    } else if (raw === undefined || raw === null) {
      if (spec.required) throw new InvalidRequestError(`missing required field "${name}"`)
    } else {
      values[name] = spec.parse(raw, name)
    }
  }
  return values as FieldValues<F>
}

/** Coerce `data` through `fields`; returns the typed values and the names that matched no field. */
export function parseFields<F extends Fields>(
  fields: F,
  data: Record<string, unknown>,
): { values: FieldValues<F>; unknown: string[] } {
  const values = parseFieldValues(fields, data)
  const unknown = Object.keys(data).filter((name) => !(name in fields))
  return { values, unknown }
}
