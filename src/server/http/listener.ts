// The TCP/TLS listener: node:http(s) with body limits, plus the connection-level handling of the LIST verb.
import { readFileSync } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import type { JsonLimits } from '../../lib/json-limits.ts'
import type { Logger } from '../../lib/logger.ts'
import { answerThisTurn } from '../../lib/turn-end.ts'
import { PayloadTooLargeError } from '../../sdk/errors.ts'
import type { ConnectionInfo } from '../../sdk/request.ts'
import type { MetricsExposition } from '../core/services.ts'
import { awsTooLargeResult } from './aws/too-large.ts'
import { type DispatchContext, dispatch } from './dispatch.ts'
import { handleUpgrade } from './events-socket.ts'
import { type HttpResult, jsonResult } from './http-types.ts'
import { parseRawListRequest } from './list-verb.ts'
import { originForm } from './parse-request.ts'
import { peerChainPem } from './peer-chain.ts'
import { admit, takeNoMore, takesNoMore } from './pipelining.ts'
import { writeRaw } from './raw-response.ts'
import {
  bodiless,
  breakBody,
  declaredTooLarge,
  EMPTY_BODY,
  framingProblem,
  RequestTimeoutError,
  readBody,
} from './request-body.ts'
import { headProblem, unsupportedVersion } from './request-head.ts'

export interface ListenerOptions {
  address: string
  tls?: ListenerTls
  maxRequestSize: number
  /** max_json_depth and Vault's other JSON limits; a request body past one gets 400 (defaults as Vault's). */
  jsonLimits?: JsonLimits
  /** Set by a listener's telemetry { unauthenticated_metrics_access = true }: sys/metrics needs no token here. */
  unauthenticatedMetrics?: MetricsExposition
  /** http_read_header_timeout: a request's head must have arrived this long after it began (default 10 s). */
  readHeaderTimeoutMs?: number
  /** http_read_timeout: the whole request, body included (default 90 s). */
  readTimeoutMs?: number
}

export interface ListenerTls {
  certFile: string
  keyFile: string
  /**
   * Client certificates: 'request' (the default, as Vault) asks for one but accepts connections without it,
   * leaving verification to the cert auth method; 'require' refuses the handshake unless the client presents a
   * certificate that verifies against `clientCaFile` (or the system roots); 'off' does not ask.
   */
  clientCerts?: 'request' | 'require' | 'off'
  clientCaFile?: string
}

export interface RunningListener {
  /** e.g. http://127.0.0.1:8200 */
  url: string
  close(): Promise<void>
}

const READ_TIMEOUT_MS = 90_000
const CLOSE = { connection: 'close' }
/** Vault's default http_read_header_timeout. */
const READ_HEADER_TIMEOUT_MS = 10_000

/**
 * A body goes out with its Content-Length, as Vault's (Go's) server sends it: the head and a string body then
 * leave in one write, where chunked framing made every answer a three-part writev. An empty body (204) has none.
 */
function send(res: ServerResponse, result: HttpResult): void {
  const body = result.body
  if (body.length > 0) {
    const length = result.byteLength ?? (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)
    res.writeHead(result.status, { ...result.headers, 'content-length': length })
  } else res.writeHead(result.status, result.headers)
  res.end(body)
}

/** Each TLS connection's certificate chain, read once: it cannot change while the connection lasts. */
const connections = new WeakMap<Socket, ConnectionInfo>()

function connectionOf(socket: Socket): ConnectionInfo | undefined {
  if (!(socket instanceof TLSSocket)) return undefined
  let info = connections.get(socket)
  if (!info) {
    info = { peerCertificates: peerChainPem(socket) }
    connections.set(socket, info)
  }
  return info
}

/** Connections whose LIST request is being read below node:http's parser (see handleClientError). */
const rawListRequests = new WeakSet<Socket>()

/** The last response begun on each socket, so a LIST answered below the parser waits its turn. */
const inflight = new WeakMap<Socket, ServerResponse>()

function responseDone(socket: Socket): Promise<void> {
  const res = inflight.get(socket)
  if (!res || res.writableFinished || res.destroyed) return Promise.resolve()
  return new Promise((resolve) => res.once('close', () => resolve()))
}

export async function startListener(
  sharedCtx: DispatchContext,
  options: ListenerOptions,
  logger: Logger,
): Promise<RunningListener> {
  const ctx: DispatchContext = {
    ...sharedCtx,
    ...(options.jsonLimits === undefined ? {} : { jsonLimits: options.jsonLimits }),
    ...(options.unauthenticatedMetrics ? { unauthenticatedMetrics: options.unauthenticatedMetrics } : {}),
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // Behind a refusal that ends the connection: admit counts it and never takes it on (see takeNoMore).
    if (takesNoMore(req.socket)) {
      admit(req, res, respond)
      return
    }
    inflight.set(req.socket, res)
    // Decided here, as the parser hands the request over, so that no request pipelined behind a refused one has
    // been started by the time the refusal is known.
    const refusal = refusalOf(req)
    if (refusal !== undefined) {
      takeNoMore(req.socket)
      answerThisTurn(() => send(res, refusal))
      return
    }
    admit(req, res, respond)
  }
  /** The head's refusal, known before its body is read: it ends the connection (Connection: close). */
  const refusalOf = (req: IncomingMessage): HttpResult | undefined => {
    // Version and Host are checked here rather than by Node, whose refusal is a bare 400 (or nothing at all).
    const problem = headProblem(req)
    if (problem !== undefined) return jsonResult(problem.status, { errors: [problem.message] }, CLOSE)
    const framing = framingProblem(req)
    if (framing !== undefined) return jsonResult(400, { errors: [framing] }, CLOSE)
    if (declaredTooLarge(req, options.maxRequestSize)) {
      const message = new PayloadTooLargeError(options.maxRequestSize).message
      // An AWS SDK parses only its own protocol's error: it gets the refusal in that shape.
      const aws = awsTooLargeResult(
        { method: req.method ?? 'GET', url: originForm(req.url ?? '/'), headers: req.headers },
        message,
      )
      return aws
        ? { ...aws, headers: { ...aws.headers, ...CLOSE } }
        : jsonResult(413, { errors: [message] }, CLOSE)
    }
    return undefined
  }
  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = originForm(req.url ?? '/')
    // A question about the server as a whole (RFC 9110, 9.3.7): Go's server answers it 200 with no body.
    if (url === '*' && req.method === 'OPTIONS') {
      answerThisTurn(() => send(res, { status: 200, headers: { 'content-length': '0' }, body: '' }))
      return
    }
    // Listed by sys/in-flight-req until its answer is written (or abandoned).
    const ended = sharedCtx.core.inFlight.begin({
      startTime: Date.now(),
      remoteAddress: req.socket.remoteAddress ?? '',
      path: pathOnly(url),
      method: req.method ?? 'GET',
    })
    let result: HttpResult
    try {
      // No await for a request without a body: a turn of the event loop saved on every read.
      const body = bodiless(req) ? EMPTY_BODY : await readBody(req, options.maxRequestSize)
      result = await dispatch(ctx, {
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        body,
        remoteAddress: req.socket.remoteAddress ?? '',
        connection: connectionOf(req.socket),
      })
    } catch (error) {
      // Whatever the body's refusal, the connection ends with it; nothing parsed after it is run, not even a
      // request already waiting its turn (it came behind this one's body).
      takeNoMore(req.socket, true)
      if (error instanceof PayloadTooLargeError) {
        // An AWS SDK parses only its own protocol's error: it gets the refusal in that shape.
        const head = { method: req.method ?? 'GET', url, headers: req.headers }
        const aws = awsTooLargeResult(head, error.message)
        result = aws
          ? { ...aws, headers: { ...aws.headers, connection: 'close' } }
          : jsonResult(413, { errors: [error.message] }, { connection: 'close' })
      } else if (error instanceof RequestTimeoutError) {
        result = jsonResult(408, { errors: [error.message] }, { connection: 'close' })
      } else {
        // Nothing after this request on the connection can be framed with any confidence: it ends here.
        result = jsonResult(400, { errors: ['failed to read request body'] }, { connection: 'close' })
      }
    }
    const answer = result
    answerThisTurn(() => {
      ended()
      // The client may have gone while the answer waited: there is nobody to write to.
      if (res.destroyed) return
      try {
        send(res, answer)
      } catch (error) {
        logger.log('error', 'failed to write response', { error: String(error) })
        res.destroy()
      }
    })
  }
  // Only a WebSocket handshake is an upgrade here; anything else asking to upgrade (curl's h2c) is served as a
  // plain request, as it was before the event stream existed.
  const upgradeOptions = {
    shouldUpgradeCallback: (req: IncomingMessage) => req.headers.upgrade?.toLowerCase() === 'websocket',
  }
  const readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS
  const readHeaderTimeoutMs = Math.min(options.readHeaderTimeoutMs ?? READ_HEADER_TIMEOUT_MS, readTimeoutMs)
  const serverOptions = {
    ...upgradeOptions,
    // An HTTP/1.1 request without Host is still refused, with a JSON error (see request-head.ts).
    requireHostHeader: false,
    // Said outright: left unset, a --insecure-http-parser in NODE_OPTIONS would let this listener take obs-fold,
    // bare line feeds, control bytes and Content-Length beside Transfer-Encoding, the stuff of request smuggling.
    insecureHTTPParser: false,
    // Node checks both timeouts only this often: every 30 s by default, letting a slow client run well past them.
    connectionsCheckingInterval: Math.max(250, Math.min(readHeaderTimeoutMs / 4, 5_000)),
  }
  const server = options.tls
    ? https.createServer(
        // The handshake too, or a client that never finishes it holds the socket for Node's 120 s.
        { ...tlsServerOptions(options.tls), ...serverOptions, handshakeTimeout: readHeaderTimeoutMs },
        onRequest,
      )
    : http.createServer(serverOptions, onRequest)
  // A client that half-closes after its request (`printf … | nc`, some proxies) still gets its answer, as Go's
  // server gives it: by default Node aborts a request still being handled when the client's side ends.
  Object.assign(server, { httpAllowHalfOpen: true })
  server.keepAliveTimeout = 65_000
  server.headersTimeout = readHeaderTimeoutMs
  server.requestTimeout = readTimeoutMs
  // The event stream (sys/events/subscribe) is a WebSocket on the same listener as the API.
  // Upgraded sockets leave node:http's bookkeeping, so closing the listener ends them here.
  const upgraded = new Set<Socket>()
  // Node's timeouts start with a request's first byte: a connection that never sends one would be kept forever
  // (a few thousand such sockets and the listener is out of file descriptors). Go's server, and so Vault, gives the
  // first request's head the header timeout from the moment the connection is made; so does this one.
  const firstHeadDue = (socket: Socket): void => {
    const timer = setTimeout(() => {
      // Once a request (a LIST read below the parser, a WebSocket handshake) has begun, Node's timeouts apply.
      if (socket.destroyed || inflight.has(socket) || rawListRequests.has(socket) || upgraded.has(socket))
        return
      if (socket.bytesRead === 0) socket.destroy()
      else writeRaw(socket, jsonResult(408, { errors: ['request timed out'] }))
    }, readHeaderTimeoutMs)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  }
  server.on(options.tls ? 'secureConnection' : 'connection', firstHeadDue)
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
    // Behind a refusal that ends the connection: that refusal goes out, then the connection ends, unupgraded.
    const ending = takesNoMore(socket)
    // A handshake is a request like any other first: the same version and Host rules (see request-head.ts).
    const problem = ending ? undefined : headProblem(req)
    // Its answer (101, or a refusal) waits for those to the requests before it, which Node writes in order:
    // written at once, it went out ahead of them.
    responseDone(socket)
      .then(async () => {
        if (ending) socket.end()
        else if (problem !== undefined)
          writeRaw(socket, jsonResult(problem.status, { errors: [problem.message] }))
        else await handleUpgrade(ctx, req, socket, head)
      })
      .catch(() => socket.destroy())
  })
  // Node closes a CONNECT without a word unless someone listens; it gets the 405 any other unserved verb gets.
  // It waits for the answers to the requests before it, which Node writes in the order they came: written at once,
  // it went out ahead of them and the connection closed with them unsent. Behind a refusal that ends the
  // connection it gets no answer at all.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    responseDone(socket).then(() => {
      if (takesNoMore(socket)) socket.end()
      else if (socket.writable) writeRaw(socket, jsonResult(405, { errors: ['unsupported method CONNECT'] }))
    })
  })
  // A client asking before it sends its body (Expect: 100-continue) is invited only when the declared body fits:
  // otherwise the 413 is its only answer. Node's default sends 100 Continue first, inviting the whole upload.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!takesNoMore(req.socket) && refusalOf(req) === undefined) res.writeContinue()
    onRequest(req, res)
  })
  // An Expect other than 100-continue is refused with 417, as Go's server refuses it, but in the JSON error shape
  // every other refusal has: Node's own answer is a bare status line a client cannot parse as an error.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    if (takesNoMore(req.socket)) return
    takeNoMore(req.socket)
    const expect = String(req.headers.expect ?? '').slice(0, 64)
    send(
      res,
      jsonResult(
        417,
        { errors: [`unsupported Expect header "${expect}": only 100-continue is supported`] },
        {
          connection: 'close',
        },
      ),
    )
  })
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    handleClientError(ctx, options, { readTimeoutMs, readHeaderTimeoutMs }, error, socket).catch(() =>
      socket.destroy(),
    )
  })
  const { host, port } = splitAddress(options.address)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const bound = server.address() as AddressInfo
  const hostText = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    url: `${options.tls ? 'https' : 'http'}://${hostText}:${bound.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of upgraded) socket.destroy()
      }),
  }
}

/**
 * Node's parser refuses the LIST verb that hvac, node-vault and `curl -X LIST` send. It reports
 * HPE_INVALID_METHOD with the bytes it saw; we parse that request ourselves, answer it, and close.
 */
async function handleClientError(
  ctx: DispatchContext,
  options: ListenerOptions,
  { readTimeoutMs, readHeaderTimeoutMs }: { readTimeoutMs: number; readHeaderTimeoutMs: number },
  error: NodeJS.ErrnoException & { rawPacket?: Buffer },
  socket: Socket,
): Promise<void> {
  // A TLS handshake that failed or ran out of time: there is no HTTP to answer in, and node:https leaves closing
  // the connection to whoever listens for clientError, so a client that never finished its handshake kept it open.
  if (socket instanceof TLSSocket && isTlsError(error)) {
    socket.destroy()
    return
  }
  if (!socket.writable) return
  // Behind a refusal that ends the connection, whatever failed to parse is neither run (a LIST) nor answered.
  if (takesNoMore(socket)) {
    await responseDone(socket)
    socket.end()
    return
  }
  // Node still counts a LIST read below its parser as a request whose head never ended; that reader keeps the
  // timeouts itself, the header timeout for the head only.
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && rawListRequests.has(socket)) return
  // The parser stops two bytes into "LIST" ("LI" could still be LINK); anything before that belonged to
  // earlier pipelined requests, which Node has already handed to onRequest. When the client's first segment
  // carried only "L" or "LI", those bytes went with an earlier packet: put them back.
  const parsed = Number((error as { bytesParsed?: number }).bytesParsed)
  const at = Number.isInteger(parsed) && parsed >= 0 ? parsed : 2
  const packet = error.rawPacket?.subarray(Math.max(0, at - 2))
  const carried = 'LI'.slice(0, Math.max(0, 2 - at))
  const rest =
    packet &&
    carried !== '' &&
    packet.toString('latin1', 0, 5 - carried.length) === 'LIST '.slice(carried.length)
      ? Buffer.concat([Buffer.from(carried, 'latin1'), packet])
      : packet
  if (
    error.code === 'HPE_INVALID_METHOD' &&
    rest &&
    rest.length > 0 &&
    'LIST '.startsWith(rest.subarray(0, 5).toString('latin1'))
  ) {
    rawListRequests.add(socket)
    const outcome = await parseRawListRequest(socket, rest, {
      maxBody: options.maxRequestSize,
      maxHeaderSize: http.maxHeaderSize,
      requestTimeoutMs: readTimeoutMs,
      headTimeoutMs: readHeaderTimeoutMs,
      sendContinue: () => socket.write('HTTP/1.1 100 Continue\r\n\r\n'),
    })
    // A refusal closes the connection, as Node does after a request it cannot parse.
    const result =
      outcome.kind === 'refused'
        ? jsonResult(outcome.status, { errors: [outcome.message] })
        : await dispatch(ctx, {
            ...outcome.request,
            url: originForm(outcome.request.url),
            remoteAddress: socket.remoteAddress ?? '',
            connection: connectionOf(socket),
          })
    await responseDone(socket)
    if (socket.writable) writeRaw(socket, result)
    return
  }
  // Node's header or request timeout, reported as a client error.
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
  // The parser reads one request at a time: a body it broke on belongs to the last request whose head it read.
  const last = inflight.get(socket)?.req
  if (last !== undefined && !last.complete && !bodiless(last)) {
    // That request is answered by its own handler (a 400, or 408); nothing after it on this connection can be
    // parsed, so the connection ends once that answer is out, as Node ends it after any request it cannot parse.
    breakBody(
      last,
      timedOut
        ? new RequestTimeoutError()
        : new Error(`malformed request body (${error.code ?? 'parse error'})`),
    )
    await responseDone(socket)
    socket.end()
    return
  }
  await responseDone(socket)
  if (!socket.writable) return
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? requestLineTooLong(error.rawPacket, http.maxHeaderSize)
        ? [414, 'request URI too long']
        : [431, 'request headers too large']
      : timedOut
        ? [408, 'request timed out']
        : refusedRequestLine(error, at)
  writeRaw(socket, jsonResult(status, { errors: [message] }))
}

/** tchar (RFC 9110, 5.6.2): the bytes of a method. */
const TOKEN_BYTE = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN_BYTE[c.charCodeAt(0)] = 1

/**
 * The answer to a request line Node's parser refused, from the packet it failed in (`at` is where). A method Node
 * does not know, or spells only in capitals (`get`, `Get`), is a well-formed token to Go's server, and Vault
 * answers a verb it does not serve 405; so does this server. A version that is well formed but not 1.0 or 1.1 is
 * 505, as Go answers it, and so is the HTTP/2 connection preface sent in the clear (PRI * HTTP/2.0). Anything
 * else is malformed: 400.
 */
function refusedRequestLine(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer },
  at: number,
): [number, string] {
  const malformed: [number, string] = [400, 'malformed HTTP request']
  if (error.code === 'HPE_PAUSED_H2_UPGRADE') return [505, 'unsupported protocol version']
  const packet = error.rawPacket
  if (packet === undefined || at > packet.length) return malformed
  const lineStart = at > 0 ? packet.lastIndexOf(0x0a, at - 1) + 1 : 0
  if (error.code === 'HPE_INVALID_VERSION') {
    const lineEnd = packet.indexOf(0x0a, lineStart)
    const line = packet.toString('latin1', lineStart, lineEnd === -1 ? packet.length : lineEnd)
    return unsupportedVersion(line.endsWith('\r') ? line.slice(0, -1) : line)
      ? [505, 'unsupported protocol version']
      : malformed
  }
  if (error.code !== 'HPE_INVALID_METHOD') return malformed
  let end = lineStart
  while (end < packet.length && TOKEN_BYTE[packet[end]!] === 1) end++
  // The whole method must be in the packet, followed by the space that ends it.
  if (end === lineStart || packet[end] !== 0x20) return malformed
  return [405, `unsupported method ${packet.toString('latin1', lineStart, Math.min(end, lineStart + 16))}`]
}

/** An error of the TLS layer (Node's own, as the handshake timeout, or OpenSSL's), not of the HTTP parser. */
function isTlsError(error: NodeJS.ErrnoException): boolean {
  const code = error.code ?? ''
  return code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || 'library' in error
}

/**
 * Whether the head too large for the parser is so because of its request line, judged from the packet it failed in:
 * a request there (at the packet's start, or after the blank line ending an earlier one) whose first line alone
 * reaches the limit. Then it is the URI that is too long (414); anything less clear is headers too large (431).
 */
function requestLineTooLong(packet: Buffer | undefined, limit: number): boolean {
  if (packet === undefined) return false
  for (let start = 0; start < packet.length; ) {
    const lineEnd = packet.indexOf('\n', start)
    if ((lineEnd === -1 ? packet.length : lineEnd) - start >= limit)
      return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /.test(packet.toString('latin1', start, start + 32))
    const next = packet.indexOf('\r\n\r\n', start)
    if (next === -1) return false
    start = next + 4
  }
  return false
}

function tlsServerOptions(tls: ListenerTls): https.ServerOptions {
  const mode = tls.clientCerts ?? 'request'
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    requestCert: mode !== 'off',
    // Only 'require' verifies at the TLS layer; otherwise any certificate (or none) is accepted and the cert
    // auth method checks it against its own configured CAs.
    rejectUnauthorized: mode === 'require',
    ...(tls.clientCaFile ? { ca: readFileSync(tls.clientCaFile) } : {}),
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address)
  if (!m) throw new Error(`listener address must be host:port, got "${address}"`)
  return { host: m[1] === '' ? '0.0.0.0' : m[1]!, port: Number(m[2]) }
}

/** The request target without its query string, which may carry request data. */
function pathOnly(url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
