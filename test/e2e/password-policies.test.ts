// sys/policies/password over HTTP: write (text or base64), read, LIST, generate, delete and clear 400s for bad policies.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const POLICY =
  'length = 24\nrule "charset" {\n  charset = "abcdef"\n  min-chars = 2\n}\nrule "charset" {\n  charset = "0123"\n  min-chars = 3\n}\n'

describe('password policies over HTTP', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('writes, reads, lists, generates and deletes a policy', async () => {
    assert.equal((await t.call('PUT', 'sys/policies/password/hex', { body: { policy: POLICY } })).status, 204)
    const b64 = Buffer.from('length = 8\nrule "charset" { charset = "xyz" }').toString('base64')
    assert.equal((await t.call('PUT', 'sys/policies/password/xyz', { body: { policy: b64 } })).status, 204)
    const read = await t.call('GET', 'sys/policies/password/hex')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.policy, POLICY)
    assert.deepEqual((await t.call('LIST', 'sys/policies/password')).body.data.keys, ['hex', 'xyz'])
    for (let i = 0; i < 20; i++) {
      const generated = await t.call('GET', 'sys/policies/password/hex/generate')
      assert.equal(generated.status, 200)
      const password: string = generated.body.data.password
      assert.match(password, /^[a-f0-3]{24}$/)
      assert.ok(password.replace(/[^a-f]/g, '').length >= 2)
      assert.ok(password.replace(/[^0-3]/g, '').length >= 3)
    }
    assert.match((await t.call('GET', 'sys/policies/password/xyz/generate')).body.data.password, /^[xyz]{8}$/)
    assert.equal((await t.call('DELETE', 'sys/policies/password/hex')).status, 204)
    assert.equal((await t.call('GET', 'sys/policies/password/hex')).status, 404)
    assert.equal((await t.call('GET', 'sys/policies/password/hex/generate')).status, 404)
  })

  it('refuses a policy that cannot be satisfied or parsed, keeping the old one', async () => {
    assert.equal(
      (await t.call('PUT', 'sys/policies/password/keep', { body: { policy: POLICY } })).status,
      204,
    )
    const impossible = await t.call('PUT', 'sys/policies/password/keep', {
      body: { policy: 'length = 2\nrule "charset" { charset = "a" min-chars = 5 }' },
    })
    assert.equal(impossible.status, 400)
    assert.match(impossible.body.errors[0], /require at least 5 characters/)
    assert.equal(
      (await t.call('PUT', 'sys/policies/password/keep', { body: { policy: 'length = {' } })).status,
      400,
    )
    assert.equal((await t.call('PUT', 'sys/policies/password/keep', { body: {} })).status, 400)
    assert.equal((await t.call('GET', 'sys/policies/password/keep')).body.data.policy, POLICY)
  })

  it('an empty LIST is a 404', async () => {
    const fresh = await startDevServer()
    try {
      assert.equal((await fresh.call('LIST', 'sys/policies/password')).status, 404)
    } finally {
      await fresh.close()
    }
  })
})
