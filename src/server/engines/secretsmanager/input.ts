// Reading an action's JSON input with the model's constraints; member names in messages are camelCase as AWS prints them.
import { type Input, member, reqString, validation } from '../../../sdk/aws-input.ts'
import { invalidParameter } from './errors.ts'
import type { SecretValue, Tag } from './model.ts'

export { epochSeconds, type Input, optBool, optInt, optString, reqString } from '../../../sdk/aws-input.ts'

export function optStringList(
  input: Input,
  name: string,
  limits: { min: number; max: number; itemMax: number },
) {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw) || raw.some((item) => typeof item !== 'string' || item.length === 0))
    throw validation(member(name), 'Member must be a list of non-empty strings')
  if (raw.length < limits.min)
    throw validation(member(name), `Member must have length greater than or equal to ${limits.min}`)
  if (raw.length > limits.max)
    throw validation(member(name), `Member must have length less than or equal to ${limits.max}`)
  if (raw.some((item: string) => item.length > limits.itemMax))
    throw validation(member(name), `Member must have length less than or equal to ${limits.itemMax}`)
  return raw as string[]
}

/** SecretId: a name, a full ARN or a partial ARN. */
export const secretIdOf = (input: Input) => reqString(input, 'SecretId', { min: 1, max: 2048 })

/** ClientRequestToken becomes the VersionId; moto and AWS both insist on 32–64 characters. */
export function tokenOf(input: Input): string | undefined {
  const token = input['ClientRequestToken']
  if (token === undefined || token === null) return undefined
  if (typeof token !== 'string' || token.length < 32 || token.length > 64)
    throw invalidParameter('ClientRequestToken must be 32-64 characters long.')
  return token
}

export const VALUE_MAX_BYTES = 65536
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** SecretString xor SecretBinary (base64 on the wire); undefined when neither is given. */
export function secretValueOf(input: Input): SecretValue | undefined {
  const text = input['SecretString']
  const binary = input['SecretBinary']
  const hasText = text !== undefined && text !== null
  const hasBinary = binary !== undefined && binary !== null
  if (hasText && hasBinary)
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    )
  if (hasText) {
    if (typeof text !== 'string') throw validation('secretString', 'Member must be a string')
    const bytes = Buffer.byteLength(text)
    if (bytes < 1) throw validation('secretString', 'Member must have length greater than or equal to 1')
    if (bytes > VALUE_MAX_BYTES)
      throw validation('secretString', `Member must have length less than or equal to ${VALUE_MAX_BYTES}`)
    return { SecretString: text }
  }
  if (hasBinary) {
    if (typeof binary !== 'string' || binary.length % 4 !== 0 || !BASE64.test(binary))
      throw validation('secretBinary', 'Member must be base64-encoded binary data')
    const bytes = Buffer.from(binary, 'base64').length
    if (bytes < 1) throw validation('secretBinary', 'Member must have length greater than or equal to 1')
    if (bytes > VALUE_MAX_BYTES)
      throw validation('secretBinary', `Member must have length less than or equal to ${VALUE_MAX_BYTES}`)
    return { SecretBinary: binary }
  }
  return undefined
}

/** The CreateSecret name rule: 1–512 of letters, digits and /_+=.@- . */
const NAME = /^[A-Za-z0-9/_+=.@-]+$/

export function nameOf(input: Input): string {
  const name = reqString(input, 'Name', { min: 1, max: 512 })
  if (!NAME.test(name))
    throw invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    )
  return name
}

export function tagsOf(input: Input, name = 'Tags'): Tag[] | undefined {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw)) throw validation(member(name), 'Member must be a list of tags')
  return raw.map((item: unknown) => {
    const tag = item as { Key?: unknown; Value?: unknown }
    if (typeof tag?.Key !== 'string' || tag.Key.length < 1 || tag.Key.length > 128)
      throw validation(`${member(name)}.member.key`, 'Member must have length between 1 and 128')
    const value = tag.Value ?? ''
    if (typeof value !== 'string' || value.length > 256)
      throw validation(`${member(name)}.member.value`, 'Member must have length less than or equal to 256')
    // AWS keeps the aws: prefix for its own tags, which callers can neither add nor edit.
    if (tag.Key.toLowerCase().startsWith('aws:'))
      throw invalidParameter('Tag keys beginning with aws: are reserved for AWS use.')
    return { Key: tag.Key, Value: value }
  })
}

/** AWS's limit on a secret's tags. */
export const MAX_TAGS = 50

/** Merge `added` into `tags`: a key given again takes the new value (AWS keys are case-sensitive); at most 50. */
export function mergeTags(tags: Tag[], added: Tag[]): Tag[] {
  const out = tags.filter((t) => !added.some((a) => a.Key === t.Key))
  for (const tag of added) {
    const i = out.findIndex((t) => t.Key === tag.Key)
    if (i >= 0) out[i] = tag
    else out.push(tag)
  }
  if (out.length > MAX_TAGS)
    throw invalidParameter(
      `A secret can have at most ${MAX_TAGS} tags; this request would give it ${out.length}.`,
    )
  return out
}

/** Epoch seconds as AWS's JSON numbers carry them (milliseconds kept as a fraction). */
