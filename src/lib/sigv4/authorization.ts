// Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (or a presigned URL's parts).
import { ALGORITHM } from './canonical.ts'
import { incomplete, SigV4Error } from './errors.ts'

export interface ParsedAuthorization {
  accessKeyId: string
  /** YYYYMMDD of the credential scope. */
  date: string
  region: string
  service: string
  /** `date/region/service/aws4_request`, as signed. */
  scope: string
  signedHeaders: string[]
  /** Lower-case hex. */
  signature: string
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header.trim() === '')
    throw new SigV4Error('MissingAuthenticationTokenException', 'Missing Authentication Token')
  const trimmed = header.trim()
  const space = trimmed.indexOf(' ')
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space)
  if (algorithm !== ALGORITHM)
    throw incomplete(`Unsupported AWS 'algorithm': only '${ALGORITHM}' (Signature Version 4) is accepted.`)
  const params = new Map<string, string>()
  for (const part of trimmed.slice(space + 1).split(',')) {
    const equals = part.indexOf('=')
    if (equals < 0) continue
    params.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim())
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !params.get(name))
  if (missing.length > 0)
    throw incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '))
  return parseSignatureParts(
    params.get('Credential')!,
    params.get('SignedHeaders')!,
    params.get('Signature')!,
  )
}

/**
 * The credential scope, signed header list and signature, as an Authorization header or a presigned URL's query
 * (X-Amz-Credential, X-Amz-SignedHeaders, X-Amz-Signature) carries them.
 */
export function parseSignatureParts(
  credentialText: string,
  signedHeadersText: string,
  signature: string,
): ParsedAuthorization {
  const credential = credentialText.split('/')
  if (credential.length !== 5 || credential.some((part) => part === ''))
    throw incomplete(
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request.',
    )
  const [accessKeyId, date, region, service, terminator] = credential as [
    string,
    string,
    string,
    string,
    string,
  ]
  if (!/^\d{8}$/.test(date))
    throw incomplete(`Invalid credential date "${date}": it must be in YYYYMMDD format.`)
  if (terminator !== 'aws4_request')
    throw incomplete(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    )

  const signedHeaders = signedHeadersText.split(';')
  if (signedHeaders.some((name) => name === '' || name !== name.toLowerCase()))
    throw incomplete('SignedHeaders must be lower-case header names separated by semicolons.')
  if (!signedHeaders.includes('host'))
    throw incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) throw incomplete('Signature must be 64 hexadecimal characters.')
  return {
    accessKeyId,
    date,
    region,
    service,
    scope: `${date}/${region}/${service}/aws4_request`,
    signedHeaders,
    signature: signature.toLowerCase(),
  }
}
