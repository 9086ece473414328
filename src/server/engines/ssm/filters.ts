// ParameterFilters (and DescribeParameters' older Filters): parsed once, matched against a parameter version.
import {
  invalidFilterKey,
  invalidFilterOption,
  invalidFilterValue,
  validation,
  validationMessage,
} from './errors.ts'
import { checkFilterModel } from './filter-model.ts'
import type { ParameterRecord, ParameterVersion } from './model.ts'

export interface Filter {
  key: string
  option: string
  values: string[]
}

/** Where the filters are used: DescribeParameters, or GetParametersByPath (whose Path is its own member). */
export type FilterUse = 'describe' | 'path'

/** DescribeParameters takes every key but Label (and tag:<key>); GetParametersByPath only Type, KeyId and Label. */
const DESCRIBE_KEYS = ['Path', 'Name', 'Type', 'KeyId', 'Tier', 'DataType']
const PATH_KEYS = ['Type', 'KeyId', 'Label']

/** Every key takes BeginsWith and Equals, but Name also Contains, Path only its own two and Label only Equals. */
function optionsOf(key: string): string[] {
  if (key === 'Name') return ['BeginsWith', 'Equals', 'Contains']
  if (key === 'Path') return ['Recursive', 'OneLevel']
  if (key === 'Label') return ['Equals']
  return ['BeginsWith', 'Equals']
}
const defaultOption = (key: string) => (key === 'Path' ? 'OneLevel' : 'Equals')

/** Values an Equals filter on these keys can match at all; any other is the caller's mistake. */
const KNOWN_VALUES: Record<string, string[]> = {
  Type: ['String', 'StringList', 'SecureString'],
  Tier: ['Standard', 'Advanced', 'Intelligent-Tiering'],
}

/** A hierarchy: a leading slash, then sub-paths of letters, digits and `.-_`, none empty (a trailing slash is fine). */
const HIERARCHY = /^\/(?:[a-zA-Z0-9_.-]+\/)*(?:[a-zA-Z0-9_.-]+)?$/

const invalidPath = () =>
  validationMessage(
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash " +
      '"/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the ' +
      'following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, ' +
      'if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
  )

function checkPathValue(value: string): void {
  const lower = value.toLowerCase()
  if (lower.startsWith('/aws') || lower.startsWith('/ssm'))
    throw validationMessage(
      'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using ' +
        'global parameters, please specify within a global namespace.',
    )
  if (!HIERARCHY.test(value)) throw invalidPath()
}

/** The model's constraints first (checkFilterModel), then what the action itself takes. */
export function parseFilters(raw: unknown, use: FilterUse): Filter[] {
  checkFilterModel(raw)
  if (raw === undefined || raw === null) return []
  const keys = use === 'describe' ? DESCRIBE_KEYS : PATH_KEYS
  const seen = new Set<string>()
  return (raw as { Key: string; Option?: string | null; Values?: string[] | null }[]).map(
    ({ Key, Option, Values }) => {
      const isTag = Key.startsWith('tag:') && use === 'describe'
      if (!isTag && !keys.includes(Key))
        throw invalidFilterKey(
          `The following filter key is not valid: ${Key}. Valid filter keys include: [${keys.join(', ')}].`,
        )
      if (seen.has(Key))
        throw invalidFilterKey(
          `The following filter is duplicated in the request: ${Key}. A request can contain only one occurrence of a specific filter.`,
        )
      seen.add(Key)
      const allowed = optionsOf(isTag ? 'tag' : Key)
      const option = Option ?? defaultOption(Key)
      if (!allowed.includes(option))
        throw invalidFilterOption(
          `The following filter option is not valid: ${option}. Valid options include: [${allowed.join(', ')}].`,
        )
      const values = Values ?? []
      if (!isTag && values.length === 0)
        throw invalidFilterValue(`The following filter values are missing : null for filter key ${Key}.`)
      const known = KNOWN_VALUES[Key]
      const unknown =
        option === 'Equals' ? values.find((v) => known !== undefined && !known.includes(v)) : undefined
      if (unknown !== undefined)
        throw invalidFilterValue(
          `The following filter value is not valid: ${unknown}. Valid values include: [${known!.join(', ')}].`,
        )
      if (Key === 'Path') for (const value of values) checkPathValue(value)
      return { key: Key, option, values }
    },
  )
}

/** DescribeParameters' older Filters: Name (BeginsWith), Type and KeyId (Equals). */
export function parseLegacyFilters(raw: unknown): Filter[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw validation('filters', 'Member must be a list')
  return raw.map((item: unknown) => {
    const { Key, Values } = (item ?? {}) as { Key?: unknown; Values?: unknown }
    if (Key !== 'Name' && Key !== 'Type' && Key !== 'KeyId')
      throw validation('filters.member.key', 'Member must satisfy enum value set: [Name, Type, KeyId]')
    if (!Array.isArray(Values) || Values.length < 1 || Values.some((v) => typeof v !== 'string'))
      throw validation('filters.member.values', 'Member must not be null')
    return { key: Key, option: Key === 'Name' ? 'BeginsWith' : 'Equals', values: Values as string[] }
  })
}

/**
 * A name as AWS compares it: with its leading slash. `foo` is the same parameter as `/foo`, so it sits directly
 * under the root `/` and a Name filter for `/foo` (or a Contains `/fo`) finds it.
 */
const slashed = (name: string) => (name.startsWith('/') ? name : `/${name}`)

/** Whether `name` is directly in (OneLevel) or anywhere below (Recursive) the hierarchy `path`. */
export function inPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`
  const full = slashed(name)
  if (!full.startsWith(prefix)) return false
  return recursive || !full.slice(prefix.length).includes('/')
}

/** Equals or BeginsWith `actual` against any of the filter's values. */
const matches = (actual: string | undefined, option: string, values: string[]) =>
  actual !== undefined && values.some((v) => (option === 'BeginsWith' ? actual.startsWith(v) : actual === v))

function matchOne(filter: Filter, record: ParameterRecord, version: ParameterVersion): boolean {
  const { key, option, values } = filter
  if (key.startsWith('tag:')) {
    const tag = record.tags.find((t) => t.Key === key.slice(4))
    if (!tag) return false
    return values.length === 0 || matches(tag.Value, option, values)
  }
  switch (key) {
    case 'Name':
      return option === 'Contains'
        ? values.some((v) => slashed(record.name).includes(v))
        : matches(slashed(record.name), option, values.map(slashed))
    case 'Path':
      return values.some((v) => inPath(record.name, v, option === 'Recursive'))
    case 'Type':
      return matches(version.type, option, values)
    case 'KeyId':
      return matches(version.keyId, option, values)
    case 'Tier':
      return matches(version.tier, option, values)
    case 'DataType':
      return matches(version.dataType, option, values)
    case 'Label':
      return values.some((v) => version.labels.includes(v))
    default:
      return false
  }
}

/** Filters AND-ed, a filter's values OR-ed. */
export function matchesAll(filters: Filter[], record: ParameterRecord, version: ParameterVersion): boolean {
  return filters.every((filter) => matchOne(filter, record, version))
}
