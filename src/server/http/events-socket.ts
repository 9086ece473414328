// GET /v1/sys/events/subscribe/:event_type with Upgrade: websocket: authorise through the pipeline, then stream events as JSON (over `ws`).
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'
import { uuid } from '../../lib/random.ts'
import { InvalidRequestError, NotFoundError, PermissionDeniedError } from '../../sdk/errors.ts'
import { parseEventFilter } from '../core/events/event-filter.ts'
import { CLOSE_TOO_SLOW } from '../core/events/subscriptions.ts'
import { tokenAccess } from '../core/events/token-access.ts'
import { handleRequest } from '../core/handle-request.ts'
import { type DispatchContext, renderError } from './dispatch.ts'
import { clientToken, goBool, header, parseTarget, plainHeaders } from './parse-request.ts'
import { writeRaw } from './raw-response.ts'

const SUBSCRIBE_PREFIX = 'sys/events/subscribe/'
/** A subscriber that lets this much pile up unread is cut off rather than held in the server's memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024
/** A client sends only control frames and the odd message here; anything larger closes the stream (1009). */
const MAX_CLIENT_PAYLOAD = 64 * 1024
/** Keeps proxies from closing an idle stream and notices a vanished client. */
const PING_INTERVAL_MS = 30_000

/** Frames the upgraded sockets; it owns no listener (the API listener hands it each authorised handshake). */
const sockets = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  perMessageDeflate: false,
  maxPayload: MAX_CLIENT_PAYLOAD,
})

/** Why a request cannot become a WebSocket, or undefined when it can: checked before the pipeline, answered in JSON. */
function upgradeProblem(req: IncomingMessage): string | undefined {
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return 'expected "Upgrade: websocket"'
  if (req.headers['sec-websocket-version'] !== '13') return 'only WebSocket version 13 is supported'
  const key = req.headers['sec-websocket-key']
  // 16 bytes in base64 (RFC 6455 4.1), as ws checks it: refused here, it gets a JSON error like any other.
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key)) return 'invalid Sec-WebSocket-Key'
  return undefined
}

/** The upgraded connection, or undefined when the client went away before the handshake could be answered. */
function accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve(undefined)
    const gone = () => resolve(undefined)
    socket.once('close', gone)
    sockets.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', gone)
      resolve(ws)
    })
  })
}

/** Handle an upgrade request on the API listener; anything but the event stream is refused. */
export async function handleUpgrade(
  ctx: DispatchContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const requestId = uuid()
  const httpRequest = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers,
    body: Buffer.alloc(0),
    remoteAddress: req.socket.remoteAddress ?? '',
  }
  try {
    const target = parseTarget(httpRequest.url)
    if (!target?.path.startsWith(SUBSCRIBE_PREFIX) || httpRequest.method !== 'GET') throw new NotFoundError()
    const problem = upgradeProblem(req)
    if (problem) throw new InvalidRequestError(problem)
    if (ctx.core.standby)
      throw new InvalidRequestError('events are streamed by the active node: connect to it instead')
    const { path, query } = target
    const eventType = path.slice(SUBSCRIBE_PREFIX.length)
    if (eventType === '') throw new InvalidRequestError('an event type is required, such as kv* or *')
    // Vault sends protobuf unless json=true; Coffer sends only JSON, and says so rather than send the wrong thing.
    if (!goBool('json', query.get('json') ?? ''))
      throw new InvalidRequestError('json=true is required: Coffer sends events as JSON text messages only')
    const filter = parseEventFilter(query.get('filter') ?? undefined)
    const token = clientToken(httpRequest)
    // The same trip as any request: sealed check, token, `read` on sys/events/subscribe/<type>, audit.
    await handleRequest(ctx.core, {
      id: requestId,
      operation: 'read',
      path,
      data: Object.fromEntries(query),
      token,
      headers: plainHeaders(httpRequest),
      contentType: header(httpRequest, 'content-type'),
      remoteAddress: httpRequest.remoteAddress,
    })
    const services = ctx.core.services
    const entry = await services.tokens.lookup(token)
    if (!entry) throw new PermissionDeniedError()
    // Before the client hears the stream is open: a change of the token's access from here on closes it.
    const access = (await tokenAccess(services, entry))?.digest
    if (access === undefined) throw new PermissionDeniedError()
    const ws = await accept(req, socket, head)
    if (!ws) return
    // ws closes the stream itself on a protocol error (1002 unmasked, 1009 oversized frame); an unhandled 'error'
    // event would end the process.
    ws.on('error', () => undefined)
    const pinger = setInterval(() => ws.ping(), PING_INTERVAL_MS)
    pinger.unref()
    const subscription = ctx.core.subscriptions.open(
      services,
      entry.idHash,
      {
        token,
        remoteAddress: httpRequest.remoteAddress,
        eventType,
        filter,
        access,
        entityId: entry.entityId,
      },
      {
        send: (text) => {
          if (ws.readyState !== WebSocket.OPEN) return
          // bufferedAmount counts bytes accepted by send and not yet written to the socket.
          if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.close(CLOSE_TOO_SLOW, 'subscriber too far behind')
          else ws.send(text)
        },
        close: (code, reason) => ws.close(code, reason),
      },
    )
    ws.on('close', () => {
      clearInterval(pinger)
      subscription.ended()
    })
  } catch (error) {
    if (socket.writable) writeRaw(socket, renderError(ctx, requestId, error))
    else socket.destroy()
  }
}
