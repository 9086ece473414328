// sys/config/state/sanitized on a dev server: the configuration it runs with, sudo required.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../../../test/helpers/server.ts'

describe('sys/config/state/sanitized', () => {
  let server: TestServer
  before(async () => {
    server = await startDevServer()
  })
  after(() => server.close())

  it("answers the dev server's configuration: its listener, its SQLite file, the Shamir seal", async () => {
    const reply = await server.call('GET', 'sys/config/state/sanitized')
    assert.equal(reply.status, 200)
    const data = reply.body.data
    const [listener] = data.listeners
    assert.equal(listener.type, 'tcp')
    assert.equal(listener.config.address, '127.0.0.1:0')
    assert.equal(listener.config.tls_disable, true)
    assert.equal(data.storage.type, 'sqlite')
    assert.match(data.storage.path, /coffer\.db$/)
    assert.deepEqual(data.seals, [{ type: 'shamir', disabled: false }])
    assert.equal(data.default_lease_ttl, 768 * 3600)
    assert.ok(!JSON.stringify(reply.body).includes(server.rootToken))
  })

  it('needs sudo', async () => {
    await server.call('PUT', 'sys/policies/acl/state', {
      body: { policy: 'path "sys/config/state/*" { capabilities = ["read"] }' },
    })
    const token = (await server.call('POST', 'auth/token/create', { body: { policies: ['state'] } })).body
      .auth.client_token
    assert.equal((await server.call('GET', 'sys/config/state/sanitized', { token })).status, 403)
  })
})
