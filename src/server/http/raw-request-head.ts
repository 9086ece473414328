// Checking a raw HTTP/1.1 request head by the rules Node's own parser applies, for the LIST verb it refuses.
import {
  MALFORMED_HOST,
  MISSING_HOST,
  MULTIPLE_HOSTS,
  UNSUPPORTED_VERSION,
  unsupportedVersion,
  validHost,
} from './request-head.ts'

export interface RequestHead {
  url: string
  /** Lower-cased names, duplicates merged as node:http merges them, so every verb sees the same headers. */
  headers: Record<string, string | string[]>
  /** Declared body length; 0 without Content-Length. */
  contentLength: number
}

export interface HeadRefusal {
  status: 400 | 414 | 431 | 505
  message: string
}

export const MALFORMED = 'malformed HTTP request'
export const HEADERS_TOO_LARGE = 'request headers too large'
export const URI_TOO_LONG = 'request URI too long'

/** More header fields than this is HPE_HEADER_OVERFLOW in Node (its default maxHeadersCount is 2000 entries). */
const MAX_HEADER_FIELDS = 1000
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Field values may hold tabs, visible ASCII and obs-text, never other control characters. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const REQUEST_LINE = /^LIST ([\x21-\x7e\x80-\xff]+) HTTP\/1\.([01])$/

/** node:http keeps the first of these when they repeat (IncomingMessage's matchKnownFields). */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
])

function refuse(
  status: 400 | 414 | 431 = 400,
  message = status === 431 ? HEADERS_TOO_LARGE : status === 414 ? URI_TOO_LONG : MALFORMED,
) {
  return { status, message } satisfies HeadRefusal
}

function addHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const earlier = headers[name]
  if (earlier === undefined) {
    headers[name] = name === 'set-cookie' ? [value] : value
  } else if (name === 'set-cookie') {
    ;(earlier as string[]).push(value)
  } else if (!FIRST_WINS.has(name)) {
    headers[name] = `${earlier}${name === 'cookie' ? '; ' : ', '}${value}`
  }
}

/**
 * Parse the head (everything before the blank line, without it) of a request that starts with LIST.
 * `maxHeaderSize` is counted as Node counts it: the request target plus every field name and value.
 */
export function parseRequestHead(head: Buffer, maxHeaderSize: number): RequestHead | HeadRefusal {
  const lines = head.toString('latin1').split('\r\n')
  const requestLine = REQUEST_LINE.exec(lines[0] ?? '')
  if (!requestLine) return unsupportedVersion(lines[0] ?? '') ? UNSUPPORTED_VERSION : refuse()
  const url = requestLine[1]!
  // The target alone past the limit: the URI is what is too long.
  if (url.length >= maxHeaderSize) return refuse(414)
  let counted = url.length
  if (lines.length - 1 > MAX_HEADER_FIELDS) return refuse(431)
  const headers = Object.create(null) as Record<string, string | string[]>
  let contentLength: string | undefined
  let hosts = 0
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    // No colon, whitespace before it, or a continuation line (obs-fold): all refused, as Node does.
    if (colon <= 0) return refuse()
    const name = line.slice(0, colon)
    if (!TOKEN.test(name)) return refuse()
    const raw = line.slice(colon + 1).replace(/^[ \t]+/, '')
    if (!FIELD_VALUE.test(raw)) return refuse()
    counted += name.length + raw.length
    if (counted >= maxHeaderSize) return refuse(431)
    const lower = name.toLowerCase()
    const value = raw.replace(/[ \t]+$/, '')
    if (lower === 'content-length') {
      // Only decimal digits, and only once (even a repeat of the same value is refused, as Node does).
      if (contentLength !== undefined || !/^\d+$/.test(value)) return refuse()
      contentLength = value
    }
    // Counted before node:http's merging keeps the first of two (see request-head.ts).
    if (lower === 'host') hosts++
    addHeader(headers, lower, value)
  }
  if (hosts > 1) return MULTIPLE_HOSTS
  if (hosts === 0 && requestLine[2] === '1') return MISSING_HOST
  if (hosts === 1 && !validHost(headers['host'] as string)) return MALFORMED_HOST
  if (headers['transfer-encoding'] !== undefined) {
    return refuse(400, 'LIST requests with Transfer-Encoding are not supported; send Content-Length')
  }
  return { url, headers, contentLength: contentLength === undefined ? 0 : Number(contentLength) }
}

export function isRefusal(value: RequestHead | HeadRefusal): value is HeadRefusal {
  return 'status' in value
}
