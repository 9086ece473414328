// Init, unseal with shares, seal, key rotation and sys/health status codes against a real listener.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startSealedServer, type TestServer } from '../helpers/server.ts'

describe('seal lifecycle', () => {
  let t: TestServer
  let keys: string[] = []
  let keysBase64: string[] = []
  let root = ''
  before(async () => {
    t = await startSealedServer()
  })
  after(() => t.close())

  it('reports an uninitialised, sealed server', async () => {
    assert.deepEqual((await t.call('GET', 'sys/init')).body, { initialized: false })
    const status = await t.call('GET', 'sys/seal-status')
    assert.equal(status.status, 200)
    assert.equal(status.body.initialized, false)
    assert.equal(status.body.sealed, true)
    assert.equal(status.body.type, 'shamir')
    assert.equal((await t.call('GET', 'sys/health')).status, 501)
    assert.equal((await t.call('GET', 'sys/health?uninitcode=204')).status, 204)
    assert.equal((await t.call('GET', 'sys/mounts')).status, 503)
  })

  it('refuses a bad init request and then initialises', async () => {
    const bad = await t.call('PUT', 'sys/init', { body: { secret_shares: 2, secret_threshold: 3 } })
    assert.equal(bad.status, 400)
    const init = await t.call('PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } })
    assert.equal(init.status, 200)
    keys = init.body.keys
    keysBase64 = init.body.keys_base64
    root = init.body.root_token
    assert.equal(keys.length, 3)
    assert.equal(keysBase64.length, 3)
    assert.match(root, /^cvs\.[A-Za-z0-9]{47}$/)
    assert.equal(Buffer.from(keys[0]!, 'hex').toString('base64'), keysBase64[0])
    assert.equal(
      (await t.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })).status,
      400,
    )
  })

  it('stays sealed (503 everywhere but sys/ raw routes) until the threshold is reached', async () => {
    const sealed = await t.call('GET', 'secret/data/x', { token: root })
    assert.equal(sealed.status, 503)
    assert.deepEqual(sealed.body, { errors: ['Vault is sealed'] })
    assert.equal((await t.call('GET', 'sys/health')).status, 503)
    assert.equal((await t.call('GET', 'sys/health?sealedcode=299')).status, 299)
    assert.equal((await t.call('HEAD', 'sys/health')).status, 503)
    const first = await t.call('PUT', 'sys/unseal', { body: { key: keys[0] } })
    assert.equal(first.body.sealed, true)
    assert.equal(first.body.progress, 1)
    assert.equal(first.body.t, 2)
    assert.equal(first.body.n, 3)
    const reset = await t.call('PUT', 'sys/unseal', { body: { reset: true } })
    assert.equal(reset.body.progress, 0)
    assert.equal((await t.call('PUT', 'sys/unseal', { body: {} })).status, 400)
    assert.equal((await t.call('PUT', 'sys/unseal', { body: { key: 'not a key!' } })).status, 400)
    await t.call('PUT', 'sys/unseal', { body: { key: keys[2] } })
    const done = await t.call('PUT', 'sys/unseal', { body: { key: keysBase64[1] } })
    assert.equal(done.body.sealed, false)
    assert.equal(done.body.progress, 0)
    assert.equal(typeof done.body.cluster_id, 'string')
  })

  it('answers sys/health with Vault codes and overrides', async () => {
    const health = await t.call('GET', 'sys/health')
    assert.equal(health.status, 200)
    assert.equal(health.body.initialized, true)
    assert.equal(health.body.sealed, false)
    assert.equal(health.body.standby, false)
    assert.equal((await t.call('GET', 'sys/health?activecode=202')).status, 202)
    assert.equal((await t.call('GET', 'sys/health?standbyok=true&sealedcode=204&uninitcode=204')).status, 200)
    assert.equal((await t.call('GET', 'sys/health?activecode=abc')).status, 400)
    const head = await t.call('HEAD', 'sys/health')
    assert.equal(head.status, 200)
    assert.equal(head.body, undefined)
  })

  it('rotates the keyring without losing data', async () => {
    assert.equal(
      (await t.call('POST', 'sys/mounts/kv', { token: root, body: { type: 'kv-v2' } })).status,
      204,
    )
    await t.call('POST', 'kv/data/before', { token: root, body: { data: { v: 'old-term' } } })
    const before = await t.call('GET', 'sys/key-status', { token: root })
    assert.equal(before.body.data.term, 1)
    assert.equal(before.body.term, 1, 'key-status repeats data at the top level')
    assert.equal((await t.call('PUT', 'sys/rotate', { token: root })).status, 204)
    const afterRotate = await t.call('GET', 'sys/key-status', { token: root })
    assert.equal(afterRotate.body.data.term, 2)
    await t.call('POST', 'kv/data/after', { token: root, body: { data: { v: 'new-term' } } })
    assert.equal((await t.call('GET', 'kv/data/before', { token: root })).body.data.data.v, 'old-term')
    assert.equal((await t.call('GET', 'kv/data/after', { token: root })).body.data.data.v, 'new-term')
  })

  it('requires sudo to seal, then seals and unseals again with the same keys', async () => {
    const policy = 'path "sys/seal" { capabilities = ["update"] }'
    await t.call('PUT', 'sys/policies/acl/sealer', { token: root, body: { policy } })
    const weak = (await t.call('POST', 'auth/token/create', { token: root, body: { policies: ['sealer'] } }))
      .body.auth.client_token
    assert.equal((await t.call('PUT', 'sys/seal', { token: weak })).status, 403)
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, true)
    assert.equal((await t.call('GET', 'kv/data/before', { token: root })).status, 503)
    await t.call('PUT', 'sys/unseal', { body: { key: keys[0] } })
    await t.call('PUT', 'sys/unseal', { body: { key: keys[1] } })
    const read = await t.call('GET', 'kv/data/before', { token: root })
    assert.equal(read.status, 200)
    assert.equal(read.body.data.data.v, 'old-term')
  })
})
