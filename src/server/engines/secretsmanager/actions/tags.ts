// TagResource and UntagResource: case-sensitive keys; a key tagged again takes the new value. No output members.
import type { ActionContext } from '../context.ts'
import { validation } from '../errors.ts'
import { type Input, mergeTags, optStringList, secretIdOf, tagsOf } from '../input.ts'
import { putRecordOp } from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'

export async function tagResource(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const tags = tagsOf(input)
  if (tags === undefined) throw validation('tags', 'Member must not be null')
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    record.tags = mergeTags(record.tags, tags)
    record.tagged = true
    await ctx.storage.batch([putRecordOp(record)])
    return {}
  })
}

export async function untagResource(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const keys = optStringList(input, 'TagKeys', { min: 0, max: 50, itemMax: 128 })
  if (keys === undefined) throw validation('tagKeys', 'Member must not be null')
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    record.tags = record.tags.filter((t) => !keys.includes(t.Key))
    await ctx.storage.batch([putRecordOp(record)])
    return {}
  })
}
