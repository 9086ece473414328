// An error an AWS-compatible engine throws: the AWS `__type` and message the awsJson1_1 adapter renders.
import { AppError } from './errors.ts'

/**
 * `awsType` is the modeled error name (ResourceNotFoundException, InvalidParameterException…), which SDKs use to
 * pick the exception class; `status` is what AWS answers with (400 for every Secrets Manager client error). A
 * Vault-API caller sees the same message with the same status. Messages never contain a secret value.
 */
export class AwsError extends AppError {
  readonly awsType: string
  constructor(awsType: string, message: string, status = 400, options?: { cause?: unknown }) {
    super(status >= 500 ? 'internal' : 'invalid_request', status, message, options)
    this.awsType = awsType
  }
}

export function isAwsError(error: unknown): error is AwsError {
  return error instanceof AwsError
}

/** The awsJson1_1 services Coffer answers, by the prefix their IAM actions and signatures use. */
export type AwsJsonService = 'secretsmanager' | 'ssm' | 'kms'

/** Each service's own modeled name for a fault on its side: what its SDK raises (and retries) on a 500. */
const INTERNAL_ERROR_TYPE: Record<AwsJsonService, string> = {
  secretsmanager: 'InternalServiceError',
  ssm: 'InternalServerError',
  kms: 'KMSInternalException',
}

export function awsInternalErrorType(service: AwsJsonService): string {
  return INTERNAL_ERROR_TYPE[service]
}

/** A client error with no more specific type: Parameter Store and KMS model no InvalidRequestException. */
export function awsInvalidRequestType(service: AwsJsonService): string {
  return service === 'secretsmanager' ? 'InvalidRequestException' : 'ValidationException'
}

/** The service an IAM-style prefix ("ssm", "kms", "secretsmanager") names; Secrets Manager for anything else. */
export function awsJsonServiceOf(prefix: string): AwsJsonService {
  return prefix === 'ssm' || prefix === 'kms' ? prefix : 'secretsmanager'
}
