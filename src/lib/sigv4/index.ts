// AWS Signature Version 4 verification: the one entry point the AWS front door and the aws-keys auth method use.
export { type ParsedAuthorization, parseAuthorization } from './authorization.ts'
export { forgetSigningKeys } from './canonical.ts'
export { SIGNATURE_MISMATCH, SigV4Error, type SigV4ErrorType, UNKNOWN_KEY } from './errors.ts'
export { isPresignedQuery, MAX_EXPIRES_SECONDS } from './presigned.ts'
export {
  amzDate,
  headerMap,
  type ReceivedHeaders,
  type ReceivedRequest,
  type VerifiedRequest,
  type VerifyOptions,
  verifySigV4,
} from './verify.ts'
