// Reading an action's JSON input with the model's constraints; member names in messages are camelCase as AWS prints them.
import { validation } from './errors.ts'

export type Input = Record<string, unknown>

const member = (name: string) => name.charAt(0).toLowerCase() + name.slice(1)

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
export const epochSeconds = (ms: number) => ms / 1000
