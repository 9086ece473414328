// ParameterFilters (and DescribeParameters' older Filters): parsed once, matched against a parameter version.
import {
  invalidFilterKey,
  invalidFilterOption,
  invalidFilterValue,
  validation,
  validationMessage,
} from './errors.ts'
import type { ParameterRecord, ParameterVersion } from './model.ts'

export interface Filter {
  key: string
  option: string
  values: string[]
}

/** Where the filters are used: DescribeParameters, or GetParametersByPath (whose Path is its own member). */
export type FilterUse = 'describe' | 'path'

const DESCRIBE_KEYS = ['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType']
const PATH_KEYS = ['Type', 'KeyId', 'Label', 'DataType']

const OPTIONS: Record<string, string[]> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Path: ['Recursive', 'OneLevel'],
  Label: ['Equals'],
}
const defaultOption = (key: string) => (key === 'Path' ? 'OneLevel' : 'Equals')

export function parseFilters(raw: unknown, use: FilterUse): Filter[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw validation('parameterFilters', 'Member must be a list')
  const keys = use === 'describe' ? DESCRIBE_KEYS : PATH_KEYS
  const seen = new Set<string>()
  return raw.map((item: unknown) => {
    const { Key, Option, Values } = (item ?? {}) as { Key?: unknown; Option?: unknown; Values?: unknown }
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 132)
      throw validation('parameterFilters.member.key', 'Member must have length between 1 and 132')
    const isTag = Key.startsWith('tag:') && Key.length > 4
    if (!isTag && !keys.includes(Key))
      throw invalidFilterKey(
        `The following filter key is not valid: ${Key}. Valid filter keys include: [${keys.join(', ')}].`,
      )
    if (seen.has(Key))
      throw invalidFilterKey(
        `The following filter is duplicated in the request: ${Key}. A request can contain only one occurrence of a specific filter.`,
      )
    seen.add(Key)
    const allowed = isTag ? ['Equals', 'BeginsWith'] : (OPTIONS[Key] ?? ['Equals'])
    const option = Option === undefined || Option === null ? defaultOption(Key) : Option
    if (typeof option !== 'string' || !allowed.includes(option))
      throw invalidFilterOption(
        `The following filter option is not valid: ${String(option)}. Valid options include: [${allowed.join(', ')}].`,
      )
    const values = Values === undefined || Values === null ? [] : Values
    if (
      !Array.isArray(values) ||
      values.some((v) => typeof v !== 'string' || v.length < 1 || v.length > 1024)
    )
      throw validation(
        'parameterFilters.member.values',
        'Member must be a list of 1 to 1024 character strings',
      )
    if (values.length > 50)
      throw validation('parameterFilters.member.values', 'Member must have length less than or equal to 50')
    if (!isTag && values.length === 0)
      throw invalidFilterValue(`The following filter values are missing : null for filter key ${Key}.`)
    if (Key === 'Path')
      for (const value of values as string[]) {
        const lower = value.toLowerCase()
        if (lower.startsWith('/aws') || lower.startsWith('/ssm'))
          throw validationMessage(
            'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using ' +
              'global parameters, please specify within a global namespace.',
          )
        if (!value.startsWith('/'))
          throw validationMessage(
            'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
          )
      }
    return { key: Key, option, values: values as string[] }
  })
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

function matchOne(filter: Filter, record: ParameterRecord, version: ParameterVersion): boolean {
  const { key, option, values } = filter
  if (key.startsWith('tag:')) {
    const tag = record.tags.find((t) => t.Key === key.slice(4))
    if (!tag) return false
    if (values.length === 0) return true
    return values.some((v) => (option === 'BeginsWith' ? tag.Value.startsWith(v) : tag.Value === v))
  }
  switch (key) {
    case 'Name':
      return values.some((v) =>
        option === 'BeginsWith'
          ? slashed(record.name).startsWith(slashed(v))
          : option === 'Contains'
            ? slashed(record.name).includes(v)
            : slashed(record.name) === slashed(v),
      )
    case 'Path':
      return values.some((v) => inPath(record.name, v, option === 'Recursive'))
    case 'Type':
      return values.includes(version.type)
    case 'KeyId':
      return version.keyId !== undefined && values.includes(version.keyId)
    case 'Tier':
      return values.includes(version.tier)
    case 'DataType':
      return values.includes(version.dataType)
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
