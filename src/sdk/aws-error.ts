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
