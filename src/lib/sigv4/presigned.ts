// Query-string authentication (a presigned URL): the X-Amz-* parameters, and the query as it was signed.
import { type ParsedAuthorization, parseSignatureParts } from './authorization.ts'
import { ALGORITHM } from './canonical.ts'
import { incomplete } from './errors.ts'

/** AWS's longest presigned lifetime: seven days. */
export const MAX_EXPIRES_SECONDS = 604_800

export interface PresignedQuery {
  auth: ParsedAuthorization
  /** X-Amz-Date as given (ISO-8601 basic). */
  amzDate: string
  /** X-Amz-Expires, in seconds (1 to 604800). */
  expiresSeconds: number
  /** X-Amz-Security-Token, for session credentials. */
  securityToken?: string
  /** The raw query without X-Amz-Signature: what the canonical request was built from. */
  signedQuery: string
}

const REQUIRED = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
]

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Whether the query string carries a query-string signature (any of its X-Amz-Algorithm/Credential/Signature). */
export function isPresignedQuery(rawQuery: string): boolean {
  return /(^|&)X-Amz-(Algorithm|Credential|Signature)=/i.test(rawQuery.replace(/^\?/, ''))
}

/** The presigned parameters of a query; throws AWS's IncompleteSignature refusals for a malformed set. */
export function parsePresignedQuery(rawQuery: string): PresignedQuery {
  const params = new Map<string, string>()
  const kept: string[] = []
  for (const part of rawQuery.replace(/^\?/, '').split('&')) {
    if (part === '') continue
    const equals = part.indexOf('=')
    const name = decode(equals < 0 ? part : part.slice(0, equals))
    const value = decode(equals < 0 ? '' : part.slice(equals + 1))
    if (name.startsWith('X-Amz-')) {
      if (params.has(name)) throw incomplete(`The query string must carry exactly one '${name}' parameter.`)
      params.set(name, value)
    }
    if (name !== 'X-Amz-Signature') kept.push(part)
  }
  if (REQUIRED.some((name) => !params.get(name)))
    throw incomplete(
      `AWS query-string parameters must include ${REQUIRED.map((n) => `'${n}'`).join(', ')}. Re-examine the query-string parameters.`,
    )
  if (params.get('X-Amz-Algorithm') !== ALGORITHM)
    throw incomplete(`Unsupported AWS 'algorithm': only '${ALGORITHM}' (Signature Version 4) is accepted.`)
  const expires = params.get('X-Amz-Expires') ?? ''
  if (!/^\d{1,7}$/.test(expires) || Number(expires) < 1)
    throw incomplete("'X-Amz-Expires' must be a whole number of seconds, at least 1.")
  if (Number(expires) > MAX_EXPIRES_SECONDS)
    throw incomplete(`'X-Amz-Expires' must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}.`)
  const token = params.get('X-Amz-Security-Token')
  return {
    auth: parseSignatureParts(
      params.get('X-Amz-Credential')!,
      params.get('X-Amz-SignedHeaders')!,
      params.get('X-Amz-Signature')!,
    ),
    amzDate: params.get('X-Amz-Date')!,
    expiresSeconds: Number(expires),
    ...(token ? { securityToken: token } : {}),
    signedQuery: kept.join('&'),
  }
}
