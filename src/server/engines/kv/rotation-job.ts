// One rotation of one KV v2 secret on the active node: the function's one step through the server's runner, retried.
import { errorMessage } from '../../../lib/error-message.ts'
import { uuid } from '../../../lib/random.ts'
import { backoffMs, MAX_ATTEMPTS } from '../../../lib/rotation-schedule.ts'
import type { SystemView } from '../../../sdk/request.ts'
import { type RotationNotice, type RotationSession, rotationEventOf } from '../../../sdk/rotation-runner.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadMetadata, readVersionData } from './key-metadata.ts'
import { type KvState, rotationLockKey } from './kv-state.ts'
import { type KvRotation, loadRotation, planNext, putRotationOp, rotationWakeAt } from './rotation-record.ts'

export const KV_ROTATION_STEP = 'rotateSecret'
/** A function's message is kept this long at most in the failure report. */
const MESSAGE_MAX = 1000

export interface KvRotationEnv {
  storage: Storage
  system: SystemView
  state: KvState
}

/** Change the rotation record of `path` under its lock; `change` returns whether to write it, and a result. */
export async function underRotationLock<T>(
  env: KvRotationEnv,
  path: string,
  change: (rotation: KvRotation) => { write: boolean; result: T } | undefined,
): Promise<T | undefined> {
  return env.state.run(rotationLockKey(path), async () => {
    const rotation = await loadRotation(env.storage, path)
    if (!rotation) return undefined
    const outcome = change(rotation)
    if (!outcome) return undefined
    if (outcome.write) await env.storage.batch([putRotationOp(path, rotation)])
    env.state.rotationDueAt(rotationWakeAt(rotation))
    return outcome.result
  })
}

/** A new rotation in flight, starting from the secret's current version. */
export function beginKvRotation(
  rotation: KvRotation,
  fromVersion: number,
  now: number,
  attemptNow: boolean,
): void {
  rotation.inFlight = {
    token: uuid(),
    startedDate: now,
    fromVersion,
    attempts: 0,
    ...(attemptNow ? { nextAttemptAt: now } : {}),
  }
}

function notify(env: KvRotationEnv, notice: RotationNotice): void {
  try {
    env.system.rotationEvents?.(notice)
    env.system.events.emit(
      rotationEventOf('kv-v2', notice, `rotation/${notice.secretName}`, `data/${notice.secretName}`),
    )
  } catch (error) {
    env.system.log('warn', 'a rotation listener failed', { error: errorMessage(error) })
  }
}

/** Every string value of every version of the secret, and each given credential, replaced by `[redacted]`. */
async function redact(env: KvRotationEnv, path: string, message: string): Promise<string> {
  const meta = await loadMetadata(env.storage, path).catch(() => undefined)
  const values = new Set<string>()
  for (const version of Object.keys(meta?.versions ?? {})) {
    const data = await readVersionData(env.storage, path, Number(version)).catch(() => undefined)
    for (const value of Object.values(data ?? {}))
      if (typeof value === 'string' && value !== '') values.add(value)
  }
  let out = message
  // Longest first, so a value containing another is replaced whole.
  for (const value of [...values].sort((a, b) => b.length - a.length))
    out = out.split(value).join('[redacted]')
  return out
}

/**
 * Run what is due for the secret at `path`: a retry or a scheduled rotation. Never throws: a failure is stored with
 * the rotation (and retried later).
 */
export async function runDueKvRotation(env: KvRotationEnv, path: string): Promise<void> {
  const now = env.system.now()
  const currentVersion = (await loadMetadata(env.storage, path))?.currentVersion ?? 0
  const claimed = await underRotationLock(env, path, (rotation) => {
    const inFlight = rotation.inFlight
    const retryDue = inFlight?.nextAttemptAt !== undefined && inFlight.nextAttemptAt <= now
    const scheduleDue = rotation.enabled && rotation.dueAt !== undefined && rotation.dueAt <= now
    if (!retryDue && !scheduleDue) return undefined
    if (inFlight) {
      // A retry, or a scheduled reattempt of a rotation whose attempts ran out: the same rotation, counted anew.
      if (!retryDue) inFlight.attempts = 0
      delete inFlight.nextAttemptAt
      delete inFlight.exhausted
    } else beginKvRotation(rotation, currentVersion, now, false)
    // Due again at the next window unless the rotation completes first (which plans from its own end).
    planNext(rotation, now, now, env.state.random)
    return { write: true, result: { ...rotation.inFlight!, rotation: structuredClone(rotation) } }
  })
  if (!claimed) return
  const { token, fromVersion, rotation } = claimed
  const mountPath = env.system.mount.path
  if (claimed.attempts === 0) notify(env, { kind: 'started', mountPath, secretName: path, token })
  try {
    await runStep(env, path, rotation, token, fromVersion)
    await complete(env, path, token, fromVersion)
  } catch (error) {
    await fail(env, path, token, errorMessage(error))
  }
}

async function runStep(
  env: KvRotationEnv,
  path: string,
  rotation: KvRotation,
  token: string,
  fromVersion: number,
): Promise<void> {
  const runner = env.system.rotation
  if (!runner) throw new Error('This server runs no rotation functions.')
  const functionName = runner.resolve(rotation.functionName, 'kv')
  if (functionName === undefined)
    throw new Error(`The rotation function ${rotation.functionName} is not registered on this server.`)
  let session: RotationSession
  try {
    session = await runner.open({
      kind: 'kv',
      mountPath: env.system.mount.path,
      secretName: path,
      functionName,
      region: '',
      accountId: '',
      ...(rotation.passwordPolicy !== undefined ? { passwordPolicy: rotation.passwordPolicy } : {}),
    })
  } catch (error) {
    throw new Error(`Could not prepare the rotation: ${errorMessage(error)}`)
  }
  try {
    // A cancel between the claim and the step stops the rotation.
    if ((await loadRotation(env.storage, path))?.inFlight?.token !== token)
      throw new Error('The rotation was cancelled.')
    if (env.state.stopping.signal.aborted) throw new Error('The server stopped during the rotation.')
    await session.step(
      {
        Step: KV_ROTATION_STEP,
        Mount: env.system.mount.path,
        Path: path,
        Version: fromVersion,
        ClientRequestToken: token,
        Field: rotation.field,
        ...(rotation.passwordPolicy !== undefined ? { PasswordPolicy: rotation.passwordPolicy } : {}),
      },
      env.state.stopping.signal,
    )
  } finally {
    await session.close()
  }
}

/** The function returned: the secret must have a version newer than the one the rotation started from. */
async function complete(env: KvRotationEnv, path: string, token: string, fromVersion: number): Promise<void> {
  const now = env.system.now()
  const current = (await loadMetadata(env.storage, path))?.currentVersion ?? 0
  if (current <= fromVersion)
    throw new Error(
      `The function returned but wrote no new version of the secret (still version ${current}).`,
    )
  const done = await underRotationLock(env, path, (rotation) => {
    if (rotation.inFlight?.token !== token) return { write: false, result: false }
    delete rotation.inFlight
    delete rotation.lastFailure
    rotation.lastRotatedDate = now
    rotation.lastRotatedVersion = current
    planNext(rotation, now, now, env.state.random)
    return { write: true, result: true }
  })
  if (!done) return
  env.system.log('info', 'rotated secret', { secret: path, version: current })
  notify(env, { kind: 'succeeded', mountPath: env.system.mount.path, secretName: path, token })
}

async function fail(env: KvRotationEnv, path: string, token: string, raw: string): Promise<void> {
  const now = env.system.now()
  const clean = await redact(env, path, raw)
  const message = clean.length > MESSAGE_MAX ? `${clean.slice(0, MESSAGE_MAX)}…` : clean
  const stopped = env.state.stopping.signal.aborted
  const final = await underRotationLock(env, path, (rotation) => {
    const inFlight = rotation.inFlight
    if (inFlight?.token !== token) return { write: false, result: true }
    // A server going down does not count the attempt: the retry runs once an active node is back.
    if (stopped) {
      inFlight.nextAttemptAt = now
      return { write: true, result: false }
    }
    inFlight.attempts++
    rotation.lastFailure = { step: KV_ROTATION_STEP, message, date: now, attempts: inFlight.attempts }
    if (inFlight.attempts < MAX_ATTEMPTS) inFlight.nextAttemptAt = now + backoffMs(inFlight.attempts)
    else inFlight.exhausted = true
    return { write: true, result: inFlight.exhausted === true }
  })
  // The function's words go to the failure report (behind the barrier), not to the server log.
  env.system.log('warn', 'secret rotation failed', { secret: path, final: final ?? true })
  notify(env, {
    kind: 'failed',
    mountPath: env.system.mount.path,
    secretName: path,
    token,
    step: KV_ROTATION_STEP,
    message,
    final: final ?? true,
  })
}
