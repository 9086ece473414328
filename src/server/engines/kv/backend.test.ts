// Tests for version selection and the outer kv backend's forwarding.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NO_EVENTS } from '../../../sdk/events.ts'
import { BackendInstance } from '../../../sdk/framework/backend.ts'
import type { SystemView } from '../../../sdk/request.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { kvBackend, kvVersion } from './backend.ts'
import { dataOf, makeKv } from './test-helpers.ts'

describe('kvVersion', () => {
  it('defaults to 1 and reads "1" and "2"', () => {
    assert.equal(kvVersion({ type: 'kv', options: {} }), 1)
    assert.equal(kvVersion({ type: 'kv', options: { version: '1' } }), 1)
    assert.equal(kvVersion({ type: 'kv', options: { version: '' } }), 1)
    assert.equal(kvVersion({ type: 'kv', options: { version: '2' } }), 2)
  })

  it('treats a kv-v2 mount type without a version as 2', () => {
    assert.equal(kvVersion({ type: 'kv-v2', options: {} }), 2)
  })

  it('refuses other versions', () => {
    assert.throws(() => kvVersion({ type: 'kv', options: { version: '3' } }), /unsupported version "3"/)
  })
})

describe('kvBackend', () => {
  it('serves the v1 API on a mount without a version', async () => {
    const kv = await makeKv()
    await kv.call('update', 'data/app', { password: 'x' })
    // On v1, "data/app" is an ordinary path, stored as given.
    assert.deepEqual(dataOf(await kv.call('read', 'data/app')), { password: 'x' })
  })

  it('serves the v2 API on a version 2 mount', async () => {
    const kv = await makeKv({ version: '2' })
    const written = dataOf(await kv.call('update', 'data/app', { data: { password: 'x' } }))
    assert.equal(written['version'], 1)
    const read = dataOf(await kv.call('read', 'data/app'))
    assert.deepEqual(read['data'], { password: 'x' })
  })

  it('passes the inner existence check through, including "no check"', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.exists('data/app'), false)
    await kv.call('update', 'data/app', { data: { a: 1 } })
    assert.equal(await kv.exists('data/app'), true)
    assert.equal(await kv.exists('metadata/app'), true)
    // delete/ and config have no check in Vault: core must treat the write as an update.
    assert.equal(await kv.exists('delete/app'), undefined)
    assert.equal(await kv.exists('config'), undefined)
  })

  it('keeps the inner unknown-parameter warning', async () => {
    const kv = await makeKv({ version: '2' })
    const response = await kv.call('update', 'data/app', { data: { a: 1 }, bogus: true })
    assert.deepEqual(response?.warnings, ['Endpoint ignored these unrecognized parameters: [bogus]'])
  })

  it('fails setup for an unsupported version', async () => {
    const system: SystemView = {
      defaultLeaseTtl: 1,
      maxLeaseTtl: 1,
      mount: { path: 'x/', type: 'kv', uuid: 'u', accessor: 'a', options: { version: '7' } },
      now: () => 0,
      generatePassword: async () => 'unused-in-kv',
      log: () => {},
      events: NO_EVENTS,
    }
    await assert.rejects(
      BackendInstance.create(kvBackend, { storage: new MemoryStorage(), system }),
      /version "7"/,
    )
  })

  it('answers a v1-style path on a v2 mount with 404 and a hint', async () => {
    const kv = await makeKv({ version: '2' })
    const response = await kv.call('read', 'app')
    assert.equal(response?.status, 404)
    assert.match(response?.warnings?.[0] ?? '', /Invalid path for a versioned K\/V secrets engine.*'kv get'/)
    const put = await kv.call('update', 'app', { a: 1 })
    assert.match(put?.warnings?.[0] ?? '', /'kv put'/)
  })

  it('cleans up without error', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.instance.cleanup()
  })
})
