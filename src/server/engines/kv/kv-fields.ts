// Field types and input checks the KV engine needs beyond the sdk's: version lists, signed durations, paths.
import { parseDuration } from '../../../lib/duration.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Field } from '../../../sdk/framework/fields.ts'

interface KvFieldOptions {
  description?: string
}

/** A version number: a positive integer, as a JSON number or a string of decimal digits. */
function toVersion(value: unknown, name: string): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) return n
  throw new InvalidRequestError(
    `invalid value for "${name}": ${shown(value)} is not a version number; expected a list of positive integers such as [1, 2] or "1,2"`,
  )
}

/** The offending element, briefly: scalars as JSON (cut short), anything else by its kind. */
function shown(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return JSON.stringify(value).slice(0, 40)
  if (value === null) return 'null'
  return Array.isArray(value) ? 'a nested list' : 'an object'
}

/**
 * Vault's TypeCommaIntSlice for version numbers: [1, 2], "1,2" or a single 3. Stricter than Vault's weak decoding
 * (which truncates 1.5, reads "0x10" as 16 and silently ignores -1): every element must be a version number, or
 * the request is a 400 that names the field, so a typo never deletes or destroys a version nobody meant.
 */
export function intListField(opts: KvFieldOptions = {}): Field<number[]> {
  return {
    kind: 'list',
    description: opts.description ?? '',
    required: false,
    sensitive: false,
    default: undefined,
    parse(value, name) {
      if (typeof value === 'number') return [toVersion(value, name)]
      // Empty items of a comma list are skipped ("1,2," is 1 and 2), as Vault's string-to-slice split tolerates.
      const items = typeof value === 'string' ? value.split(',').filter((item) => item.trim() !== '') : value
      if (!Array.isArray(items))
        throw new InvalidRequestError(
          `invalid value for "${name}": expected a list of positive integers such as [1, 2] or "1,2"`,
        )
      return items.map((item) => toVersion(item, name))
    },
  }
}

/** Vault's TypeSignedDurationSecond: like a duration, but "-1s" or -1 are allowed (they disable a setting). */
export function signedDurationField(opts: KvFieldOptions = {}): Field<number> {
  return {
    kind: 'duration',
    description: opts.description ?? '',
    required: false,
    sensitive: false,
    default: undefined,
    parse(value, name) {
      try {
        if (typeof value === 'number')
          return value < 0 ? -parseDuration(-value, name) : parseDuration(value, name)
        if (typeof value === 'string' && value.trim().startsWith('-')) {
          return -parseDuration(value.trim().slice(1), name)
        }
        return parseDuration(value, name)
      } catch (error) {
        const reason = (error as Error).message.replace(`${name}: `, '')
        throw new InvalidRequestError(`invalid value for "${name}": ${reason}`)
      }
    },
  }
}

export function requireNonNegative(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && value < 0) {
    throw new InvalidRequestError(`invalid value for "${name}": must be zero or a positive integer`)
  }
  return value
}

/**
 * Refuse paths that cannot be stored as one key: empty, a trailing "/" (that names a folder) or an
 * empty segment ("a//b"), which would make LIST show a nameless folder.
 */
export function checkWritePath(path: string): string {
  if (path === '') throw new InvalidRequestError('missing path')
  if (path.endsWith('/') || path.startsWith('/') || path.includes('//')) {
    throw new InvalidRequestError(
      `invalid path ${JSON.stringify(path)}: a secret path must not start or end with "/" or contain an empty segment`,
    )
  }
  return path
}
