// A standby's answer to a request it does not serve: forward it to the active node, or redirect (307) on request.
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { ConnectionInfo } from '../../sdk/request.ts'
import { emptyResult, type HttpRequest, type HttpResult, jsonResult } from './http-types.ts'

/** Paths a standby answers itself: its own seal state and health, and where the active node is. */
export const STANDBY_LOCAL_PATHS: ReadonlySet<string> = new Set([
  'sys/health',
  'sys/leader',
  'sys/seal-status',
  'sys/unseal',
  'sys/init',
])

/** What the forwarding node vouches for; the active node believes it only under a valid signature. */
const FORWARDED_FOR = 'x-coffer-forwarded-for'
const FORWARDED_CERTS = 'x-coffer-forwarded-certs'
const FORWARDED_AT = 'x-coffer-forwarded-at'
const FORWARDED_SIGNATURE = 'x-coffer-forwarded-signature'
const FORWARDED_HEADERS = [FORWARDED_FOR, FORWARDED_CERTS, FORWARDED_AT, FORWARDED_SIGNATURE]
/** A signed forward older than this (or from further in the future) is not believed. */
const FORWARD_MAX_AGE_MS = 60_000

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
])

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }

/** The key as a KeyObject, made once per key: building one on every HMAC is most of an HMAC's cost here. */
const keyObjects = new WeakMap<Buffer, KeyObject>()

function signature(key: Buffer, req: HttpRequest, remote: string, certs: string, at: string): Buffer {
  let keyObject = keyObjects.get(key)
  if (keyObject === undefined) {
    keyObject = createSecretKey(key)
    keyObjects.set(key, keyObject)
  }
  return createHmac('sha256', keyObject)
    .update(`${req.method}\n${req.url}\n${remote}\n${certs}\n${at}`)
    .digest()
}

/**
 * On the receiving node: when the request carries a forwarding node's signature that verifies, the client's
 * address and certificates it vouches for replace the forwarding node's own; the headers are removed either way,
 * so a client cannot pretend to be forwarded. Returns whether the request came from a node of this cluster.
 */
export function acceptForwarded(req: HttpRequest, key: Buffer | undefined, now = Date.now()): boolean {
  const headers = req.headers
  const sent = headers[FORWARDED_SIGNATURE]
  const remote = headers[FORWARDED_FOR]
  const certs = headers[FORWARDED_CERTS]
  const at = headers[FORWARDED_AT]
  if (sent === undefined && remote === undefined && certs === undefined && at === undefined) return false
  for (const name of FORWARDED_HEADERS) delete headers[name]
  if (
    key === undefined ||
    typeof sent !== 'string' ||
    typeof remote !== 'string' ||
    typeof at !== 'string' ||
    (certs !== undefined && typeof certs !== 'string')
  )
    return false
  const time = Number(at)
  if (!Number.isFinite(time) || Math.abs(now - time) > FORWARD_MAX_AGE_MS) return false
  const expected = signature(key, req, remote, certs ?? '', at)
  const given = Buffer.from(sent, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false
  req.remoteAddress = remote
  if (certs) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(certs, 'base64url').toString('utf8'))
      if (Array.isArray(parsed) && parsed.every((pem) => typeof pem === 'string'))
        req.connection = { peerCertificates: parsed } satisfies ConnectionInfo
    } catch {
      // Signed by a node of this cluster, so never malformed in practice; without it the request has no certificate.
    }
  }
  return true
}

/** Vault's behaviour for a client that sets X-Vault-No-Request-Forwarding: a 307 to the active node's address. */
export function wantsRedirect(req: HttpRequest): boolean {
  const value = req.headers['x-vault-no-request-forwarding']
  return typeof value === 'string' ? value !== '' : Array.isArray(value) && value.length > 0
}

export function redirectTo(activeAddr: string, req: HttpRequest): HttpResult {
  const result = emptyResult(307)
  result.headers = { ...result.headers, location: new URL(req.url, withSlash(activeAddr)).toString() }
  return result
}

function withSlash(addr: string): string {
  return addr.endsWith('/') ? addr : `${addr}/`
}

/** Send `req` to the active node at `activeAddr`, vouching for the client, and relay its answer. */
export function forwardTo(activeAddr: string, req: HttpRequest, key: Buffer): Promise<HttpResult> {
  const target = new URL(req.url, withSlash(activeAddr))
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    // Host goes through as the client sent it: an AWS signature covers it (SigV4 signs the Host the client
    // addressed, this standby), and the active node must check the request the client signed.
    if (value === undefined || HOP_BY_HOP.has(name) || FORWARDED_HEADERS.includes(name)) continue
    headers[name] = value
  }
  const certs =
    req.connection && req.connection.peerCertificates.length > 0
      ? Buffer.from(JSON.stringify(req.connection.peerCertificates)).toString('base64url')
      : ''
  const at = String(Date.now())
  headers[FORWARDED_FOR] = req.remoteAddress
  if (certs) headers[FORWARDED_CERTS] = certs
  headers[FORWARDED_AT] = at
  headers[FORWARDED_SIGNATURE] = signature(key, req, req.remoteAddress, certs, at).toString('base64url')
  headers['content-length'] = String(req.body.length)
  const secure = target.protocol === 'https:'
  const send = secure ? https.request : http.request
  return new Promise((resolve) => {
    const outgoing = send(
      target,
      { method: req.method, headers, agent: secure ? agents.https : agents.http, timeout: 90_000 },
      (incoming) => {
        const chunks: Buffer[] = []
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
        incoming.on('error', () => resolve(UNREACHABLE))
        incoming.on('end', () => {
          const relayed: Record<string, string> = {}
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined || HOP_BY_HOP.has(name)) continue
            relayed[name] = Array.isArray(value) ? value.join(', ') : value
          }
          resolve({ status: incoming.statusCode ?? 502, headers: relayed, body: Buffer.concat(chunks) })
        })
      },
    )
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')))
    outgoing.on('error', () => resolve(UNREACHABLE))
    outgoing.end(req.body)
  })
}

/** No active node could be reached: retryable, as a sealed node's 503 is for Vault clients. */
export const UNREACHABLE: HttpResult = Object.freeze(
  jsonResult(503, { errors: ['this node is a standby and the active node could not be reached; retry'] }),
)

export function unreachable(): HttpResult {
  return UNREACHABLE
}
