// cubbyhole/: each token's private store, invisible to other tokens (even root) and destroyed on revocation.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { listRecursive } from '../../src/sdk/storage.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('cubbyhole', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  const token = async () =>
    (await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })).body.auth.client_token

  it('is mounted by default and usable through the default policy', async () => {
    const mounts = await t.call('GET', 'sys/mounts')
    assert.equal(mounts.body.data['cubbyhole/'].type, 'cubbyhole')
    const a = await token()
    assert.equal((await t.call('POST', 'cubbyhole/app/cfg', { token: a, body: { k: 'v' } })).status, 204)
    const read = await t.call('GET', 'cubbyhole/app/cfg', { token: a })
    assert.deepEqual(read.body.data, { k: 'v' })
    assert.deepEqual((await t.call('GET', 'cubbyhole/?list=true', { token: a })).body.data.keys, ['app/'])
    assert.deepEqual((await t.call('GET', 'cubbyhole/app?list=true', { token: a })).body.data.keys, ['cfg'])
  })

  it('keeps each token’s data from every other token, root included', async () => {
    const a = await token()
    const b = await token()
    await t.call('POST', 'cubbyhole/secret', { token: a, body: { owner: 'a' } })
    assert.equal((await t.call('GET', 'cubbyhole/secret', { token: b })).status, 404)
    assert.equal((await t.call('GET', 'cubbyhole/secret')).status, 404)
    await t.call('POST', 'cubbyhole/secret', { token: b, body: { owner: 'b' } })
    assert.equal((await t.call('GET', 'cubbyhole/secret', { token: a })).body.data.owner, 'a')
  })

  it('destroys a token’s cubbyhole when the token is revoked', async () => {
    const a = await token()
    await t.call('POST', 'cubbyhole/one', { token: a, body: { x: 1 } })
    await t.call('POST', 'cubbyhole/dir/two', { token: a, body: { x: 2 } })
    const uuid = (await t.call('GET', 'sys/mounts/cubbyhole')).body.data.uuid
    const before = (await listRecursive(t.server.core.barrier, `logical/${uuid}/`)).length
    assert.equal((await t.call('POST', 'auth/token/revoke-self', { token: a })).status, 204)
    const afterRevoke = (await listRecursive(t.server.core.barrier, `logical/${uuid}/`)).length
    assert.equal(before - afterRevoke, 2)
  })

  it('cannot be disabled or mounted over', async () => {
    assert.equal((await t.call('DELETE', 'sys/mounts/cubbyhole')).status, 400)
    assert.equal((await t.call('POST', 'sys/mounts/cubbyhole/x', { body: { type: 'kv' } })).status, 400)
  })
})
