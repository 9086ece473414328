// An error an AWS-compatible engine throws: the AWS `__type` and message the awsJson1_1 adapter renders.
import { AppError } from './errors.ts'

/**
 * `awsType` is the modeled error name (ResourceNotFoundException, InvalidParameterException…), which SDKs use to
 * pick the exception class; `status` is what AWS answers with (400 for every Secrets Manager client error). A
 * Vault-API caller sees the same message with the same status. Messages never contain a secret value.
 */
export class AwsError extends AppError {
  readonly awsType: string
  constructor(awsType: string, message: string, status = 400) {
    super(status >= 500 ? 'internal' : 'invalid_request', status, message)
    this.awsType = awsType
  }
}

export function isAwsError(error: unknown): error is AwsError {
  return error instanceof AwsError
}

/** Each JSON service's own name for a server fault, as its model declares it (SDKs retry it). */
const INTERNAL_ERRORS: Record<string, string> = {
  secretsmanager: 'InternalServiceError',
  ssm: 'InternalServerError',
  kms: 'KMSInternalException',
}

/** The `__type` a server fault is answered with by `service` (its signing name: secretsmanager, ssm, kms). */
export function internalErrorOf(service: string): string {
  return Object.hasOwn(INTERNAL_ERRORS, service) ? INTERNAL_ERRORS[service]! : 'InternalFailure'
}
