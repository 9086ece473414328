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

/**
 * A scalar as Vault's weak decoding writes it into a string: numbers as their text (a JSON body's numbers reach
 * Vault as json.Number, that is as the digits the client sent) and booleans as "1" and "0", not "true"/"false".
 */
export function parseString(value: unknown, name: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  throw wrongType(name, 'a string')
}

/** An item of a list or a value of a map: as parseString, and a JSON null is "" (WeakDecode leaves the zero value). */
function parseStringItem(value: unknown, name: string): string {
  return value === null ? '' : parseString(value, name)
}

/** Go's strconv.ParseInt with base 0: a sign, then decimal, 0x hex, 0o or leading-0 octal, 0b binary; `_` between digits. */
const GO_INT = [
  { pattern: /^([+-]?)0[xX]((?:_?[0-9a-fA-F])+)$/, radix: '0x' },
  { pattern: /^([+-]?)0[bB]((?:_?[01])+)$/, radix: '0b' },
  { pattern: /^([+-]?)0[oO]((?:_?[0-7])+)$/, radix: '0o' },
  { pattern: /^([+-]?)0((?:_?[0-7])+)$/, radix: '0o' },
  { pattern: /^([+-]?)([1-9](?:_?[0-9])*|0)$/, radix: '' },
] as const

function parseGoInt(text: string): bigint | undefined {
  for (const { pattern, radix } of GO_INT) {
    const m = pattern.exec(text)
    if (!m) continue
    const magnitude = BigInt(`${radix}${(m[2] as string).replaceAll('_', '')}`)
    return m[1] === '-' ? -magnitude : magnitude
  }
  return undefined
}

/**
 * An int field as Vault's WeakDecode reads it: an integer (a JSON 1.5 reaches Vault as the text "1.5", which
 * strconv.ParseInt refuses), a string in strconv.ParseInt's base-0 syntax ("0x10" is 16, "010" is 8, "" is 0),
 * or a boolean as 1/0.
 */
export function parseInt64(value: unknown, name: string): number {
  let n: bigint | number | undefined
  if (typeof value === 'number') n = value
  else if (typeof value === 'boolean') n = value ? 1 : 0
  else if (typeof value === 'string') n = value === '' ? 0 : parseGoInt(value)
  if (typeof n === 'bigint') {
    if (n >= BigInt(-Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n)
  } else if (typeof n === 'number' && Number.isSafeInteger(n)) return n
  // 2e64 is an integer to JavaScript but not one a number can hold exactly; storing it would keep a
  // rounded value the client never sent (Vault's Go int refuses it too).
  if (typeof n === 'bigint' || (typeof n === 'number' && Number.isInteger(n)))
    throw new InvalidRequestError(
      `invalid value for "${name}": must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
    )
  throw wrongType(name, 'an integer')
}

/** Go's strconv.ParseBool spellings, which Vault's weak decoding of a bool field accepts. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', ''])

/**
 * A bool field as Vault's mapstructure.WeakDecode reads it: Go's ParseBool strings. A JSON number reaches Vault as
 * a json.Number, a string to WeakDecode, so it too goes through ParseBool: 1 and 0 are taken, 2 or 0.5 refused.
 */
export function parseBool(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text === 'string') {
    if (GO_TRUE.has(text)) return true
    if (GO_FALSE.has(text)) return false
  }
  throw wrongType(name, 'a boolean')
}

/**
 * Seconds, as Vault's parseutil.ParseDurationSecond reads them (see lib/duration for the string forms). A JSON
 * number reaches Vault as its text, so a fraction such as 1.5 is refused there (no unit) and here.
 */
export function parseDurationField(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value))
    throw new InvalidRequestError(
      `invalid value for "${name}": expected whole seconds or a duration such as "1h30m"`,
    )
  try {
    return parseDuration(value, name)
  } catch (error) {
    throw new InvalidRequestError(
      `invalid value for "${name}": ${(error as Error).message.replace(`${name}: `, '')}`,
    )
  }
}

/** A JSON object (not an array, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * A list of strings (Vault's TypeCommaStringSlice) from a comma-separated string, a JSON array, or a single scalar
 * (WeakDecode lifts 123 into ["123"]); items are trimmed and turned into text as parseString does.
 * Unlike Vault, blank items are dropped, deliberately: Vault keeps "a,,b" as ["a", "", "b"], and an empty policy,
 * CIDR or domain is never what a stray comma meant (Vault's own policy handling drops them later too).
 */
export function parseStringList(value: unknown, name: string): string[] {
  let items: unknown[]
  if (typeof value === 'string') items = value.split(',')
  else if (typeof value === 'number' || typeof value === 'boolean') items = [value]
  else if (Array.isArray(value)) items = value
  // WeakDecode turns an empty map into an empty slice.
  else if (isObject(value) && Object.keys(value).length === 0) items = []
  else throw wrongType(name, 'a list of strings or a comma-separated string')
  return items.map((item) => parseStringItem(item, name).trim()).filter((item) => item !== '')
}

/** Entries merged into a new object; fromEntries keeps a `__proto__` key as an entry of its own. */
function merged(objects: Record<string, unknown>[]): Record<string, unknown> {
  return Object.fromEntries(objects.flatMap((object) => Object.entries(object)))
}

/**
 * A map (Vault's TypeMap): an object, or as WeakDecode also takes, a list of objects merged in order ([] is {}).
 * Unlike Vault, a JSON object inside a string is taken too, deliberately: it is what a CLI `key=@file.json` argument
 * or a form body carries, and every value Vault takes still reads the same.
 */
export function parseMap(value: unknown, name: string): Record<string, unknown> {
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    let decoded: unknown
    try {
      decoded = JSON.parse(value)
    } catch {
      throw wrongType(name, 'a JSON object')
    }
    return parseMap(decoded, name)
  }
  if (isObject(value)) return value
  if (Array.isArray(value) && value.every(isObject)) return merged(value)
  throw wrongType(name, 'an object')
}

/** A map whose values are all strings (metadata, custom_metadata): values as parseString, null as "". */
export function parseStringMap(value: unknown, name: string): Record<string, string> {
  const map = parseMap(value, name)
  // fromEntries defines each key as its own property: an assignment to `__proto__` would drop that key silently.
  return Object.fromEntries(
    Object.entries(map).map(([key, v]) => [key, parseStringItem(v, `${name}.${key}`)]),
  )
}

/**
 * Vault's TypeKVPairs (entity and group metadata, alias custom_metadata): first a map as parseStringMap reads it,
 * else a list of "key=value" strings (or one such string), which is what the CLI sends for
 * `metadata=team=eng metadata=site=eu`. As in Vault, "" is no pair at all and is refused.
 */
export function parseKvPairs(value: unknown, name: string): Record<string, string> {
  const asMap =
    isObject(value) ||
    (typeof value === 'string' && value.trim().startsWith('{')) ||
    (Array.isArray(value) && value.every(isObject))
  if (asMap) return parseStringMap(value, name)
  const items = Array.isArray(value) ? value : [value]
  const pairs = items.map((item, index) => {
    const text = isObject(item) || Array.isArray(item) ? undefined : parseStringItem(item, name)
    const at = text === undefined ? -1 : text.indexOf('=')
    // Named by position, not quoted: a pair typed without its `=` may be a value, and the error reaches the audit
    // log in clear.
    if (text === undefined || at <= 0)
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
