// AddTagsToResource, RemoveTagsFromResource and ListTagsForResource for ResourceType Parameter.
import { parseParameterRef } from '../../../../sdk/aws-ssm-routes.ts'
import type { SsmContext } from '../context.ts'
import { AwsError, invalidResourceId, invalidResourceType, validation } from '../errors.ts'
import { type Input, reqString, reqStringList } from '../input.ts'
import { loadRecord, lockKey, type ParameterRecord, putRecordOp, type Tag } from '../model.ts'

const MAX_TAGS = 50

/** A Tags list (Key 1–128, Value 0–256); undefined when absent. */
/** The model's tag key and value pattern: letters, separators, numbers and `_.:/=+-@`. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u
const TAG_PATTERN = 'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$'

export function parseTags(input: Input, name: string, min: number): Tag[] | undefined {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  const member = name.charAt(0).toLowerCase() + name.slice(1)
  if (!Array.isArray(raw)) throw validation(member, 'Member must be a list of tags')
  if (raw.length < min) throw validation(member, `Member must have length greater than or equal to ${min}`)
  if (raw.length > 1000) throw validation(member, 'Member must have length less than or equal to 1000')
  return raw.map((item: unknown) => {
    const tag = item as { Key?: unknown; Value?: unknown }
    if (typeof tag?.Key !== 'string' || tag.Key.length < 1 || tag.Key.length > 128)
      throw validation(`${member}.member.key`, 'Member must have length between 1 and 128')
    if (typeof tag.Value !== 'string' || tag.Value.length > 256)
      throw validation(`${member}.member.value`, 'Member must have length less than or equal to 256')
    if (!TAG_TEXT.test(tag.Key)) throw validation(`${member}.member.key`, TAG_PATTERN)
    if (!TAG_TEXT.test(tag.Value)) throw validation(`${member}.member.value`, TAG_PATTERN)
    return { Key: tag.Key, Value: tag.Value }
  })
}

/**
 * `tags` with `added` merged in: tags are a map, so a key given again (or twice in `added`) keeps its last value;
 * TooManyTagsError past 50.
 */
export function mergeTags(tags: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = [...tags]
  for (const tag of added) {
    const at = merged.findIndex((t) => t.Key === tag.Key)
    if (at >= 0) merged[at] = tag
    else merged.push(tag)
  }
  if (merged.length > MAX_TAGS)
    throw new AwsError(
      'TooManyTagsError',
      'The Targets parameter includes too many tags. Remove one or more tags and try the request again.',
    )
  return merged
}

async function resource(ctx: SsmContext, input: Input): Promise<ParameterRecord> {
  const type = reqString(input, 'ResourceType')
  if (type !== 'Parameter') throw invalidResourceType()
  const id = reqString(input, 'ResourceId', { min: 1 })
  const record = await loadRecord(ctx.storage, parseParameterRef(id).name)
  if (!record) throw invalidResourceId()
  return record
}

/** The parameter a tag action locks: ResourceId read as a string first (converting an object could throw). */
const nameOf = (input: Input) => lockKey(parseParameterRef(reqString(input, 'ResourceId', { min: 1 })).name)

export async function addTagsToResource(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const tags = parseTags(input, 'Tags', 1)
  if (tags === undefined) throw validation('tags', 'Member must not be null')
  return ctx.locks.run(nameOf(input), async () => {
    const record = await resource(ctx, input)
    record.tags = mergeTags(record.tags, tags)
    await ctx.storage.batch([putRecordOp(record)])
    return {}
  })
}

export async function removeTagsFromResource(
  ctx: SsmContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const keys = reqStringList(input, 'TagKeys', { min: 0, max: 1000 })
  if (keys.some((key) => !TAG_TEXT.test(key))) throw validation('tagKeys.member', TAG_PATTERN)
  return ctx.locks.run(nameOf(input), async () => {
    const record = await resource(ctx, input)
    record.tags = record.tags.filter((t) => !keys.includes(t.Key))
    await ctx.storage.batch([putRecordOp(record)])
    return {}
  })
}

export async function listTagsForResource(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const record = await resource(ctx, input)
  return { TagList: record.tags.map((t) => ({ ...t })) }
}
