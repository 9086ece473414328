// STS's MFA members (SerialNumber, TokenCode): read as AWS reads them, and refused, since Coffer has no MFA devices.
import { AwsError } from '../../../sdk/aws-error.ts'

const validation = (field: string, constraint: string) =>
  new AwsError(
    'ValidationError',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
    400,
  )

/**
 * A caller that sends an MFA code asks for a session that proves MFA. Coffer has no MFA device to check the code
 * against: issuing the session anyway would accept any code, so it is refused as AWS refuses a code it cannot
 * verify (AccessDenied, 403).
 */
export function refuseMfa(params: URLSearchParams): void {
  const serial = params.get('SerialNumber')
  const code = params.get('TokenCode')
  if (serial === null && code === null) return
  if (serial !== null && !/^[\w+=/:,.@-]{9,256}$/.test(serial))
    throw validation(
      'serialNumber',
      'Member must have length between 9 and 256 and satisfy regular expression pattern: [\\w+=/:,.@-]*',
    )
  if (code !== null && !/^\d{6}$/.test(code))
    throw validation('tokenCode', 'Member must have length 6 and satisfy regular expression pattern: [\\d]*')
  throw new AwsError(
    'AccessDenied',
    'MultiFactorAuthentication failed: this server has no MFA devices to verify the code against.',
    403,
  )
}
