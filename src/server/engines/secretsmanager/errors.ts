// The Secrets Manager error catalogue: AWS's __type names with the messages AWS (and moto, its emulator) send.
import { AwsError } from '../../../sdk/aws-error.ts'

export { AwsError }

export const secretNotFound = () =>
  new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")

export const stageNotFound = (stage: string) =>
  new AwsError(
    'ResourceNotFoundException',
    `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
  )

export const versionNotFound = (versionId: string) =>
  new AwsError(
    'ResourceNotFoundException',
    `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
  )

export const markedForDeletion = () =>
  new AwsError(
    'InvalidRequestException',
    "You can't perform this operation on the secret because it was marked for deletion.",
  )

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message)
export const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message)
export const resourceExists = (message: string) => new AwsError('ResourceExistsException', message)
/** CreateSecret of a name that exists, with no token or another token than the one that created it. */
export const secretExists = (name: string) =>
  resourceExists(`The operation failed because the secret ${name} already exists.`)
/** A version ID (ClientRequestToken) reused with another value: versions are immutable. */
export const tokenInUse = (token: string, arn: string) =>
  resourceExists(
    `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`,
  )
export const limitExceeded = (message: string) => new AwsError('LimitExceededException', message)

/** A model constraint (length, range, pattern) as AWS words it; the offending value is never echoed. */
export { validation } from '../../../sdk/aws-input.ts'

export const replicaReadOnly = () =>
  new AwsError(
    'InvalidRequestException',
    "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
  )

export const hasReplicas = (name: string) =>
  new AwsError(
    'InvalidRequestException',
    `You can't delete secret ${name} because it has replicas. Remove the replica regions first.`,
  )
