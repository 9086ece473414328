// A server-side WebSocket (RFC 6455) over an upgraded HTTP socket: text messages out, control frames in; enough for the event stream.
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const OP_TEXT = 0x1
const OP_CLOSE = 0x8
const OP_PING = 0x9
const OP_PONG = 0xa
/** A client sends only control frames and the odd message here; anything larger is refused (1009). */
const MAX_INCOMING_FRAME = 64 * 1024
/** Keeps proxies from closing an idle stream and notices a vanished client. */
const PING_INTERVAL_MS = 30_000

export interface WebSocketConnection {
  send(text: string): void
  close(code: number, reason: string): void
  /** Bytes queued for the client and not yet written. */
  readonly buffered: number
  onClose(listener: () => void): void
}

/** Why a request cannot become a WebSocket, or undefined when it can. */
export function upgradeProblem(req: IncomingMessage): string | undefined {
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return 'expected "Upgrade: websocket"'
  if (req.headers['sec-websocket-version'] !== '13') return 'only WebSocket version 13 is supported'
  const key = req.headers['sec-websocket-key']
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) return 'invalid Sec-WebSocket-Key'
  return undefined
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  const head = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10)
  head[0] = 0x80 | opcode
  if (length < 126) head[1] = length
  else if (length < 65536) {
    head[1] = 126
    head.writeUInt16BE(length, 2)
  } else {
    head[1] = 127
    head.writeBigUInt64BE(BigInt(length), 2)
  }
  return Buffer.concat([head, payload])
}

/** Answer the handshake (the caller checked `upgradeProblem`) and return the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): WebSocketConnection {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64')
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  )
  const closeListeners: (() => void)[] = []
  let closing = false
  let ended = false
  let pending: Buffer = head.length > 0 ? Buffer.from(head) : Buffer.alloc(0)
  const finish = () => {
    if (ended) return
    ended = true
    clearInterval(pinger)
    for (const listener of closeListeners) listener()
  }
  const close = (code: number, reason: string) => {
    if (closing) return
    closing = true
    const body = Buffer.alloc(2 + Buffer.byteLength(reason))
    body.writeUInt16BE(code, 0)
    body.write(reason, 2)
    if (socket.writable) socket.end(frame(OP_CLOSE, body))
    finish()
  }
  const pinger = setInterval(() => {
    if (!closing && socket.writable) socket.write(frame(OP_PING, Buffer.alloc(0)))
  }, PING_INTERVAL_MS)
  pinger.unref()

  const readFrames = () => {
    while (pending.length >= 2) {
      const b0 = pending[0] as number
      const b1 = pending[1] as number
      let length = b1 & 0x7f
      let offset = 2
      if (length === 126) {
        if (pending.length < 4) return
        length = pending.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (pending.length < 10) return
        const big = pending.readBigUInt64BE(2)
        length = big > BigInt(MAX_INCOMING_FRAME) ? MAX_INCOMING_FRAME + 1 : Number(big)
        offset = 10
      }
      // A client must mask its frames (RFC 6455 5.1), and never needs to send us much.
      if ((b1 & 0x80) === 0) return close(1002, 'client frames must be masked')
      if (length > MAX_INCOMING_FRAME) return close(1009, 'message too big')
      if (pending.length < offset + 4 + length) return
      const mask = pending.subarray(offset, offset + 4)
      const payload = Buffer.from(pending.subarray(offset + 4, offset + 4 + length))
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number)
      pending = pending.subarray(offset + 4 + length)
      const opcode = b0 & 0x0f
      if (opcode === OP_CLOSE) {
        // Echo the client's close code, as the protocol asks, and end.
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1000
        return close(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000, '')
      }
      if (opcode === OP_PING && socket.writable) socket.write(frame(OP_PONG, payload))
      // Text, binary and pong frames from the client carry nothing the stream needs.
    }
  }
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    readFrames()
  })
  socket.on('close', finish)
  socket.on('error', () => socket.destroy())
  if (pending.length > 0) readFrames()

  return {
    send(text) {
      if (!closing && socket.writable) socket.write(frame(OP_TEXT, Buffer.from(text)))
    },
    close,
    get buffered() {
      return socket.writableLength
    },
    onClose(listener) {
      if (ended) listener()
      else closeListeners.push(listener)
    },
  }
}
