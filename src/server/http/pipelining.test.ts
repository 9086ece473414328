// A connection's pipelined requests: a bounded number handled at once, the rest started in order as answers leave.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it } from 'node:test'
import { admit, HANDLED_AT_ONCE, takeNoMore, takesNoMore, WAITING_AT_MOST } from './pipelining.ts'

function connection() {
  const socket = Object.assign(new EventEmitter(), {
    destroyed: false,
    destroy() {
      socket.destroyed = true
    },
  })
  const request = (n: number) => ({
    req: { socket, n } as unknown as IncomingMessage,
    res: new EventEmitter() as unknown as ServerResponse,
  })
  return { socket, request }
}

describe('admit', () => {
  it('handles a bounded number at once and starts the next, in order, as each answer leaves', () => {
    const { socket, request } = connection()
    const started: number[] = []
    const start = (req: IncomingMessage) => started.push((req as unknown as { n: number }).n)
    const requests = Array.from({ length: HANDLED_AT_ONCE + 3 }, (_, n) => request(n))
    for (const { req, res } of requests) admit(req, res, start)
    assert.equal(started.length, HANDLED_AT_ONCE)
    requests[5]!.res.emit('close')
    requests[0]!.res.emit('close')
    assert.deepEqual(started.slice(HANDLED_AT_ONCE), [HANDLED_AT_ONCE, HANDLED_AT_ONCE + 1])
    requests[HANDLED_AT_ONCE]!.res.emit('close')
    assert.equal(started.length, HANDLED_AT_ONCE + 3)
    assert.equal(socket.destroyed, false)
  })

  it('cuts the connection off when more than the waiting limit pile up behind unanswered requests', () => {
    const { socket, request } = connection()
    let started = 0
    for (let n = 0; n < HANDLED_AT_ONCE + WAITING_AT_MOST; n++) {
      const { req, res } = request(n)
      admit(req, res, () => started++)
    }
    assert.equal(socket.destroyed, false)
    const { req, res } = request(-1)
    admit(req, res, () => started++)
    assert.equal(socket.destroyed, true)
    assert.equal(started, HANDLED_AT_ONCE)
  })

  it('never starts a request parsed after the connection took its last, but still those waiting before it', () => {
    const { socket, request } = connection()
    const started: number[] = []
    const start = (req: IncomingMessage) => started.push((req as unknown as { n: number }).n)
    const before = Array.from({ length: HANDLED_AT_ONCE + 2 }, (_, n) => request(n))
    for (const { req, res } of before) admit(req, res, start)
    takeNoMore(socket as never)
    assert.equal(takesNoMore(socket as never), true)
    const after = request(99)
    admit(after.req, after.res, start)
    for (const { res } of before) res.emit('close')
    assert.deepEqual(
      started,
      before.map((_, n) => n),
    )
    // Dropped requests are counted: a client piling them up is cut off as one piling up waiting requests is.
    for (let n = 0; n < WAITING_AT_MOST; n++) {
      const { req, res } = request(100 + n)
      admit(req, res, start)
    }
    assert.equal(socket.destroyed, true)
    assert.equal(started.length, before.length)
  })

  it('drops the requests waiting their turn too when a request being handled ends the connection', () => {
    const { socket, request } = connection()
    const started: number[] = []
    const start = (req: IncomingMessage) => started.push((req as unknown as { n: number }).n)
    const requests = Array.from({ length: HANDLED_AT_ONCE + 3 }, (_, n) => request(n))
    for (const { req, res } of requests) admit(req, res, start)
    // The first, being handled, is refused for its body: the three waiting came behind it.
    takeNoMore(socket as never, true)
    for (const { res } of requests) res.emit('close')
    assert.equal(started.length, HANDLED_AT_ONCE)
  })
})
