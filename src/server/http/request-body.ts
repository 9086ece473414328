// Reading a request's body under the listener's limits: its framing checked, its size capped, a broken one failed at once.
import type { IncomingMessage } from 'node:http'
import { PayloadTooLargeError } from '../../sdk/errors.ts'
import { takeNoMore } from './pipelining.ts'

export const EMPTY_BODY = Buffer.alloc(0)

/** Whether the request declares no body at all: most reads, which then skip the stream machinery. */
export function bodiless(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined
}

/**
 * Bodies the parser could not read on (a malformed chunk). That ends in the server's clientError, not in an error on
 * the request stream, so the listener marks the request from there: its body read fails at once if it is under way,
 * or as soon as it starts (a pipelined request may still wait its turn), and the request is answered 400 instead of
 * waiting for an end that never comes.
 */
const brokenBodies = new WeakMap<IncomingMessage, Error>()
const bodyReads = new WeakMap<IncomingMessage, (error: Error) => void>()

/** Fail the body read of `req`, now or when it starts. */
export function breakBody(req: IncomingMessage, error: Error): void {
  brokenBodies.set(req, error)
  bodyReads.get(req)?.(error)
}

/**
 * Why the body's framing is not one every reader agrees on, or undefined when it is. Node frames a body by the last
 * coding of all its Transfer-Encoding headers joined, so `identity, chunked` or a second header saying `chunked` is
 * chunked here while a proxy in front that reads the first may frame it otherwise: the request smuggling setup. Go's
 * server, and so Vault, refuses anything but exactly `chunked`, and so does this one. HTTP/1.0 has no chunked coding
 * at all: Go ignores the header there and Node honours it, and RFC 9112 (6.1) calls such framing faulty.
 */
export function framingProblem(req: IncomingMessage): string | undefined {
  const codings = req.headers['transfer-encoding']
  if (codings === undefined) return undefined
  if (req.httpVersion === '1.0') return 'Transfer-Encoding is not allowed in an HTTP/1.0 request'
  return codings.trim().toLowerCase() === 'chunked'
    ? undefined
    : 'unsupported Transfer-Encoding: only chunked is accepted'
}

/** Whether the request's Content-Length alone already exceeds the limit. */
export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  return Number(req.headers['content-length'] ?? '0') > limit
}

/** The whole body, or a PayloadTooLargeError past `limit` (from Content-Length alone when it says so). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (bodiless(req)) return Promise.resolve(EMPTY_BODY)
  if (declaredTooLarge(req, limit)) return Promise.reject(new PayloadTooLargeError(limit))
  const broken = brokenBodies.get(req)
  if (broken !== undefined) return Promise.reject(broken)
  return new Promise<Buffer>((resolve, reject) => {
    bodyReads.set(req, reject)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // At once, as the parser hands over the chunk: a request pipelined behind this body in the same packet is
        // parsed before the rejection is seen, and must find the connection already taking no more.
        takeNoMore(req.socket, true)
        reject(new PayloadTooLargeError(limit))
        // The rest is read and dropped until the 413, which closes the connection, is out: destroying the request
        // here destroyed its socket too, and the client got no answer at all.
        req.removeAllListeners('data')
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The client did not send its whole request within the listener's timeouts. */
export class RequestTimeoutError extends Error {
  constructor() {
    super('request timed out')
  }
}
