// ListSecrets filters: AWS's prefix matches per key, `!` negation, values OR-ed within a filter, filters AND-ed.
import { AwsError, validation } from './errors.ts'
import type { SecretRecord } from './model.ts'

export interface Filter {
  Key: string
  Values: string[]
}

const KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']
const VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/

export function parseFilters(raw: unknown): Filter[] | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw)) throw validation('filters', 'Member must be a list')
  if (raw.length > 10) throw validation('filters', 'Member must have length less than or equal to 10')
  return raw.map((item: unknown, i) => {
    const filter = item as { Key?: unknown; Values?: unknown }
    if (typeof filter?.Key !== 'string' || !KEYS.includes(filter.Key))
      throw validation(
        `filters.${i + 1}.member.key`,
        `Member must satisfy enum value set: [${KEYS.join(', ')}]`,
      )
    const values = filter.Values
    if (!Array.isArray(values) || values.length < 1 || values.length > 10)
      throw validation(`filters.${i + 1}.member.values`, 'Member must have length between 1 and 10')
    for (const value of values)
      if (typeof value !== 'string' || value.length > 512 || !VALUE.test(value))
        throw new AwsError(
          'InvalidParameterException',
          'Invalid filter value: use at most 512 letters, digits, spaces and :_@/+=.-! characters.',
        )
    return { Key: filter.Key, Values: values as string[] }
  })
}

/** The attribute values a key looks at, and whether its prefix match ignores case. */
function attributes(
  record: SecretRecord,
  key: string,
  primaryRegion: string,
): { values: string[]; caseless: boolean } {
  switch (key) {
    case 'name':
      return { values: [record.name], caseless: false }
    case 'description':
      return { values: record.description === undefined ? [] : [record.description], caseless: true }
    case 'tag-key':
      return { values: record.tags.map((t) => t.Key), caseless: false }
    case 'tag-value':
      return { values: record.tags.map((t) => t.Value), caseless: false }
    case 'all':
      return {
        values: [record.name, record.description ?? '', ...record.tags.flatMap((t) => [t.Key, t.Value])]
          .flatMap((text) => text.split(/\s+/))
          .filter((word) => word !== ''),
        caseless: true,
      }
    case 'primary-region':
      return { values: [primaryRegion], caseless: false }
    default:
      // owning-service: this server has no owning services.
      return { values: [], caseless: false }
  }
}

function prefixMatch(values: string[], prefix: string, caseless: boolean): boolean {
  const wanted = caseless ? prefix.toLowerCase() : prefix
  return values.some((value) => (caseless ? value.toLowerCase() : value).startsWith(wanted))
}

/** `all` splits its value into words, each of which must match some attribute. */
function valueMatches(record: SecretRecord, key: string, value: string, primaryRegion: string): boolean {
  const { values, caseless } = attributes(record, key, primaryRegion)
  if (key === 'all') {
    const words = value.split(/\s+/).filter((w) => w !== '')
    return words.every((word) => prefixMatch(values, word, caseless))
  }
  return prefixMatch(values, value, caseless)
}

/** `primaryRegion`: the record's, or the caller's for a record written before regions were kept. */
export function matchesFilters(record: SecretRecord, filters: Filter[], primaryRegion: string): boolean {
  return filters.every((filter) => {
    const positive = filter.Values.filter((v) => !v.startsWith('!'))
    const negative = filter.Values.filter((v) => v.startsWith('!')).map((v) => v.slice(1))
    if (negative.some((v) => valueMatches(record, filter.Key, v, primaryRegion))) return false
    return positive.length === 0 || positive.some((v) => valueMatches(record, filter.Key, v, primaryRegion))
  })
}
