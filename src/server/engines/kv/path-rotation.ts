// KV v2 rotation/*path: configure a secret's rotation and rotate now (write), its status (read), cancel (delete), LIST.

import { parseSchedule, type RotationRules, ScheduleError } from '../../../lib/rotation-schedule.ts'
import { rfc3339 } from '../../../lib/time.ts'
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listRecursive } from '../../../sdk/storage.ts'
import { isDeleted, loadMetadata } from './key-metadata.ts'
import { checkWritePath } from './kv-fields.ts'
import { type KvState, rotationLockKey } from './kv-state.ts'
import { beginKvRotation, underRotationLock } from './rotation-job.ts'
import { type KvRotation, loadRotation, planNext, putRotationOp, rotationWakeAt } from './rotation-record.ts'
import { listPrefix, ROTATION_PREFIX } from './storage-keys.ts'

const fields = {
  path: f.string({ description: 'The secret’s path (as in data/<path>).' }),
  rotation_function: f.string({ description: 'A registered or built-in rotation function’s name.' }),
  rotation_lambda_arn: f.string({
    description:
      'The same as rotation_function (the name, or a Lambda ARN ending with it), as the CLI sends it.',
  }),
  automatically_after_days: f.int({ description: 'Days between rotations (1–1000).' }),
  schedule_expression: f.string({
    description: 'rate(N hours|days) or cron(...) in UTC; at least four hours apart.',
  }),
  duration: f.string({ description: 'The rotation window, 1h to 24h, e.g. 3h.' }),
  rotate_immediately: f.bool({ description: 'Rotate now (default true).' }),
  field: f.string({ description: 'The field a new password goes in (default "password").' }),
  password_policy: f.string({
    description: 'A password policy (sys/policies/password/<name>) to generate it with.',
  }),
}

const DEFAULT_FIELD = 'password'
const POLICY_NAME = /^[A-Za-z0-9_.-]{1,128}$/

function rulesOf(input: {
  automatically_after_days?: number
  schedule_expression?: string
  duration?: string
}) {
  const rules: RotationRules = {}
  const days = input.automatically_after_days
  if (days !== undefined) {
    if (!Number.isInteger(days) || days < 1 || days > 1000)
      throw new InvalidRequestError('automatically_after_days must be within 1-1000')
    rules.AutomaticallyAfterDays = days
  }
  if (input.schedule_expression !== undefined) rules.ScheduleExpression = input.schedule_expression
  if (input.duration !== undefined) rules.Duration = input.duration
  return Object.keys(rules).length > 0 ? rules : undefined
}

/** The status `coffer rotation status` prints: the configuration, the schedule, the rotation in flight, the last failure. */
export function kvRotationStatus(path: string, rotation: KvRotation): Record<string, unknown> {
  const date = (ms: number | undefined) => (ms === undefined ? undefined : rfc3339(ms))
  const inFlight = rotation.inFlight
  const failure = rotation.lastFailure
  const state = inFlight
    ? inFlight.exhausted
      ? 'Failed'
      : inFlight.attempts > 0
        ? 'Retrying'
        : 'InProgress'
    : failure
      ? 'Failed'
      : 'Idle'
  const status: Record<string, unknown> = { state }
  if (inFlight) {
    status['version_id'] = inFlight.token
    status['from_version'] = inFlight.fromVersion
    status['started_date'] = date(inFlight.startedDate)
    status['attempts'] = inFlight.attempts
    if (inFlight.nextAttemptAt !== undefined) status['next_attempt_date'] = date(inFlight.nextAttemptAt)
  }
  if (failure) {
    status['failed_step'] = failure.step
    status['failure_message'] = failure.message
    status['last_failed_date'] = date(failure.date)
  }
  const rules = rotation.rules
  return Object.fromEntries(
    Object.entries({
      path,
      rotation_enabled: rotation.enabled,
      rotation_function: rotation.functionName,
      rotation_rules: rules && {
        ...(rules.AutomaticallyAfterDays !== undefined
          ? { automatically_after_days: rules.AutomaticallyAfterDays }
          : {}),
        ...(rules.ScheduleExpression !== undefined ? { schedule_expression: rules.ScheduleExpression } : {}),
        ...(rules.Duration !== undefined ? { duration: rules.Duration } : {}),
      },
      field: rotation.field,
      password_policy: rotation.passwordPolicy,
      last_rotated_date: date(rotation.lastRotatedDate),
      last_rotated_version: rotation.lastRotatedVersion,
      next_rotation_date: rotation.enabled ? date(rotation.nextRotationDate) : undefined,
      scheduled_rotation_date: rotation.enabled ? date(rotation.dueAt) : undefined,
      rotation_status: status,
    }).filter(([, v]) => v !== undefined),
  )
}

export const rotationPath = definePath<typeof fields, KvState>({
  pattern: 'rotation/*path',
  fields,
  listKeys: 'paths',
  help:
    'Write: set the rotation of the KV secret at data/<path> (a function, a schedule) and rotate now unless ' +
    'rotate_immediately=false; an empty write rotates now with the stored configuration. Read: the status. ' +
    'Delete: stop rotations. LIST rotation/: the paths with a rotation configuration.',
  operations: {
    update: async ({ storage, system, state, params, input }) => {
      const path = checkWritePath(params['path'] ?? '')
      const now = system.now()
      const named = input.rotation_function ?? input.rotation_lambda_arn
      if (named !== undefined && system.rotation?.resolve(named, 'kv') === undefined)
        throw new InvalidRequestError(
          `no rotation function named ${JSON.stringify(named)} is registered or built in for KV secrets`,
        )
      const rules = rulesOf(input)
      try {
        parseSchedule(rules, now)
      } catch (error) {
        if (error instanceof ScheduleError) throw new InvalidRequestError(error.message)
        throw error
      }
      if (input.field !== undefined && (input.field === '' || input.field.length > 256))
        throw new InvalidRequestError('field must be a non-empty field name')
      if (input.password_policy !== undefined && !POLICY_NAME.test(input.password_policy))
        throw new InvalidRequestError('password_policy must be a password policy name')
      const immediately = input.rotate_immediately ?? true
      // Under the rotation lock, which a metadata delete also takes: no rotation is set on a secret being deleted.
      return state.run(rotationLockKey(path), async () => {
        const meta = await loadMetadata(storage, path)
        const current = meta ? meta.versions[String(meta.currentVersion)] : undefined
        if (!meta || !current || current.destroyed || isDeleted(current, now))
          throw new InvalidRequestError(`no readable current version of ${path} to rotate`)
        const stored = await loadRotation(storage, path)
        const functionName = named ?? stored?.functionName
        if (functionName === undefined)
          throw new InvalidRequestError('rotation_function is required to configure a rotation')
        const rotation: KvRotation = stored ?? { functionName, enabled: true, field: DEFAULT_FIELD }
        if (immediately && rotation.inFlight && !rotation.inFlight.exhausted)
          throw new InvalidRequestError(
            `a rotation of ${path} is in progress (version_id ${rotation.inFlight.token}); wait for it, or cancel it`,
          )
        rotation.functionName = functionName
        rotation.enabled = true
        if (rules) rotation.rules = rules
        if (input.field !== undefined) rotation.field = input.field
        if (input.password_policy !== undefined) rotation.passwordPolicy = input.password_policy
        if (immediately) {
          // Reattempting a rotation whose attempts ran out keeps its ID and the version it started from.
          if (rotation.inFlight) {
            rotation.inFlight.attempts = 0
            rotation.inFlight.nextAttemptAt = now
            delete rotation.inFlight.exhausted
          } else beginKvRotation(rotation, meta.currentVersion, now, true)
        }
        planNext(rotation, rotation.lastRotatedDate ?? now, now, state.random)
        await storage.batch([putRotationOp(path, rotation)])
        state.rotationDueAt(rotationWakeAt(rotation))
        return { data: kvRotationStatus(path, rotation) }
      })
    },
    read: async ({ storage, params }) => {
      const path = params['path'] ?? ''
      const rotation = await loadRotation(storage, path)
      if (!rotation) throw new NotFoundError(`no rotation is configured for ${path}`)
      return { data: kvRotationStatus(path, rotation) }
    },
    delete: async ({ storage, system, state, params }) => {
      const path = params['path'] ?? ''
      const now = system.now()
      // As CancelRotateSecret: nothing scheduled runs, a waiting retry is dropped; a running step finishes.
      const found = await underRotationLock({ storage, system, state }, path, (rotation) => {
        rotation.enabled = false
        delete rotation.inFlight
        planNext(rotation, now, now, state.random)
        return { write: true, result: rotation }
      })
      if (!found) throw new NotFoundError(`no rotation is configured for ${path}`)
      return { data: kvRotationStatus(path, found) }
    },
    list: async ({ storage, params }) => {
      const prefix = listPrefix(ROTATION_PREFIX, params['path'] ?? '')
      const keys = (await listRecursive(storage, prefix)).map((key) => key.slice(prefix.length))
      return keys.length > 0 ? { data: { keys: keys.sort() } } : undefined
    },
  },
})
