// How a secret's rotation stands, in AWS's shape: DescribeSecret's RotationStatus and the Vault API's rotation read.
import { epochSeconds } from './input.ts'
import { type SecretRecord, versionWithStage } from './model.ts'
import { PENDING } from './rotation-plan.ts'

/**
 * A Coffer addition to DescribeSecret (AWS has no such member; AWS SDKs ignore members they do not know): the
 * rotation under way or the last failure. Undefined when there is neither.
 */
export function rotationProgress(record: SecretRecord): Record<string, unknown> | undefined {
  const rotation = record.rotation
  const inFlight = rotation?.inFlight
  const failure = rotation?.lastFailure
  if (!inFlight && !failure) return undefined
  const state = !inFlight || inFlight.exhausted ? 'Failed' : inFlight.attempts > 0 ? 'Retrying' : 'InProgress'
  const out: Record<string, unknown> = { State: state }
  if (inFlight) {
    out['VersionId'] = inFlight.token
    out['StartedDate'] = epochSeconds(inFlight.startedDate)
    out['Attempts'] = inFlight.attempts
    if (inFlight.nextAttemptAt !== undefined) out['NextAttemptDate'] = epochSeconds(inFlight.nextAttemptAt)
  }
  if (failure) {
    out['FailedStep'] = failure.step
    out['FailureMessage'] = failure.message
    out['LastFailedDate'] = epochSeconds(failure.date)
  }
  return out
}

/** The whole picture for `coffer rotation status`: configuration, schedule, progress and the pending version. */
export function rotationStatus(record: SecretRecord): Record<string, unknown> {
  const rotation = record.rotation
  const out: Record<string, unknown> = { Name: record.name, RotationEnabled: rotation?.enabled ?? false }
  if (rotation?.lambdaArn !== undefined) out['RotationLambdaARN'] = rotation.lambdaArn
  if (rotation?.rules !== undefined) out['RotationRules'] = rotation.rules
  if (rotation?.lastRotatedDate !== undefined) out['LastRotatedDate'] = epochSeconds(rotation.lastRotatedDate)
  if (rotation?.enabled && rotation.nextRotationDate !== undefined)
    out['NextRotationDate'] = epochSeconds(rotation.nextRotationDate)
  if (rotation?.enabled && rotation.dueAt !== undefined)
    out['ScheduledRotationDate'] = epochSeconds(rotation.dueAt)
  const pending = versionWithStage(record, PENDING)
  if (pending !== undefined) out['PendingVersionId'] = pending
  out['RotationStatus'] = rotationProgress(record) ?? { State: 'Idle' }
  return out
}
