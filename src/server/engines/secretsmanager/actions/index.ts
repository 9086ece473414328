// One function per Secrets Manager action: the AWS JSON input in, the AWS JSON output out, or a thrown AwsError.
import type { SecretsManagerAction } from '../../../../sdk/aws-secretsmanager-routes.ts'
import type { ActionContext } from '../context.ts'
import type { Input } from '../input.ts'
import { batchGetSecretValue } from './batch-get-secret-value.ts'
import { createSecret } from './create-secret.ts'
import { deleteSecret, restoreSecret } from './delete-secret.ts'
import { describeSecret } from './describe-secret.ts'
import { getRandomPassword } from './get-random-password.ts'
import { getSecretValue } from './get-secret-value.ts'
import { listSecretVersionIds } from './list-secret-version-ids.ts'
import { listSecrets } from './list-secrets.ts'
import { putSecretValue } from './put-secret-value.ts'
import {
  removeRegionsFromReplication,
  replicateSecretToRegions,
  stopReplicationToReplica,
} from './replication.ts'
import {
  deleteResourcePolicy,
  getResourcePolicy,
  putResourcePolicy,
  validateResourcePolicy,
} from './resource-policy.ts'
import { cancelRotateSecret, rotateSecret } from './rotation.ts'
import { tagResource, untagResource } from './tags.ts'
import { updateSecret } from './update-secret.ts'
import { updateSecretVersionStage } from './update-secret-version-stage.ts'

export type ActionFn = (ctx: ActionContext, input: Input) => Promise<Record<string, unknown>>

export const actions: Record<SecretsManagerAction, ActionFn> = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  BatchGetSecretValue: (ctx, input) => batchGetSecretValue(ctx, input),
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  DescribeSecret: describeSecret,
  ListSecrets: listSecrets,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  ListSecretVersionIds: listSecretVersionIds,
  UpdateSecretVersionStage: updateSecretVersionStage,
  TagResource: tagResource,
  UntagResource: untagResource,
  GetRandomPassword: async (_ctx, input) => getRandomPassword(input),
  RotateSecret: rotateSecret,
  CancelRotateSecret: cancelRotateSecret,
  PutResourcePolicy: putResourcePolicy,
  GetResourcePolicy: getResourcePolicy,
  DeleteResourcePolicy: deleteResourcePolicy,
  ValidateResourcePolicy: validateResourcePolicy,
  ReplicateSecretToRegions: replicateSecretToRegions,
  RemoveRegionsFromReplication: removeRegionsFromReplication,
  StopReplicationToReplica: stopReplicationToReplica,
}
