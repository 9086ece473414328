// The change events Secrets Manager reports: a new version, a moved stage label, a scheduled deletion or a restore (never a value).
import type { SecretsManagerAction } from '../../../sdk/aws-secretsmanager-routes.ts'
import type { BackendEvent } from '../../../sdk/events.ts'

/** The actions that change what GetSecretValue answers, and their event types. */
const EVENT_TYPES: Partial<Record<SecretsManagerAction, string>> = {
  CreateSecret: 'secretsmanager/create-secret',
  PutSecretValue: 'secretsmanager/put-secret-value',
  UpdateSecret: 'secretsmanager/update-secret',
  UpdateSecretVersionStage: 'secretsmanager/update-secret-version-stage',
  DeleteSecret: 'secretsmanager/delete-secret',
  RestoreSecret: 'secretsmanager/restore-secret',
}

/**
 * The event of `action` on the secret the request path names (secrets/, restore/ or versions/<name>), from the
 * action's output; undefined for an action that changes no value. The data path is secrets/<name>: whoever may
 * read the value may subscribe to learn it changed.
 */
export function smEvent(
  action: SecretsManagerAction,
  requestPath: string,
  out: Record<string, unknown>,
  extra: Record<string, string> = {},
): BackendEvent | undefined {
  const type = EVENT_TYPES[action]
  if (!type) return undefined
  const name = requestPath.slice(requestPath.indexOf('/') + 1)
  const text = (key: string) => (typeof out[key] === 'string' ? { [snake(key)]: out[key] as string } : {})
  return {
    type,
    path: requestPath,
    dataPath: `secrets/${name}`,
    metadata: {
      operation: action,
      modified: 'true',
      name,
      ...text('ARN'),
      ...text('VersionId'),
      ...extra,
    },
  }
}

function snake(key: string): string {
  return key === 'ARN' ? 'arn' : key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()
}

/** UpdateSecretVersionStage's label and versions, from its input (its output names only the secret). */
export function stageDetails(
  action: SecretsManagerAction,
  input: Record<string, unknown>,
): Record<string, string> {
  if (action !== 'UpdateSecretVersionStage') return {}
  const out: Record<string, string> = {}
  for (const [from, to] of [
    ['VersionStage', 'version_stage'],
    ['MoveToVersionId', 'move_to_version_id'],
    ['RemoveFromVersionId', 'remove_from_version_id'],
  ] as const) {
    const value = input[from] ?? input[to]
    if (typeof value === 'string') out[to] = value
  }
  return out
}

/** `response` with the event added when there is one. */
export function withSmEvent<T extends { data?: unknown }>(response: T, event: BackendEvent | undefined): T {
  return event ? { ...response, events: [event] } : response
}
