// Field types and input checks the KV engine needs beyond the sdk's: version lists, signed durations, paths.
import { parseDuration } from '../../../lib/duration.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Field } from '../../../sdk/framework/fields.ts'

interface KvFieldOptions {
  description?: string
}

function toInt(value: unknown, name: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value
  if (typeof n === 'number' && Number.isInteger(n)) return n
  throw new InvalidRequestError(
    `invalid value for "${name}": expected a list of integers such as [1, 2] or "1,2"`,
  )
}

/** Vault's TypeCommaIntSlice: [1, 2], "1,2" or a single 3. */
export function intListField(opts: KvFieldOptions = {}): Field<number[]> {
  return {
    kind: 'list',
    description: opts.description ?? '',
    required: false,
    sensitive: false,
    default: undefined,
    parse(value, name) {
      if (typeof value === 'number') return [toInt(value, name)]
      const items = typeof value === 'string' ? value.split(',').filter((item) => item.trim() !== '') : value
      if (!Array.isArray(items))
        throw new InvalidRequestError(`invalid value for "${name}": expected a list of integers`)
      return items.map((item) => toInt(item, name))
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
