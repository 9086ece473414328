// UpdateSecretVersionStage: attach, move or detach one staging label under AWS's invariants.
import { type ActionContext, arnOf } from '../context.ts'
import { type Input, optString, reqString, secretIdOf } from '../input.ts'
import { putRecordOp } from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'
import { moveStage } from '../versions.ts'

export async function updateSecretVersionStage(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const stage = reqString(input, 'VersionStage', { min: 1, max: 256 })
  const removeFrom = optString(input, 'RemoveFromVersionId', { min: 32, max: 64 })
  const moveTo = optString(input, 'MoveToVersionId', { min: 32, max: 64 })
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    moveStage(record, stage, removeFrom, moveTo)
    await ctx.storage.batch([putRecordOp(record)])
    return { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
  })
}
