// Reading an action's JSON input with the model's constraints; member names in messages are camelCase as AWS prints them.
import { type Input, member, validation } from '../../../sdk/aws-input.ts'

export { epochSeconds, type Input, optBool, optInt, optString, reqString } from '../../../sdk/aws-input.ts'

export function reqStringList(input: Input, name: string, limits: { min: number; max: number }): string[] {
  const raw = input[name]
  if (raw === undefined || raw === null) throw validation(member(name), 'Member must not be null')
  if (!Array.isArray(raw) || raw.some((item) => typeof item !== 'string'))
    throw validation(member(name), 'Member must be a list of strings')
  if (raw.length < limits.min)
    throw validation(member(name), `Member must have length greater than or equal to ${limits.min}`)
  if (raw.length > limits.max)
    throw validation(member(name), `Member must have length less than or equal to ${limits.max}`)
  return raw as string[]
}

/** Epoch seconds as AWS's JSON numbers carry them (milliseconds kept as a fraction). */
