// RotateSecret and CancelRotateSecret: the rotation configuration is stored and reported; running rotations is later work.
import { type ActionContext, arnOf } from '../context.ts'
import { invalidParameter, invalidRequest, validation } from '../errors.ts'
import { type Input, optBool, optString, secretIdOf, tokenOf } from '../input.ts'
import { putRecordOp, versionWithStage } from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'
import { CURRENT } from '../versions.ts'

const DAY_MS = 24 * 3600 * 1000

function rulesOf(input: Input): Record<string, unknown> | undefined {
  const raw = input['RotationRules']
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw validation('rotationRules', 'Member must be an object')
  const rules = raw as Record<string, unknown>
  const days = rules['AutomaticallyAfterDays']
  if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1000))
    throw invalidParameter('RotationRules.AutomaticallyAfterDays must be within 1-1000.')
  const schedule = rules['ScheduleExpression']
  if (schedule !== undefined && (typeof schedule !== 'string' || schedule.length > 256))
    throw validation('rotationRules.scheduleExpression', 'Member must have length less than or equal to 256')
  const duration = rules['Duration']
  if (duration !== undefined && (typeof duration !== 'string' || !/^[0-9]{1,2}h$/.test(duration)))
    throw validation('rotationRules.duration', 'Member must be a number of hours such as 3h')
  const out: Record<string, unknown> = {}
  if (days !== undefined) out['AutomaticallyAfterDays'] = days
  if (duration !== undefined) out['Duration'] = duration
  if (schedule !== undefined) out['ScheduleExpression'] = schedule
  return out
}

export async function rotateSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  tokenOf(input)
  const lambdaArn = optString(input, 'RotationLambdaARN', { max: 2048 })
  const rules = rulesOf(input)
  optBool(input, 'RotateImmediately')
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    const pending = versionWithStage(record, 'AWSPENDING')
    if (pending !== undefined && pending !== versionWithStage(record, CURRENT))
      throw invalidRequest('Previous rotation request is still in progress.')
    const rotation = { ...record.rotation, enabled: true }
    if (lambdaArn !== undefined) rotation.lambdaArn = lambdaArn
    if (rules !== undefined) rotation.rules = rules
    if (rotation.lambdaArn === undefined && rotation.rules === undefined)
      throw invalidRequest('No Lambda rotation function ARN is associated with this secret.')
    const days = rotation.rules?.['AutomaticallyAfterDays']
    if (typeof days === 'number') rotation.nextRotationDate = ctx.now() + days * DAY_MS
    else delete rotation.nextRotationDate
    record.rotation = rotation
    await ctx.storage.batch([putRecordOp(record)])
    return { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
  })
}

export async function cancelRotateSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    if (record.rotation) {
      record.rotation = { ...record.rotation, enabled: false }
      await ctx.storage.batch([putRecordOp(record)])
    }
    const pending = versionWithStage(record, 'AWSPENDING')
    return {
      ARN: arnOf(ctx, record.name, record.suffix),
      Name: record.name,
      ...(pending !== undefined ? { VersionId: pending } : {}),
    }
  })
}
