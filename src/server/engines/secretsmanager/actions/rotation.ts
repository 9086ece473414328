// RotateSecret and CancelRotateSecret: the rotation configuration, an immediate rotation, and stopping rotations.
import { uuid } from '../../../../lib/random.ts'
import { AwsError } from '../../../../sdk/aws-error.ts'
import type { RotationRunner } from '../../../../sdk/rotation-runner.ts'
import { type ActionContext, arnOf } from '../context.ts'
import { invalidParameter, invalidRequest, validation } from '../errors.ts'
import { type Input, optBool, optString, secretIdOf, tokenOf } from '../input.ts'
import { putRecordOp, type RotationConfig, versionWithStage } from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'
import { beginRotation } from '../rotation-job.ts'
import { PENDING, planNext, rotationWakeAt, unfinishedPending } from '../rotation-plan.ts'
import { parseSchedule, type RotationRules } from '../schedule.ts'

/** AWS's answer when it cannot invoke the function a RotationLambdaARN names. */
const cannotInvoke = () =>
  new AwsError(
    'AccessDeniedException',
    'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
  )

function rulesOf(input: Input): RotationRules | undefined {
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
  const out: RotationRules = {}
  if (days !== undefined) out.AutomaticallyAfterDays = days
  if (duration !== undefined) out.Duration = duration
  if (schedule !== undefined) out.ScheduleExpression = schedule
  return out
}

/** The function a RotationLambdaARN names must be registered (or built in): AWS refuses one it cannot invoke. */
function checkFunction(runner: RotationRunner | undefined, lambdaArn: string): void {
  if (runner?.resolve(lambdaArn) === undefined) throw cannotInvoke()
}

/**
 * The members of a managed external secret's partner rotation: read as AWS reads them (the rotation itself is this
 * server's), so a malformed one is refused rather than passed over.
 */
function checkExternalRotation(input: Input): void {
  optString(input, 'ExternalSecretRotationRoleArn', { min: 20, max: 2048 })
  const metadata = input['ExternalSecretRotationMetadata']
  if (metadata === undefined || metadata === null) return
  const isString = (v: unknown, max: number) => typeof v === 'string' && v.length >= 1 && v.length <= max
  if (
    !Array.isArray(metadata) ||
    metadata.some(
      (item) =>
        item === null ||
        typeof item !== 'object' ||
        (item.Key !== undefined && !isString(item.Key, 256)) ||
        (item.Value !== undefined && !isString(item.Value, 2048)),
    )
  )
    throw validation(
      'externalSecretRotationMetadata',
      'Member must be a list of {Key, Value} with Key 1 to 256 and Value 1 to 2048 characters',
    )
}

/**
 * Store the configuration and, unless RotateImmediately is false, start a rotation now (its steps run in the
 * background on the active node). A ClientRequestToken already used for a version of this secret is a retry: the
 * same answer, nothing started. While AWSPENDING is on a version other than AWSCURRENT no rotation starts.
 */
export async function rotateSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const runner = ctx.rotation
  const secretId = secretIdOf(input)
  const requestToken = tokenOf(input)
  const lambdaArn = optString(input, 'RotationLambdaARN', { max: 2048 })
  const rules = rulesOf(input)
  const immediately = optBool(input, 'RotateImmediately') ?? true
  checkExternalRotation(input)
  const now = ctx.now()
  // Bad rules fail before anything is locked or stored.
  parseSchedule(rules, now)
  if (lambdaArn !== undefined) checkFunction(runner, lambdaArn)
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    const answer = (versionId?: string) => ({
      ARN: arnOf(ctx, record.name, record.suffix),
      Name: record.name,
      ...(versionId !== undefined ? { VersionId: versionId } : {}),
    })
    if (requestToken !== undefined && record.versions[requestToken]) return answer(requestToken)
    const rotation: RotationConfig = { ...record.rotation, enabled: true }
    const blocking = unfinishedPending(record)
    if (blocking !== undefined) {
      if (rotation.inFlight?.token === blocking && rotation.inFlight.exhausted) {
        // Our own rotation whose attempts ran out: AWS answers so, and reattempts it.
        const { exhausted: _, ...inFlight } = rotation.inFlight
        rotation.inFlight = { ...inFlight, attempts: 0, nextAttemptAt: now }
        record.rotation = rotation
        await ctx.storage.batch([putRecordOp(record)])
        ctx.state.rotationDueAt(now)
        throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.")
      }
      throw invalidRequest('Previous rotation request is still in progress.')
    }
    if (lambdaArn !== undefined) rotation.lambdaArn = lambdaArn
    if (rules !== undefined) rotation.rules = rules as Record<string, unknown>
    if (rotation.lambdaArn === undefined)
      throw invalidRequest('No Lambda rotation function ARN is associated with this secret.')
    // A stored function that has since been unregistered is refused as a new one would be.
    checkFunction(runner, rotation.lambdaArn)
    record.rotation = rotation
    planNext(rotation, rotation.lastRotatedDate ?? now, now, ctx.state.random)
    const ops = []
    let versionId: string | undefined
    if (immediately) {
      versionId = requestToken ?? uuid()
      ops.push(...beginRotation(record, versionId, now, true))
    }
    await ctx.storage.batch([putRecordOp(record), ...ops])
    ctx.state.rotationDueAt(rotationWakeAt(record))
    return answer(versionId)
  })
}

/**
 * Turn rotation off: no scheduled rotation runs and a retry waiting in flight is dropped. AWSPENDING stays where it
 * is, as AWS leaves it; the answer names its version so the caller can remove it with UpdateSecretVersionStage.
 */
export async function cancelRotateSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    if (record.rotation) {
      const rotation: RotationConfig = { ...record.rotation, enabled: false }
      delete rotation.inFlight
      delete rotation.nextRotationDate
      delete rotation.dueAt
      record.rotation = rotation
      await ctx.storage.batch([putRecordOp(record)])
    }
    const pending = versionWithStage(record, PENDING)
    return {
      ARN: arnOf(ctx, record.name, record.suffix),
      Name: record.name,
      ...(pending !== undefined ? { VersionId: pending } : {}),
    }
  })
}
