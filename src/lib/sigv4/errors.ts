// The refusals of SigV4 verification, typed with the `__type`, message and HTTP status AWS's JSON services answer.

/** The `__type` values botocore and the JS SDK classify (JS v3 treats InvalidSignatureException as clock skew). */
export type SigV4ErrorType =
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'MissingAuthenticationTokenException'

// AWS's JSON-protocol services answer all of these with 400 (a signature mismatch and "Signature expired" included,
// as clients' logs of Secrets Manager, DynamoDB and Kinesis show); only the REST services use 403.
const STATUS: Record<SigV4ErrorType, number> = {
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  MissingAuthenticationTokenException: 400,
}

/** A request whose signature is refused. Messages never contain the secret, the signature or a signing key. */
export class SigV4Error extends Error {
  readonly awsType: SigV4ErrorType
  readonly status: number
  constructor(awsType: SigV4ErrorType, message: string) {
    super(message)
    this.name = 'SigV4Error'
    this.awsType = awsType
    this.status = STATUS[awsType]
  }
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

export const UNKNOWN_KEY = 'The security token included in the request is invalid.'

export const incomplete = (message: string) => new SigV4Error('IncompleteSignatureException', message)
export const invalid = (message: string) => new SigV4Error('InvalidSignatureException', message)
