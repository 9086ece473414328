// The checks a parsed request head passes before it is taken on: an HTTP version this server speaks, and one valid Host.
import type { IncomingMessage } from 'node:http'

export interface HeadProblem {
  status: 400 | 505
  message: string
}

export const UNSUPPORTED_VERSION: HeadProblem = { status: 505, message: 'unsupported protocol version' }
export const MISSING_HOST: HeadProblem = { status: 400, message: 'missing required Host header' }
export const MULTIPLE_HOSTS: HeadProblem = { status: 400, message: 'multiple Host headers' }
export const MALFORMED_HOST: HeadProblem = { status: 400, message: 'malformed Host header' }

/**
 * The bytes a Host value may hold: those of a reg-name, an IP literal in brackets and a port, as Go's server
 * (httpguts.ValidHostHeader) lets through, less the comma. A comma is a legal sub-delim in a reg-name, but no
 * DNS name or address holds one, and a proxy that joins two Host headers into one joins them with it: one Host
 * here would be two to whoever reads it as a list.
 */
const HOST_BYTE = new Uint8Array(128)
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$%&'()*+-.:;=[]_~")
  HOST_BYTE[c.charCodeAt(0)] = 1

/** Whether `value` may be a Host header's value. Empty is allowed (RFC 9112, 3.2: a target with no authority). */
export function validHost(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code >= 128 || HOST_BYTE[code] === 0) return false
  }
  return true
}

/** Whether a raw header name is Host, in any case, without building a lowercased copy for the common spellings. */
function isHost(name: string): boolean {
  return name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')
}

/**
 * Why this head is refused before it is routed, or undefined. node:http's parser takes HTTP/0.9 (a request line
 * without a version) and HTTP/2.0 request lines and hands them on as requests: Go's server, and so Vault, answers
 * both 505. RFC 9112 (3.2) requires a 400 for a request with more than one Host header or an invalid Host value,
 * and for an HTTP/1.1 request with none; node:http keeps the first of two Host headers and drops the other, so a
 * proxy in front that reads the second would route the request elsewhere than this server believes it went.
 */
export function headProblem(req: IncomingMessage): HeadProblem | undefined {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) return UNSUPPORTED_VERSION
  const raw = req.rawHeaders
  let host: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHost(raw[i]!)) continue
    if (host !== undefined) return MULTIPLE_HOSTS
    host = raw[i + 1]!
  }
  if (host === undefined) return req.httpVersionMinor === 1 ? MISSING_HOST : undefined
  return validHost(host) ? undefined : MALFORMED_HOST
}

/**
 * A request line's version that is well formed (`HTTP/` a digit, a dot, a digit) but not 1.0 or 1.1, which Node's
 * parser refuses as malformed: Go's server answers a major version it does not serve 505 and a malformed one 400.
 * Go serves 1.2 through 1.9 as 1.1; Node's parser cannot, so they are refused as unsupported as well.
 */
export function unsupportedVersion(requestLine: string): boolean {
  const at = requestLine.length - 8
  if (at < 1 || requestLine.charCodeAt(at - 1) !== 32 || !requestLine.startsWith('HTTP/', at)) return false
  const major = requestLine.charCodeAt(at + 5) - 48
  const minor = requestLine.charCodeAt(at + 7) - 48
  return (
    major >= 0 &&
    major <= 9 &&
    requestLine.charCodeAt(at + 6) === 46 &&
    minor >= 0 &&
    minor <= 9 &&
    !(major === 1 && minor <= 1)
  )
}
