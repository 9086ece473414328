// ParameterFilters against the model's constraints, every violation reported in one ValidationException as AWS reports them.
import { AwsError } from './errors.ts'

/** The model's pattern for a filter key; keys an action does not take are the action's own InvalidFilterKey. */
const KEY_PATTERN = 'tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType'
const KEY = new RegExp(`^(?:${KEY_PATTERN})$`)

const LENGTH_1_TO_1024 =
  'Member must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length ' +
  'greater than or equal to 1]'

function lengthViolations(length: number, min: number, max: number): string[] {
  if (length > max) return [`Member must have length less than or equal to ${max}`]
  if (length < min) return [`Member must have length greater than or equal to ${min}`]
  return []
}

/** The violations of one filter: each `[member, constraint]`, members numbered from 1 as AWS numbers them. */
function violationsOf(item: unknown, at: string): [string, string][] {
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    return [[at, 'Member must be a structure']]
  const { Key, Option, Values } = item as { Key?: unknown; Option?: unknown; Values?: unknown }
  const out: [string, string][] = []
  const member = (name: string, constraints: string[]) => {
    for (const constraint of constraints) out.push([`${at}.member.${name}`, constraint])
  }
  if (Key === undefined || Key === null) member('key', ['Member must not be null'])
  else if (typeof Key !== 'string') member('key', ['Member must be a string'])
  else
    member('key', [
      ...lengthViolations(Key.length, 1, 132),
      ...(KEY.test(Key) ? [] : [`Member must satisfy regular expression pattern: ${KEY_PATTERN}`]),
    ])
  if (Option !== undefined && Option !== null)
    member(
      'option',
      typeof Option === 'string' ? lengthViolations(Option.length, 1, 10) : ['Member must be a string'],
    )
  if (Values !== undefined && Values !== null) {
    if (!Array.isArray(Values)) member('values', ['Member must be a list'])
    else {
      member('values', lengthViolations(Values.length, 1, 50))
      if (Values.some((v) => typeof v !== 'string')) member('values', ['Member must be a list of strings'])
      else if (Values.some((v: string) => v.length < 1 || v.length > 1024))
        member('values', [LENGTH_1_TO_1024])
    }
  }
  return out
}

/** Throws AWS's ValidationException naming every constraint the filters break (values are not echoed). */
export function checkFilterModel(raw: unknown): void {
  if (raw === undefined || raw === null) return
  const items = Array.isArray(raw) ? raw : undefined
  const violations: [string, string][] = items
    ? items.flatMap((item, i) => violationsOf(item, `parameterFilters.${i + 1}`))
    : [['parameterFilters', 'Member must be a list']]
  if (violations.length === 0) return
  const listed = violations.map(
    ([at, constraint]) => `Value at '${at}' failed to satisfy constraint: ${constraint}`,
  )
  const count = violations.length === 1 ? '1 validation error' : `${violations.length} validation errors`
  throw new AwsError('ValidationException', `${count} detected: ${listed.join('; ')}`)
}
