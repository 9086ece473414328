// The agent's event subscription against a stand-in server: which close codes it reports, and that it subscribes again.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { WebSocketServer } from 'ws'
import { withDeadline } from '../../../test/helpers/deadline.ts'
import { EventWatch, WATCHED_TYPES } from './event-watch.ts'

test('a stream closed for a change of the token policies is reported as such, and opened again', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const opened: string[] = []
  // The first subscription of each type is closed with 4001, as the server does after a policy change.
  server.on('connection', (socket, req) => {
    const type = /subscribe\/(.+)\?/.exec(req.url ?? '')![1]!
    const first = !opened.includes(type)
    opened.push(type)
    if (first) socket.close(4001, 'access changed: resubscribe')
  })
  const calls: string[] = []
  let reopened: () => void
  const allReopened = new Promise<void>((resolve) => {
    reopened = resolve
  })
  const watch = new EventWatch({
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caCert: undefined,
    tlsSkipVerify: false,
    token: () => 'agent-token',
    onEvent: () => undefined,
    onState: (up) => {
      calls.push(up ? 'up' : 'down')
      // Up again once every first stream was closed: the second subscriptions are open.
      if (up && calls.filter((c) => c === 'access changed').length === WATCHED_TYPES.length) reopened()
    },
    onRefused: () => calls.push('refused'),
    onTokenRevoked: () => calls.push('revoked'),
    onAccessChanged: () => calls.push('access changed'),
    log: () => undefined,
  })
  try {
    watch.start()
    await withDeadline(allReopened, 'every subscription is closed once and opened again')
    assert.equal(calls.filter((c) => c === 'access changed').length, WATCHED_TYPES.length)
    assert.ok(!calls.includes('revoked'), 'not taken for a revocation')
    assert.equal(calls.at(-1), 'up', 'every subscription is open again')
    assert.equal(opened.length, 2 * WATCHED_TYPES.length)
  } finally {
    watch.close()
    for (const client of server.clients) client.terminate()
    server.close()
  }
})
