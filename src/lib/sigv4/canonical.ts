// SigV4's canonical request, string to sign and signing key, rebuilt from a request as it was received.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { sha256Hex } from '../hash.ts'

export const ALGORITHM = 'AWS4-HMAC-SHA256'

/** Text uriEncode leaves as it is: only unreserved characters (and, for a path, slashes). */
const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/
const UNRESERVED_PATH = /^[A-Za-z0-9\-_.~/]*$/

/** RFC 3986 encoding as SigV4 defines it: every byte but A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex). */
export function uriEncode(text: string, keepSlash = false): string {
  // Most names, values and paths need no escape: one test instead of a walk over their bytes.
  if ((keepSlash ? UNRESERVED_PATH : UNRESERVED).test(text)) return text
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(char) || (keepSlash && char === '/')) out += char
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** Percent-decoding that leaves a malformed escape as it is instead of throwing; `+` stays a plus. */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The canonical URI of a non-S3 service: the path as received (already percent-encoded) with `.` and `..`
 * segments resolved and empty segments dropped, then encoded once more, which is what botocore and the JS
 * SDK both sign (a space is `%20` on the wire and `%2520` in the canonical request).
 */
export function canonicalUri(rawPath: string): string {
  // The JSON and query protocols all post to the root.
  if (rawPath === '/') return '/'
  const segments: string[] = []
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : ''
  return uriEncode(`/${segments.join('/')}${trailing}`, true)
}

/** The canonical query string: each name and value decoded, encoded strictly, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return ''
  const pairs: Array<[string, string]> = []
  for (const part of rawQuery.replace(/^\?/, '').split('&')) {
    if (part === '') continue
    const equals = part.indexOf('=')
    const name = equals < 0 ? part : part.slice(0, equals)
    const value = equals < 0 ? '' : part.slice(equals + 1)
    pairs.push([uriEncode(percentDecode(name)), uriEncode(percentDecode(value))])
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  return pairs.map(([name, value]) => `${name}=${value}`).join('&')
}

/** Whitespace other than a lone space: what canonicalValue must collapse. */
const COLLAPSIBLE = /\s\s|[^\S ]/

/** One value trimmed with inner runs of whitespace collapsed to a space. */
function canonicalValue(value: string): string {
  const trimmed = value.trim()
  return COLLAPSIBLE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed
}

/** A header's canonical value: each received value trimmed with inner runs of spaces collapsed, joined by commas. */
export function canonicalHeaderValue(values: readonly string[]): string {
  if (values.length === 1) return canonicalValue(values[0]!)
  let out = ''
  for (let i = 0; i < values.length; i++)
    out += i === 0 ? canonicalValue(values[i]!) : `,${canonicalValue(values[i]!)}`
  return out
}

export interface CanonicalInput {
  method: string
  rawPath: string
  rawQuery: string
  /** Lower-case names, each with every value received for it, in order. */
  headers: ReadonlyMap<string, readonly string[]>
  /** The SignedHeaders list exactly as the client gave it. */
  signedHeaders: readonly string[]
  payloadHash: string
}

export function canonicalRequest(input: CanonicalInput): string {
  let headerLines = ''
  let names = ''
  const signed = input.signedHeaders
  for (let i = 0; i < signed.length; i++) {
    const name = signed[i]!
    const values = input.headers.get(name)
    headerLines += `${name}:${values === undefined ? '' : canonicalHeaderValue(values)}\n`
    names += i === 0 ? name : `;${name}`
  }
  return `${input.method.toUpperCase()}\n${canonicalUri(input.rawPath)}\n${canonicalQuery(input.rawQuery)}\n${headerLines}\n${names}\n${input.payloadHash}`
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`
}

const hmac = (key: Uint8Array | string, data: string): Buffer =>
  createHmac('sha256', key).update(data).digest()

/** The key the signature is an HMAC under: the secret folded with the scope's date, region and service. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request')
}

/**
 * signingKey as a KeyObject, remembered for the access key and the day, region and service it is scoped to, as the
 * AWS SDKs remember theirs: a client signs every call of a day with the same derived key, and deriving it (four
 * HMACs, each importing a key) costs more than the signature itself. The entry keeps the secret it was derived
 * from and is used only while the secret the caller just looked up is that same one: a key stored again under the
 * same ID with another secret never meets the old derived key, and a revoked key never gets this far (its lookup
 * fails first). One entry per key and scope, so a changed secret replaces its entry; bounded, oldest dropped first.
 */
const derived = new Map<string, { secret: string; key: KeyObject }>()
const DERIVED_LIMIT = 1024

export function signingKeyObject(
  accessKeyId: string,
  secret: string,
  date: string,
  region: string,
  service: string,
): KeyObject {
  const id = `${accessKeyId}/${date}/${region}/${service}`
  const known = derived.get(id)
  if (known !== undefined && known.secret === secret) return known.key
  const raw = signingKey(secret, date, region, service)
  const key = createSecretKey(raw)
  raw.fill(0)
  if (known === undefined && derived.size >= DERIVED_LIMIT)
    derived.delete(derived.keys().next().value as string)
  derived.set(id, { secret, key })
  return key
}

/** Drops every remembered signing key (and the secrets they were derived from), e.g. when the server seals. */
export function forgetSigningKeys(): void {
  derived.clear()
}

export function signatureHex(key: Uint8Array | KeyObject, toSign: string): string {
  return createHmac('sha256', key).update(toSign).digest('hex')
}
