// DeleteSecret (scheduled after a 7–30 day recovery window, or at once when forced) and RestoreSecret.
import { randomAlphanumeric } from '../../../../lib/random.ts'
import { parseSecretId } from '../../../../sdk/aws-secretsmanager-routes.ts'
import { type ActionContext, arnOf } from '../context.ts'
import { hasReplicas, invalidParameter, markedForDeletion, validation } from '../errors.ts'
import { epochSeconds, type Input, optBool, secretIdOf } from '../input.ts'
import { putRecordOp, storeIdOf } from '../model.ts'
import { purgeOps } from '../purge.ts'
import { findPrimary, findSecret, findSecretOrUndefined, lockKey, requirePrimary } from '../resolve.ts'

const DAY_MS = 24 * 3600 * 1000

export async function deleteSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const force = optBool(input, 'ForceDeleteWithoutRecovery') ?? false
  const rawWindow = input['RecoveryWindowInDays']
  if (rawWindow !== undefined && rawWindow !== null && typeof rawWindow !== 'number')
    throw validation('recoveryWindowInDays', 'Member must be a number')
  const window = rawWindow ?? undefined
  // AWS checks the range before the combination: a window of 0 with ForceDeleteWithoutRecovery is a range error.
  if (window !== undefined && (!Number.isInteger(window) || window < 7 || window > 30))
    throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).')
  if (force && window !== undefined)
    throw invalidParameter(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    )
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const now = ctx.now()
    const record = await findSecretOrUndefined(ctx, secretId)
    if (!record) {
      // AWS answers a forced delete of an unknown secret with success, so cleanup scripts can be re-run.
      if (force) {
        const name = parseSecretId(secretId).name
        return { ARN: arnOf(ctx, name, randomAlphanumeric(6)), Name: name, DeletionDate: epochSeconds(now) }
      }
      await findSecret(ctx, secretId)
    }
    const found = requirePrimary(ctx, record!)
    // AWS keeps a primary while replicas depend on it: they are removed first (RemoveRegionsFromReplication).
    if (Object.keys(found.replicas ?? {}).length > 0) throw hasReplicas(found.name)
    const arn = arnOf(ctx, found.name, found.suffix)
    if (force) {
      await ctx.storage.batch(await purgeOps(ctx.storage, storeIdOf(found)))
      ctx.state.access.delete(storeIdOf(found))
      return { ARN: arn, Name: found.name, DeletionDate: epochSeconds(now) }
    }
    if (found.deletedDate !== undefined) throw markedForDeletion()
    found.deletedDate = now
    found.deletionDate = now + (window ?? 30) * DAY_MS
    await ctx.storage.batch([putRecordOp(found)])
    ctx.state.dueAt(found.deletionDate)
    return { ARN: arn, Name: found.name, DeletionDate: epochSeconds(found.deletionDate) }
  })
}

export async function restoreSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = await findPrimary(ctx, secretId)
    if (record.deletedDate !== undefined) {
      delete record.deletedDate
      delete record.deletionDate
      await ctx.storage.batch([putRecordOp(record)])
    }
    return { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
  })
}
