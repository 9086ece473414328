// Reading an AWS action's JSON input against its model's constraints, with AWS's ValidationException wording.
import { AwsError } from './aws-error.ts'

export type Input = Record<string, unknown>

/** Member names in AWS's messages are camelCase (`secretId`), whatever the wire spelling. */
export const member = (name: string) => name.charAt(0).toLowerCase() + name.slice(1)

/** A model constraint (length, range, enum) as AWS words it; values are not echoed. */
export const validation = (memberName: string, constraint: string) =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value at '${memberName}' failed to satisfy constraint: ${constraint}`,
  )

export function optString(input: Input, name: string, limits: { min?: number; max?: number } = {}) {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'string') throw validation(member(name), 'Member must be a string')
  if (limits.min !== undefined && raw.length < limits.min)
    throw validation(member(name), `Member must have length greater than or equal to ${limits.min}`)
  if (limits.max !== undefined && raw.length > limits.max)
    throw validation(member(name), `Member must have length less than or equal to ${limits.max}`)
  return raw
}

export function reqString(input: Input, name: string, limits: { min?: number; max?: number } = {}): string {
  const value = optString(input, name, limits)
  if (value === undefined) throw validation(member(name), 'Member must not be null')
  return value
}

export function optBool(input: Input, name: string): boolean | undefined {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'boolean') throw validation(member(name), 'Member must be a boolean')
  return raw
}

export function optInt(input: Input, name: string, min: number, max: number): number | undefined {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'number' || !Number.isInteger(raw))
    throw validation(member(name), 'Member must be an integer')
  if (raw < min) throw validation(member(name), `Member must have value greater than or equal to ${min}`)
  if (raw > max) throw validation(member(name), `Member must have value less than or equal to ${max}`)
  return raw
}

/** AWS's JSON protocols carry timestamps as seconds since the epoch, fractions allowed. */
export const epochSeconds = (ms: number) => ms / 1000

/** A string member from the model's enum: any other value is a ValidationException, as AWS checks it. */
export function optEnum<T extends string>(input: Input, name: string, values: readonly T[]): T | undefined {
  const value = optString(input, name)
  if (value !== undefined && !(values as readonly string[]).includes(value))
    throw validation(member(name), `Member must satisfy enum value set: [${values.join(', ')}]`)
  return value as T | undefined
}
