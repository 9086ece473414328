// Which Coffer capability on which per-secret path each Secrets Manager action needs: shared by the engine and the adapter.
import type { Operation } from './request.ts'

export const SECRETS_MANAGER_ACTIONS = [
  'CreateSecret',
  'GetSecretValue',
  'BatchGetSecretValue',
  'PutSecretValue',
  'UpdateSecret',
  'DescribeSecret',
  'ListSecrets',
  'DeleteSecret',
  'RestoreSecret',
  'ListSecretVersionIds',
  'UpdateSecretVersionStage',
  'TagResource',
  'UntagResource',
  'GetRandomPassword',
  'RotateSecret',
  'CancelRotateSecret',
  'PutResourcePolicy',
  'GetResourcePolicy',
  'DeleteResourcePolicy',
  'ValidateResourcePolicy',
  'ReplicateSecretToRegions',
  'RemoveRegionsFromReplication',
  'StopReplicationToReplica',
] as const

export type SecretsManagerAction = (typeof SECRETS_MANAGER_ACTIONS)[number]

export function isSecretsManagerAction(name: string): name is SecretsManagerAction {
  return (SECRETS_MANAGER_ACTIONS as readonly string[]).includes(name)
}

/** The request header naming the action (`secretsmanager.GetSecretValue`), as AWS clients send it. */
export const AWS_TARGET_HEADER = 'x-amz-target'
/** Set by the adapter from the verified SigV4 credential scope; ARNs embed it. */
export const AWS_REGION_HEADER = 'x-coffer-aws-region'

/** A full ARN ends with the name, a hyphen and six random characters; a partial ARN stops at the name. */
const ARN_PREFIX = /^arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:/
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/

/**
 * The secret name a SecretId designates: a name as is, or the name inside an ARN. An ARN whose name ends with a
 * hyphen and six characters is read as a full ARN (AWS warns that such partial ARNs are ambiguous and advises
 * against names of that shape), so `…:secret:db-AbCdEf` designates the secret `db` whose suffix is AbCdEf.
 */
export function parseSecretId(secretId: string): { name: string; suffix?: string; arn?: ArnParts } {
  const prefix = ARN_PREFIX.exec(secretId)
  if (!prefix) return { name: secretId }
  const [, partition = '', , region = '', account = ''] = secretId.split(':')
  const rest = secretId.slice(prefix[0].length)
  const arn = { partition, region, account }
  if (RANDOM_SUFFIX.test(rest)) return { name: rest.slice(0, -7), suffix: rest.slice(-6), arn }
  return { name: rest, arn }
}

export interface ArnParts {
  partition: string
  region: string
  account: string
}

export interface ActionRoute {
  operation: Operation
  /** Relative to the mount; the ACL path is `<mount>/<path>`. */
  path: string
}

/** The name an action addresses, from its SecretId (or Name for CreateSecret); '' when absent. */
function targetName(action: SecretsManagerAction, input: Record<string, unknown>): string {
  const raw = action === 'CreateSecret' ? input['Name'] : input['SecretId']
  return typeof raw === 'string' ? parseSecretId(raw).name : ''
}

/**
 * The LogicalRequest the adapter authorises an action as. BatchGetSecretValue has no single path: the adapter
 * authorises it as `list` on `metadata/` when it carries Filters and answers a secret the caller may not `read`
 * on `secrets/<name>` with an AccessDeniedException in `Errors` (see docs/engines/secretsmanager.md).
 */
export function secretsManagerRoute(
  action: SecretsManagerAction,
  input: Record<string, unknown>,
): ActionRoute {
  const name = targetName(action, input)
  switch (action) {
    case 'CreateSecret':
      return { operation: 'create', path: `secrets/${name}` }
    case 'GetSecretValue':
      return { operation: 'read', path: `secrets/${name}` }
    case 'PutSecretValue':
    case 'UpdateSecret':
      return { operation: 'update', path: `secrets/${name}` }
    case 'DeleteSecret':
      return { operation: 'delete', path: `secrets/${name}` }
    case 'DescribeSecret':
      return { operation: 'read', path: `metadata/${name}` }
    case 'ListSecrets':
    case 'BatchGetSecretValue':
      return { operation: 'list', path: 'metadata/' }
    case 'RestoreSecret':
      return { operation: 'update', path: `restore/${name}` }
    case 'ListSecretVersionIds':
      return { operation: 'read', path: `versions/${name}` }
    case 'UpdateSecretVersionStage':
      return { operation: 'update', path: `versions/${name}` }
    case 'TagResource':
      return { operation: 'update', path: `tags/${name}` }
    case 'UntagResource':
      return { operation: 'delete', path: `tags/${name}` }
    case 'RotateSecret':
      return { operation: 'update', path: `rotation/${name}` }
    case 'CancelRotateSecret':
      return { operation: 'delete', path: `rotation/${name}` }
    case 'GetRandomPassword':
      return { operation: 'read', path: 'random-password' }
    case 'PutResourcePolicy':
      return { operation: 'update', path: `policy/${name}` }
    case 'GetResourcePolicy':
      return { operation: 'read', path: `policy/${name}` }
    case 'DeleteResourcePolicy':
      return { operation: 'delete', path: `policy/${name}` }
    case 'ValidateResourcePolicy':
      // A check of a document alone (its optional SecretId only has to exist), like GetRandomPassword.
      return { operation: 'update', path: 'validate-policy' }
    case 'ReplicateSecretToRegions':
      return { operation: 'update', path: `replication/${name}` }
    case 'RemoveRegionsFromReplication':
      return { operation: 'delete', path: `replication/${name}` }
    case 'StopReplicationToReplica':
      // Called in the replica's region; it creates a secret there, so it is its own path.
      return { operation: 'update', path: `promote/${name}` }
  }
}
