// End to end: the event stream over wss:// on a TLS listener, the same listener and certificate as the API.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { subscribeTls } from '../helpers/event-subscriber.ts'
import { OPENSSL, skipUnless } from '../helpers/requirements.ts'
import { makeTempDir } from '../helpers/server.ts'
import { initialise, startTlsServer } from '../helpers/tls-server.ts'

describe('event subscriptions over TLS', () => {
  it('streams KV events to a wss:// subscriber', async (t) => {
    if (await skipUnless(t, OPENSSL)) return
    const temp = makeTempDir()
    const server = await startTlsServer(join(temp.dir, 'server'), { tlsDisableClientCerts: true })
    try {
      await initialise(server)
      assert.equal(
        (await server.call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '2' } } }))
          .status,
        204,
      )
      const sub = await subscribeTls(
        server.server.address,
        'kv*',
        server.rootToken,
        readFileSync(server.serverCa, 'utf8'),
      )
      assert.equal((await server.call('POST', 'kv/data/tls', { body: { data: { v: 'x' } } })).status, 200)
      const event = await sub.next()
      assert.equal(event.data.event_type, 'kv-v2/data-write')
      assert.equal(event.data.event.metadata.path, 'kv/data/tls')
      sub.close()
    } finally {
      await server.server.close()
      temp.remove()
    }
  })
})
