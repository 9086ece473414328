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
  signedHeaders: readonly string[]
  /** Lower-case hex. */
  signature: string
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  const trimmed = header === undefined ? '' : header.trim()
  if (trimmed === '')
    throw new SigV4Error('MissingAuthenticationTokenException', 'Missing Authentication Token')
  const space = trimmed.indexOf(' ')
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space)
  if (algorithm !== ALGORITHM)
    throw incomplete(`Unsupported AWS 'algorithm': only '${ALGORITHM}' (Signature Version 4) is accepted.`)
  // The three parameters, read with indexOf rather than a split into a map; a repeated one keeps its last value.
  let credential = ''
  let signedHeaders = ''
  let signature = ''
  let at = space + 1
  while (at <= trimmed.length) {
    let comma = trimmed.indexOf(',', at)
    if (comma < 0) comma = trimmed.length
    const equals = trimmed.indexOf('=', at)
    if (equals >= 0 && equals < comma) {
      const name = trimmed.slice(at, equals).trim()
      if (name === 'Credential') credential = trimmed.slice(equals + 1, comma).trim()
      else if (name === 'SignedHeaders') signedHeaders = trimmed.slice(equals + 1, comma).trim()
      else if (name === 'Signature') signature = trimmed.slice(equals + 1, comma).trim()
    }
    at = comma + 1
  }
  if (credential === '' || signedHeaders === '' || signature === '') {
    const missing = [
      credential === '' ? 'Credential' : '',
      signedHeaders === '' ? 'SignedHeaders' : '',
      signature === '' ? 'Signature' : '',
    ].filter((name) => name !== '')
    throw incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '))
  }
  return parseSignatureParts(credential, signedHeaders, signature)
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
  // keyid/date/region/service/aws4_request, cut at its slashes (a fifth slash, or an empty part, is malformed).
  const s1 = credentialText.indexOf('/')
  const s2 = credentialText.indexOf('/', s1 + 1)
  const s3 = s2 < 0 ? -1 : credentialText.indexOf('/', s2 + 1)
  const s4 = s3 < 0 ? -1 : credentialText.indexOf('/', s3 + 1)
  if (
    s1 < 1 ||
    s2 <= s1 + 1 ||
    s3 <= s2 + 1 ||
    s4 <= s3 + 1 ||
    s4 + 1 >= credentialText.length ||
    credentialText.indexOf('/', s4 + 1) >= 0
  )
    throw incomplete(
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request.',
    )
  const accessKeyId = credentialText.slice(0, s1)
  const date = credentialText.slice(s1 + 1, s2)
  const region = credentialText.slice(s2 + 1, s3)
  const service = credentialText.slice(s3 + 1, s4)
  const terminator = credentialText.slice(s4 + 1)
  if (!/^\d{8}$/.test(date))
    throw incomplete(`Invalid credential date "${date}": it must be in YYYYMMDD format.`)
  if (terminator !== 'aws4_request')
    throw incomplete(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    )
  const signedHeaders = signedHeaderList(signedHeadersText)
  const hex = hexCase(signature)
  if (hex === undefined) throw incomplete('Signature must be 64 hexadecimal characters.')
  return {
    accessKeyId,
    date,
    region,
    service,
    // The credential after the key ID is the scope as signed.
    scope: credentialText.slice(s1 + 1),
    signedHeaders,
    signature: hex === 'lower' ? signature : signature.toLowerCase(),
  }
}

/**
 * SignedHeaders lists, checked and split once per distinct text: a client sends the same few lists on every call.
 * The lists are frozen (they are shared between requests); a bounded map, emptied when full.
 */
const headerLists = new Map<string, readonly string[]>()
const HEADER_LISTS_LIMIT = 256

function signedHeaderList(text: string): readonly string[] {
  const known = headerLists.get(text)
  if (known !== undefined) return known
  const signedHeaders = text.split(';')
  if (signedHeaders.some((name) => name === '' || name !== name.toLowerCase()))
    throw incomplete('SignedHeaders must be lower-case header names separated by semicolons.')
  if (!signedHeaders.includes('host'))
    throw incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
  if (headerLists.size >= HEADER_LISTS_LIMIT) headerLists.clear()
  const list = Object.freeze(signedHeaders)
  headerLists.set(text, list)
  return list
}

/** For exactly 64 characters of 0-9, a-f or A-F, whether any letter is upper-case; undefined for anything else. */
function hexCase(text: string): 'lower' | 'mixed' | undefined {
  if (text.length !== 64) return undefined
  let upper = false
  for (let i = 0; i < 64; i++) {
    const code = text.charCodeAt(i)
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 102)) continue
    if (code >= 65 && code <= 70) upper = true
    else return undefined
  }
  return upper ? 'mixed' : 'lower'
}
