// Verifies an AWS Signature Version 4 `Authorization` header or presigned query against the request as received.
import { constantTimeEqual, sha256Hex } from '../hash.ts'
import { parseAuthorization } from './authorization.ts'
import { canonicalRequest, signatureHex, signingKeyObject, stringToSign } from './canonical.ts'
import { incomplete, invalid, SIGNATURE_MISMATCH, SigV4Error, UNKNOWN_KEY } from './errors.ts'
import { isPresignedQuery, type PresignedQuery, parsePresignedQuery } from './presigned.ts'

/** The payload hash botocore's presigner signs in place of the body's. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'

/** Node's `rawHeaders` (name, value, name, value…), or a map of names to one value or every value received. */
export type ReceivedHeaders =
  | readonly string[]
  | Readonly<Record<string, string | readonly string[] | undefined>>

export interface ReceivedRequest {
  method: string
  /** The path as sent on the request line, percent-encoding intact, without the query. */
  rawPath: string
  /** The query string as sent, without the `?`; '' when there is none. */
  rawQuery: string
  headers: ReceivedHeaders
  body: Uint8Array
}

export interface VerifyOptions {
  /** The secret access key of an access key ID, or undefined when the ID is unknown or revoked. */
  lookupSecret(accessKeyId: string): Promise<string | undefined> | string | undefined
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number
  /** How far the signing time may be from now; AWS's default window is 15 minutes. */
  maxSkewMs?: number
  /** Services the credential scope may name; any when absent. */
  services?: readonly string[]
}

export interface VerifiedRequest {
  accessKeyId: string
  region: string
  service: string
  /** `X-Amz-Security-Token` when the client sent session credentials; checking it is the caller's job. */
  securityToken?: string
  /** The signing time, in milliseconds since the epoch. */
  signedAt: number
  /** Signed in the query string (a presigned URL, made to be handed to others) rather than the Authorization header. */
  presigned?: true
}

const DEFAULT_SKEW_MS = 15 * 60_000

/** Lower-case names, each with its values in the order received. */
export function headerMap(headers: ReceivedHeaders): Map<string, string[]> {
  const map = new Map<string, string[]>()
  const add = (name: string, value: string) => {
    const key = name.toLowerCase()
    const values = map.get(key)
    if (values) values.push(value)
    else map.set(key, [value])
  }
  if (Array.isArray(headers)) {
    const flat = headers as readonly string[]
    for (let i = 0; i + 1 < flat.length; i += 2) add(flat[i]!, flat[i + 1]!)
  } else {
    const record = headers as Record<string, string | readonly string[] | undefined>
    for (const name in record) {
      if (!Object.hasOwn(record, name)) continue
      const value = record[name]
      if (value === undefined) continue
      if (typeof value === 'string') add(name, value)
      else for (const one of value) add(name, one)
    }
  }
  return map
}

/** `20261122T111558Z` for a time in ms. */
export function amzDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

/** The value of the `length` decimal digits of `text` from `at`, or -1 when any is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0
  for (let i = at; i < at + length; i++) {
    const code = text.charCodeAt(i) - 48
    if (code < 0 || code > 9) return -1
    value = value * 10 + code
  }
  return value
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function single(headers: Map<string, string[]>, name: string): string | undefined {
  const values = headers.get(name)
  if (values === undefined) return undefined
  if (values.length !== 1) throw incomplete(`The request must carry exactly one '${name}' header.`)
  return values[0]
}

/** An X-Amz-Date value (ISO-8601 basic, UTC) as ms and as its text; `what` names it in the refusal. */
function parseAmzDate(value: string, what: string): { ms: number; text: string } {
  const text = value.trim()
  // Read field by field, each checked against its range: a date that Date.UTC would roll over (20261340 into a
  // later month, years below 100 into the 1900s, second 60 into the next minute) is malformed.
  const year = digits(text, 0, 4)
  const month = digits(text, 4, 2)
  const day = digits(text, 6, 2)
  const hour = digits(text, 9, 2)
  const minute = digits(text, 11, 2)
  const second = digits(text, 13, 2)
  if (
    text.length !== 16 ||
    text.charCodeAt(8) !== 84 /* T */ ||
    text.charCodeAt(15) !== 90 /* Z */ ||
    year < 100 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    throw incomplete(`${what} must be in ISO-8601 basic format, e.g. 20261122T111558Z.`)
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second), text }
}

/** The signing time from X-Amz-Date (or, without it, Date) and its basic ISO-8601 form used in the string to sign. */
function signingTime(headers: Map<string, string[]>): { ms: number; text: string } {
  const xAmzDate = single(headers, 'x-amz-date')
  if (xAmzDate !== undefined) return parseAmzDate(xAmzDate, "The 'X-Amz-Date' header")
  const date = single(headers, 'date')
  if (date === undefined)
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
  const ms = Date.parse(date)
  if (Number.isNaN(ms)) throw incomplete("The 'Date' header is not a valid HTTP date.")
  return { ms, text: amzDate(ms) }
}

function checkSkew(signedAt: number, text: string, now: number, skewMs: number): void {
  const minutes = Math.round(skewMs / 60_000)
  if (signedAt < now - skewMs)
    throw invalid(
      `Signature expired: ${text} is now earlier than ${amzDate(now - skewMs)} (${amzDate(now)} - ${minutes} min.)`,
    )
  if (signedAt > now + skewMs)
    throw invalid(
      `Signature not yet current: ${text} is still later than ${amzDate(now + skewMs)} (${amzDate(now)} + ${minutes} min.)`,
    )
}

/**
 * Checks, in AWS's order of refusals: the header's shape, the date and its agreement with the credential scope,
 * the clock window, the access key, the body's hash, then the signature (compared in constant time). Throws a
 * SigV4Error; returns who signed and for which region and service.
 */
export async function verifySigV4(
  request: ReceivedRequest,
  options: VerifyOptions,
): Promise<VerifiedRequest> {
  const headers = headerMap(request.headers)
  const authorization = single(headers, 'authorization')
  if (isPresignedQuery(request.rawQuery)) {
    if (authorization !== undefined)
      throw incomplete(
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
      )
    return verifyPresigned(request, headers, parsePresignedQuery(request.rawQuery), options)
  }
  const auth = parseAuthorization(authorization)
  const time = signingTime(headers)
  if (auth.date !== time.text.slice(0, 8))
    throw invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${time.text.slice(0, 8)}', from '${time.text}'.`,
    )
  if (options.services !== undefined && !options.services.includes(auth.service))
    throw invalid(`Credential should be scoped to correct service: '${options.services.join("' or '")}'.`)
  checkSkew(time.ms, time.text, (options.now ?? Date.now)(), options.maxSkewMs ?? DEFAULT_SKEW_MS)

  // Awaited only when the lookup is asynchronous: a secret held in memory costs no turn of the microtask queue.
  const found = options.lookupSecret(auth.accessKeyId)
  const secret = found instanceof Promise ? await found : found
  if (secret === undefined) throw new SigV4Error('UnrecognizedClientException', UNKNOWN_KEY)

  const payloadHash = sha256Hex(request.body)
  const claimedHash = single(headers, 'x-amz-content-sha256')
  // S3's UNSIGNED-PAYLOAD and streaming forms are not accepted: the body is always covered by the signature.
  if (claimedHash !== undefined && claimedHash.trim().toLowerCase() !== payloadHash)
    throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")

  const canonical = canonicalRequest({
    method: request.method,
    rawPath: request.rawPath,
    rawQuery: request.rawQuery,
    headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
  })
  const key = signingKeyObject(auth.accessKeyId, secret, auth.date, auth.region, auth.service)
  const expected = signatureHex(key, stringToSign(time.text, auth.scope, canonical))
  if (!constantTimeEqual(expected, auth.signature)) throw invalid(SIGNATURE_MISMATCH)

  const securityToken = single(headers, 'x-amz-security-token')
  return {
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    service: auth.service,
    signedAt: time.ms,
    ...(securityToken === undefined ? {} : { securityToken }),
  }
}

/**
 * A presigned request (query-string authentication): the same checks as a signed header's, with the signing time
 * and lifetime from X-Amz-Date and X-Amz-Expires (refused once the lifetime has passed, and when signed more than
 * the clock skew in the future), the canonical query without X-Amz-Signature, and the payload hash as the client
 * signed it: the body's, or, for a request without a body only, UNSIGNED-PAYLOAD (which botocore's presigner
 * always signs), so a body is always covered by the signature. Every candidate is compared in constant time.
 */
async function verifyPresigned(
  request: ReceivedRequest,
  headers: Map<string, string[]>,
  presigned: PresignedQuery,
  options: VerifyOptions,
): Promise<VerifiedRequest> {
  const { auth } = presigned
  const time = parseAmzDate(presigned.amzDate, "The 'X-Amz-Date' parameter")
  if (auth.date !== time.text.slice(0, 8))
    throw invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${time.text.slice(0, 8)}', from '${time.text}'.`,
    )
  if (options.services !== undefined && !options.services.includes(auth.service))
    throw invalid(`Credential should be scoped to correct service: '${options.services.join("' or '")}'.`)
  const now = (options.now ?? Date.now)()
  const skewMs = options.maxSkewMs ?? DEFAULT_SKEW_MS
  const expiresAt = time.ms + presigned.expiresSeconds * 1000
  if (now > expiresAt)
    throw invalid(
      `Signature expired: ${time.text} + ${presigned.expiresSeconds} seconds is now earlier than ${amzDate(now)}.`,
    )
  if (time.ms > now + skewMs)
    throw invalid(
      `Signature not yet current: ${time.text} is still later than ${amzDate(now + skewMs)} (${amzDate(now)} + ${Math.round(skewMs / 60_000)} min.)`,
    )

  const secret = await options.lookupSecret(auth.accessKeyId)
  if (secret === undefined) throw new SigV4Error('UnrecognizedClientException', UNKNOWN_KEY)

  const bodyHash = sha256Hex(request.body)
  const candidates = request.body.length === 0 ? [bodyHash, UNSIGNED_PAYLOAD] : [bodyHash]
  const claimedHash = single(headers, 'x-amz-content-sha256')?.trim()
  if (claimedHash !== undefined) {
    const claimed = claimedHash === UNSIGNED_PAYLOAD ? claimedHash : claimedHash.toLowerCase()
    if (!candidates.includes(claimed))
      throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
  }
  const key = signingKeyObject(auth.accessKeyId, secret, auth.date, auth.region, auth.service)
  let matched = false
  for (const payloadHash of candidates) {
    const canonical = canonicalRequest({
      method: request.method,
      rawPath: request.rawPath,
      rawQuery: presigned.signedQuery,
      headers,
      signedHeaders: auth.signedHeaders,
      payloadHash,
    })
    const expected = signatureHex(key, stringToSign(time.text, auth.scope, canonical))
    // Both candidates are always computed and compared, so the time taken says nothing about which matched.
    if (constantTimeEqual(expected, auth.signature)) matched = true
  }
  if (!matched) throw invalid(SIGNATURE_MISMATCH)
  return {
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    service: auth.service,
    signedAt: time.ms,
    presigned: true,
    ...(presigned.securityToken === undefined ? {} : { securityToken: presigned.securityToken }),
  }
}
