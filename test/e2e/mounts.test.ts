// sys/mounts and sys/auth over HTTP: enable, read, tune, disable (with its data), aliases and refusals.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { listRecursive } from '../../src/sdk/storage.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('mount table', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('lists the dev mounts in data and at the top level', async () => {
    const res = await t.call('GET', 'sys/mounts')
    assert.equal(res.status, 200)
    for (const path of ['secret/', 'sys/']) {
      assert.ok(res.body.data[path], path)
      assert.deepEqual(res.body[path], res.body.data[path])
    }
    assert.equal(res.body.data['secret/'].type, 'kv')
    assert.deepEqual(res.body.data['secret/'].options, { version: '2' })
    assert.match(res.body.data['secret/'].accessor, /^kv_[0-9a-f]{8}$/)
    const auth = await t.call('GET', 'sys/auth')
    assert.equal(auth.body.data['token/'].type, 'token')
  })

  it('enables kv-v1 and kv-v2 via aliases, and v1 reads report the advisory ttl', async () => {
    assert.equal(
      (await t.call('POST', 'sys/mounts/v1', { body: { type: 'kv-v1', description: 'old style' } })).status,
      204,
    )
    assert.equal((await t.call('POST', 'sys/mounts/v2', { body: { type: 'kv-v2' } })).status, 204)
    const one = await t.call('GET', 'sys/mounts/v1')
    assert.equal(one.body.data.description, 'old style')
    assert.deepEqual(one.body.data.options, { version: '1' })
    assert.deepEqual((await t.call('GET', 'sys/mounts/v2')).body.data.options, { version: '2' })
    await t.call('POST', 'v1/app', { body: { password: 'p', ttl: '30m' } })
    const read = await t.call('GET', 'v1/app')
    assert.equal(read.body.lease_duration, 1800)
    assert.deepEqual(read.body.data, { password: 'p', ttl: '30m' })
    await t.call('POST', 'v1/plain', { body: { a: 'b' } })
    assert.equal((await t.call('GET', 'v1/plain')).body.lease_duration, 768 * 3600)
  })

  it('tunes TTLs and reports effective values', async () => {
    const tune = await t.call('POST', 'sys/mounts/v1/tune', {
      body: { default_lease_ttl: '1h', max_lease_ttl: '2h' },
    })
    assert.equal(tune.status, 204)
    const view = await t.call('GET', 'sys/mounts/v1/tune')
    assert.equal(view.body.data.default_lease_ttl, 3600)
    assert.equal(view.body.data.max_lease_ttl, 7200)
    assert.equal((await t.call('GET', 'v1/plain')).body.lease_duration, 3600)
    const bad = await t.call('POST', 'sys/mounts/v1/tune', { body: { default_lease_ttl: '3h' } })
    assert.equal(bad.status, 400)
    const system = await t.call('GET', 'sys/mounts/secret/tune')
    assert.equal(system.body.data.default_lease_ttl, 768 * 3600)
  })

  it('refuses bad mounts with clear 400s', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['sys/mounts/v2', { type: 'kv' }, /already in use/],
      ['sys/mounts/v2/nested', { type: 'kv' }, /already in use/],
      ['sys/mounts/sys/x', { type: 'kv' }, /reserved/],
      ['sys/mounts/x', { type: 'nope' }, /unknown secrets engine type/],
      ['sys/mounts/x', {}, /type/],
      ['sys/mounts/y', { type: 'kv', options: { version: '3' } }, /version/],
      ['sys/auth/z', { type: 'nope' }, /unknown auth method/],
    ]
    for (const [path, body, message] of cases) {
      const res = await t.call('POST', path, { body })
      assert.equal(res.status, 400, path)
      assert.match(res.body.errors[0], message)
    }
    assert.equal((await t.call('GET', 'sys/mounts/y')).status, 404)
    assert.equal((await t.call('DELETE', 'sys/mounts/sys')).status, 400)
    assert.equal((await t.call('DELETE', 'sys/auth/token')).status, 400)
  })

  it('removes every stored byte of a disabled mount', async () => {
    await t.call('POST', 'sys/mounts/doomed', { body: { type: 'kv-v2' } })
    const uuid = (await t.call('GET', 'sys/mounts/doomed')).body.data.uuid
    for (let i = 0; i < 5; i++) await t.call('POST', `doomed/data/k${i}`, { body: { data: { i } } })
    const barrier = t.server.core.barrier
    assert.ok((await listRecursive(barrier, `logical/${uuid}/`)).length >= 10)
    assert.equal((await t.call('DELETE', 'sys/mounts/doomed')).status, 204)
    assert.deepEqual(await listRecursive(barrier, `logical/${uuid}/`), [])
    assert.equal((await t.call('GET', 'doomed/data/k0')).status, 404)
    await t.call('POST', 'sys/mounts/doomed', { body: { type: 'kv-v2' } })
    assert.equal(
      (await t.call('GET', 'doomed/data/k0')).status,
      404,
      'a new mount at the same path starts empty',
    )
  })

  it('persists mounts through seal and unseal', async () => {
    await t.call('PUT', 'sys/seal')
    await t.call('PUT', 'sys/unseal', { body: { key: t.server.unsealKey } })
    const res = await t.call('GET', 'sys/mounts')
    assert.ok(res.body.data['v1/'])
    assert.equal((await t.call('GET', 'v1/app')).body.data.password, 'p')
  })
})
