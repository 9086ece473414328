// STS members Coffer cannot honour (MFA codes, session policies): refused, never ignored into a session the caller did not ask for.
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

/**
 * A session policy (Policy, or PolicyArns.member.N) narrows the session to less than the role may do; a caller
 * hands such credentials to code it trusts less. Coffer does not evaluate IAM policy documents, so issuing the
 * session would give that code the role's full permissions: it is refused instead.
 */
export function refuseSessionPolicies(params: URLSearchParams): void {
  const named = [...params.keys()].some((key) => key === 'Policy' || key.startsWith('PolicyArns.'))
  if (named)
    throw new AwsError(
      'ValidationError',
      'Session policies (Policy, PolicyArns) are not supported by this server: the session would have the role\u2019s full permissions, not the narrower ones asked for.',
      400,
    )
}
