// One rotation of one secret on the active node: AWS's four steps through the server's runner, retried with backoff.
import { errorMessage } from '../../../lib/error-message.ts'
import { uuid } from '../../../lib/random.ts'
import { backoffMs, MAX_ATTEMPTS } from '../../../lib/rotation-schedule.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { RotationStep } from '../../../sdk/rotation.ts'
import { type RotationNotice, type RotationSession, rotationEventOf } from '../../../sdk/rotation-runner.ts'
import type { Storage, StorageOp } from '../../../sdk/storage.ts'
import { arnOf, DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from './context.ts'
import {
  deleteValueOp,
  loadRecord,
  putRecordOp,
  type RotationConfig,
  type SecretRecord,
  storeIdOf,
  versionWithStage,
} from './model.ts'
import { redactSecretValues } from './redact.ts'
import { PENDING, planNext, rotationWakeAt, unfinishedPending } from './rotation-plan.ts'
import type { SmState } from './state.ts'
import { CURRENT, moveStageTo, prune } from './versions.ts'

export const ROTATION_STEPS: readonly RotationStep[] = [
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
]
/** A function's message is kept this long at most in the failure report. */
const MESSAGE_MAX = 1000

export interface RotationEnv {
  storage: Storage
  system: SystemView
  state: SmState
}

interface Attempt {
  name: string
  token: string
  secretArn: string
  functionName: string
  region: string
  accountId: string
}

/** Raised inside a step's run: which step failed and why. */
class StepFailure extends Error {
  readonly step: string
  constructor(step: string, message: string) {
    super(message)
    this.step = step
  }
}

function notify(env: RotationEnv, notice: RotationNotice): void {
  try {
    env.system.rotationEvents?.(notice)
    env.system.events.emit(
      rotationEventOf(
        'secretsmanager',
        notice,
        `rotation/${notice.secretName}`,
        `secrets/${notice.secretName}`,
      ),
    )
  } catch (error) {
    env.system.log('warn', 'a rotation listener failed', { error: errorMessage(error) })
  }
}

/** Change the record of `storeId` under its secret's lock; `change` returns whether to write it (with extra ops). */
async function underLock<T>(
  env: RotationEnv,
  storeId: string,
  change: (record: SecretRecord) => { write: boolean; ops?: StorageOp[]; result: T } | undefined,
): Promise<T | undefined> {
  const listed = await loadRecord(env.storage, storeId)
  if (!listed) return undefined
  return env.state.locks.run(listed.name, async () => {
    const record = await loadRecord(env.storage, storeId)
    if (!record) return undefined
    const outcome = change(record)
    if (!outcome) return undefined
    if (outcome.write) await env.storage.batch([putRecordOp(record), ...(outcome.ops ?? [])])
    env.state.rotationDueAt(rotationWakeAt(record))
    return outcome.result
  })
}

/**
 * Put a fresh pending version (no value yet, labelled AWSPENDING) on the secret, as AWS does before it invokes the
 * function, and mark the rotation in flight. The caller holds the lock and has checked AWSPENDING is free.
 */
export function beginRotation(
  record: SecretRecord,
  token: string,
  now: number,
  attemptNow: boolean,
): StorageOp[] {
  record.versions[token] = { createdDate: now, stages: [], noValue: true }
  moveStageTo(record, PENDING, token)
  const dropped = prune(record, now)
  record.rotation = {
    ...(record.rotation ?? { enabled: true }),
    inFlight: { token, startedDate: now, attempts: 0, ...(attemptNow ? { nextAttemptAt: now } : {}) },
  }
  return dropped.map((id) => deleteValueOp(storeIdOf(record), id))
}

/** Decide what is due for this secret now, and record the start of the attempt. */
function claim(env: RotationEnv, record: SecretRecord, now: number) {
  const rotation = record.rotation
  if (!rotation || record.deletedDate !== undefined) return undefined
  const inFlight = rotation.inFlight
  const retryDue = inFlight?.nextAttemptAt !== undefined && inFlight.nextAttemptAt <= now
  const scheduleDue = rotation.enabled && rotation.dueAt !== undefined && rotation.dueAt <= now
  if (!retryDue && !scheduleDue) return undefined
  const ops: StorageOp[] = []
  let fresh = false
  if (inFlight && versionWithStage(record, PENDING) === inFlight.token) {
    // A retry, or a scheduled reattempt of a rotation whose attempts ran out: the same token, as AWS reattempts.
    if (!retryDue) inFlight.attempts = 0
    delete inFlight.nextAttemptAt
    delete inFlight.exhausted
    // The first attempt of a rotation RotateSecret started is its start.
    fresh = inFlight.attempts === 0
  } else {
    if (inFlight) delete rotation.inFlight
    const blocking = unfinishedPending(record)
    if (blocking !== undefined) {
      // Someone else's unfinished rotation holds AWSPENDING: AWS refuses to start another over it.
      rotation.lastFailure = {
        step: 'createSecret',
        message: `AWSPENDING is attached to version ${blocking}, which is not AWSCURRENT: a previous rotation is not complete. Finish it, or remove the label with UpdateSecretVersionStage.`,
        date: now,
        attempts: 1,
      }
      planNext(rotation, now, now, env.state.random)
      return { write: true, result: undefined }
    }
    ops.push(...beginRotation(record, uuid(), now, false))
    delete record.rotation!.inFlight!.nextAttemptAt
    fresh = true
  }
  const current = record.rotation!
  // Due again at the next window unless the rotation completes first (which plans from its own end).
  planNext(current, now, now, env.state.random)
  return { write: true, ops, result: { token: current.inFlight!.token, fresh } }
}

/**
 * Run what is due for the secret stored as `storeId`: a retry or a scheduled rotation. Never throws: a failure is
 * stored on the secret (and retried later) or logged.
 */
export async function runDueRotation(env: RotationEnv, storeId: string): Promise<void> {
  const now = env.system.now()
  const claimed = await underLock(env, storeId, (record) => claim(env, record, now))
  if (!claimed) return
  const record = await loadRecord(env.storage, storeId)
  if (!record) return
  const region = record.region ?? env.system.mount.options['region'] ?? DEFAULT_REGION
  const accountId = env.system.mount.options['account_id'] || DEFAULT_ACCOUNT_ID
  const attempt: Attempt = {
    name: record.name,
    token: claimed.token,
    secretArn: arnOf({ region, accountId }, record.name, record.suffix),
    functionName: '',
    region,
    accountId,
  }
  const mountPath = env.system.mount.path
  if (claimed.fresh)
    notify(env, { kind: 'started', mountPath, secretName: record.name, token: claimed.token })
  try {
    await runSteps(env, storeId, record.rotation, attempt, kmsKeyIdsOf(record))
    await complete(env, storeId, attempt)
  } catch (error) {
    const step = error instanceof StepFailure ? error.step : 'createSecret'
    await fail(env, storeId, attempt, step, errorMessage(error))
  }
}

/** The ids of the KMS keys a rotation function needs: the secret's, and those its versions are sealed under. */
function kmsKeyIdsOf(record: SecretRecord): string[] {
  const arns = new Set<string>()
  if (record.kmsKey !== undefined) arns.add(record.kmsKey.arn)
  for (const meta of Object.values(record.versions)) for (const arn of meta.kmsKeyIds ?? []) arns.add(arn)
  return [...arns].map((arn) => arn.slice(arn.lastIndexOf('/') + 1))
}

async function runSteps(
  env: RotationEnv,
  storeId: string,
  rotation: RotationConfig | undefined,
  attempt: Attempt,
  kmsKeyIds: string[],
): Promise<void> {
  const runner = env.system.rotation
  if (!runner) throw new StepFailure('createSecret', 'This server runs no rotation functions.')
  const functionName = rotation?.lambdaArn !== undefined ? runner.resolve(rotation.lambdaArn) : undefined
  if (functionName === undefined)
    throw new StepFailure('createSecret', 'The rotation function is not registered on this server.')
  attempt.functionName = functionName
  let session: RotationSession
  try {
    session = await runner.open({
      mountPath: env.system.mount.path,
      secretName: attempt.name,
      functionName,
      region: attempt.region,
      accountId: attempt.accountId,
      ...(kmsKeyIds.length > 0 ? { kmsKeyIds } : {}),
    })
  } catch (error) {
    throw new StepFailure('createSecret', `Could not prepare the rotation: ${errorMessage(error)}`)
  }
  try {
    for (const step of ROTATION_STEPS) {
      // A CancelRotateSecret (or a removed pending label) stops the rotation between steps.
      const now = await loadRecord(env.storage, storeId)
      if (now?.rotation?.inFlight?.token !== attempt.token)
        throw new StepFailure(step, 'The rotation was cancelled.')
      if (env.state.stopping.signal.aborted)
        throw new StepFailure(step, 'The server stopped during the rotation.')
      try {
        await session.step(
          { Step: step, SecretId: attempt.secretArn, ClientRequestToken: attempt.token },
          env.state.stopping.signal,
        )
      } catch (error) {
        throw new StepFailure(step, errorMessage(error))
      }
    }
  } finally {
    await session.close()
  }
}

/** finishSecret returned: AWSCURRENT must be on the new version; AWSPENDING leaves it, as AWS removes it. */
async function complete(env: RotationEnv, storeId: string, attempt: Attempt): Promise<void> {
  const now = env.system.now()
  const outcome = await underLock(env, storeId, (record) => {
    const rotation = record.rotation
    if (rotation?.inFlight?.token !== attempt.token) return { write: false, result: 'cancelled' as const }
    const meta = record.versions[attempt.token]
    if (!meta?.stages.includes(CURRENT)) return { write: false, result: 'not-finished' as const }
    meta.stages = meta.stages.filter((s) => s !== PENDING)
    // Pending versions of earlier rotations that never got a value and lost their labels go now.
    for (const [id, version] of Object.entries(record.versions))
      if (version.noValue && version.stages.length === 0) delete record.versions[id]
    delete rotation.inFlight
    delete rotation.lastFailure
    rotation.lastRotatedDate = now
    record.lastChangedDate = now
    planNext(rotation, now, now, env.state.random)
    return { write: true, result: 'done' as const }
  })
  if (outcome === 'not-finished')
    throw new StepFailure(
      'finishSecret',
      `finishSecret returned but AWSCURRENT is not on version ${attempt.token}.`,
    )
  if (outcome === 'done') {
    env.system.log('info', 'rotated secret', { secret: attempt.name, version: attempt.token })
    notify(env, {
      kind: 'succeeded',
      mountPath: env.system.mount.path,
      secretName: attempt.name,
      token: attempt.token,
    })
  }
}

async function fail(
  env: RotationEnv,
  storeId: string,
  attempt: Attempt,
  step: string,
  raw: string,
): Promise<void> {
  const now = env.system.now()
  const stored = await loadRecord(env.storage, storeId)
  const clean = stored ? await redactSecretValues(env.storage, stored, raw, env.system.keys) : raw
  const message = clean.length > MESSAGE_MAX ? `${clean.slice(0, MESSAGE_MAX)}…` : clean
  const stopped = env.state.stopping.signal.aborted
  const final = await underLock(env, storeId, (record) => {
    const rotation = record.rotation
    const inFlight = rotation?.inFlight
    if (!rotation || inFlight?.token !== attempt.token) return { write: false, result: true }
    // A server going down does not count the attempt: the retry runs once it is back (or on the new active node).
    if (stopped) {
      inFlight.nextAttemptAt = now
      return { write: true, result: false }
    }
    inFlight.attempts++
    rotation.lastFailure = { step, message, date: now, attempts: inFlight.attempts }
    if (inFlight.attempts < MAX_ATTEMPTS) inFlight.nextAttemptAt = now + backoffMs(inFlight.attempts)
    else inFlight.exhausted = true
    return { write: true, result: inFlight.exhausted === true }
  })
  // The function's words go to the failure report (behind the barrier), not to the server log.
  env.system.log('warn', 'secret rotation failed', { secret: attempt.name, step, final: final ?? true })
  notify(env, {
    kind: 'failed',
    mountPath: env.system.mount.path,
    secretName: attempt.name,
    token: attempt.token,
    step,
    message,
    final: final ?? true,
  })
}
