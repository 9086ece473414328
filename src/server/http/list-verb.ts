// Reading one raw HTTP/1.1 request that began with the LIST verb, from the bytes Node's parser rejected.
import type { EventEmitter } from 'node:events'
import {
  HEADERS_TOO_LARGE,
  isRefusal,
  MALFORMED,
  parseRequestHead,
  URI_TOO_LONG,
} from './raw-request-head.ts'

/**
 * Bytes we hold while waiting for the end of the head. Node counts only the target, names and values
 * against its 16 KiB; the separators and padding around them need room too, but not without bound.
 */
const HEAD_BYTES_CAP = 64 * 1024
const TERMINATOR = Buffer.from('\r\n\r\n')
const IDLE_TIMEOUT_MS = 10_000

export interface RawListRequest {
  method: 'LIST'
  url: string
  headers: Record<string, string | string[]>
  body: Buffer
}

export type RawListOutcome =
  | { kind: 'request'; request: RawListRequest }
  | { kind: 'refused'; status: 400 | 408 | 413 | 414 | 431 | 505; message: string }

export interface RawListLimits {
  maxBody: number
  /** Node's --max-http-header-size (http.maxHeaderSize), so LIST and the other verbs share one limit. */
  maxHeaderSize: number
  /** The whole request must arrive within this, like the http server's requestTimeout. */
  requestTimeoutMs: number
  /** The head must arrive within this, like the http server's headersTimeout (default: requestTimeoutMs). */
  headTimeoutMs?: number
  /** Called once the head asks for it (Expect: 100-continue) and a body is still to come: invite it. */
  sendContinue?: () => void
}

/** The socket surface used here, so tests can feed chunks without a network. */
export type ByteSource = Pick<EventEmitter, 'on' | 'off' | 'removeAllListeners'>

/**
 * Read the request that starts in `first` off the socket. Every received byte is copied a bounded number
 * of times (the head is searched chunk by chunk, the body gathered and joined once), so the cost is
 * linear in the request size however it is split into TCP segments.
 */
export function parseRawListRequest(
  socket: ByteSource,
  first: Buffer,
  limits: RawListLimits,
): Promise<RawListOutcome> {
  // The http server's own data listener would feed the dead parser; from here on the socket is ours.
  socket.removeAllListeners('data')
  // Its end listener too: seeing no response of its own pending, it ends our side when a client half-closes
  // after its request (`printf … | nc`), so a LIST whose answer awaits storage (a wrapped list) got none.
  socket.removeAllListeners('end')
  return new Promise((resolve) => {
    let chunks: Buffer[] = []
    let received = 0
    /** The last three bytes seen, so a terminator split across chunks is still found. */
    let tail: Buffer = Buffer.alloc(0)
    let head: { url: string; headers: Record<string, string | string[]>; bodyStart: number; length: number }
    let done = false

    const finish = (outcome: RawListOutcome): void => {
      if (done) return
      done = true
      clearTimeout(idle)
      clearTimeout(deadline)
      clearTimeout(headDeadline)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      socket.off('error', onEnd)
      resolve(outcome)
    }
    const refuse = (status: 400 | 408 | 413 | 414 | 431 | 505, message: string) =>
      finish({ kind: 'refused', status, message })

    const onHead = (): void => {
      const all = Buffer.concat(chunks, received)
      chunks = [all]
      const end = all.indexOf(TERMINATOR)
      const parsed = parseRequestHead(all.subarray(0, end), limits.maxHeaderSize)
      if (isRefusal(parsed)) {
        refuse(parsed.status, parsed.message)
        return
      }
      if (parsed.contentLength > limits.maxBody) {
        refuse(413, `request body exceeds the limit of ${limits.maxBody} bytes`)
        return
      }
      head = { url: parsed.url, headers: parsed.headers, bodyStart: end + 4, length: parsed.contentLength }
      clearTimeout(headDeadline)
      // A client asking before it sends its body (curl does for larger ones) waits for this, as node:http sends it.
      const expect = parsed.headers['expect']
      if (
        typeof expect === 'string' &&
        expect.toLowerCase() === '100-continue' &&
        received < end + 4 + head.length
      )
        limits.sendContinue?.()
    }

    const onBodyProgress = (): void => {
      const needed = head.bodyStart + head.length
      if (received < needed) return
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)
      // Bytes past the body (a pipelined request) are dropped: the connection closes after a LIST.
      const body = all.subarray(head.bodyStart, needed)
      finish({ kind: 'request', request: { method: 'LIST', url: head.url, headers: head.headers, body } })
    }

    const onData = (chunk: Buffer): void => {
      if (done) return
      idle.refresh()
      chunks.push(chunk)
      received += chunk.length
      if (head) {
        onBodyProgress()
        return
      }
      const probe = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk
      if (probe.indexOf(TERMINATOR) === -1) {
        if (received > HEAD_BYTES_CAP) {
          // Still in the request line: the URI is what is too long.
          if (Buffer.concat(chunks, received).indexOf('\n') === -1) refuse(414, URI_TOO_LONG)
          else refuse(431, HEADERS_TOO_LARGE)
        }
        tail = probe.subarray(Math.max(0, probe.length - 3))
        return
      }
      onHead()
      if (!done) onBodyProgress()
    }
    const onEnd = (): void => refuse(400, MALFORMED)

    const idle = setTimeout(() => refuse(408, 'request timed out'), IDLE_TIMEOUT_MS)
    const deadline = setTimeout(() => refuse(408, 'request timed out'), limits.requestTimeoutMs)
    const headDeadline = setTimeout(
      () => refuse(408, 'request timed out'),
      limits.headTimeoutMs ?? limits.requestTimeoutMs,
    )
    socket.on('data', onData)
    socket.on('end', onEnd)
    socket.on('close', onEnd)
    socket.on('error', onEnd)
    onData(first)
  })
}
