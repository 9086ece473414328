// ListSecrets filters: AWS's prefix and word matches per key, `!` negation, values OR-ed within a filter, filters AND-ed.
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
    // Key and Values are optional in AWS's model: leaving one out is the service's InvalidParameterException.
    if (filter?.Key === undefined || filter.Key === null)
      throw new AwsError('InvalidParameterException', 'Invalid filter key')
    if (typeof filter.Key !== 'string' || !KEYS.includes(filter.Key))
      throw validation(
        `filters.${i + 1}.member.key`,
        `Member must satisfy enum value set: [${KEYS.join(', ')}]`,
      )
    const values = filter.Values
    if (values === undefined || values === null)
      throw new AwsError('InvalidParameterException', `Invalid filter values for key: ${filter.Key}`)
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

/**
 * Search words as AWS splits them: at anything not a letter or digit, between letters and digits, and at case
 * changes: a lowercase run after an uppercase one takes the last capital (COMPANYthings is COMPAN and Ythings).
 */
export function searchWords(text: string): string[] {
  return text.match(/[0-9]+|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+/g) ?? []
}

/** The texts a key looks at; `words`: matched word by word, ignoring case (all, description). */
function attributes(
  record: SecretRecord,
  key: string,
  primaryRegion: string,
): { values: string[]; words: boolean } {
  switch (key) {
    case 'name':
      return { values: [record.name], words: false }
    case 'description':
      return { values: record.description === undefined ? [] : [record.description], words: true }
    case 'tag-key':
      return { values: record.tags.map((t) => t.Key), words: false }
    case 'tag-value':
      return { values: record.tags.map((t) => t.Value), words: false }
    case 'all':
      return {
        values: [record.name, record.description ?? '', ...record.tags.flatMap((t) => [t.Key, t.Value])],
        words: true,
      }
    case 'primary-region':
      return { values: [primaryRegion], words: false }
    default:
      // owning-service: this server has no owning services.
      return { values: [], words: false }
  }
}

/**
 * A case-sensitive prefix of one of the values; or, matched by words, each word of the search value begins some
 * word of the values, whatever the case (AWS's word search: a value without words matches nothing).
 */
function valueMatches(record: SecretRecord, key: string, value: string, primaryRegion: string): boolean {
  const { values, words } = attributes(record, key, primaryRegion)
  if (!words) return values.some((text) => text.startsWith(value))
  const wanted = searchWords(value).map((w) => w.toLowerCase())
  if (wanted.length === 0) return false
  const have = values.flatMap(searchWords).map((w) => w.toLowerCase())
  return wanted.every((w) => have.some((h) => h.startsWith(w)))
}

/**
 * Values within a filter are alternatives, a negated one (`!x`) matching where `x` does not; filters all apply.
 * `primaryRegion`: the record's, or the caller's for a record written before regions were kept.
 */
export function matchesFilters(record: SecretRecord, filters: Filter[], primaryRegion: string): boolean {
  return filters.every((filter) =>
    filter.Values.some((v) =>
      v.startsWith('!')
        ? !valueMatches(record, filter.Key, v.slice(1), primaryRegion)
        : valueMatches(record, filter.Key, v, primaryRegion),
    ),
  )
}
