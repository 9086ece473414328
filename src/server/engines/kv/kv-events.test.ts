// Tests for KV's change events: Vault's types and metadata for every change, none for reads, no secret value.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeKv } from './test-helpers.ts'

describe('KV v2 events', () => {
  it('reports each change with Vault type, paths and versions, in order', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/app/db', { data: { password: 'hunter2' } })
    await kv.patch('data/app/db', { data: { user: 'app' } })
    await kv.call('read', 'data/app/db')
    await kv.call('update', 'delete/app/db', { versions: [1] })
    await kv.call('update', 'undelete/app/db', { versions: [1] })
    await kv.call('update', 'destroy/app/db', { versions: [1] })
    await kv.call('delete', 'data/app/db')
    await kv.call('update', 'metadata/app/db', { max_versions: 3 })
    await kv.call('delete', 'metadata/app/db')
    await kv.call('update', 'config', { max_versions: 5 })
    assert.deepEqual(
      kv.events.map((e) => e.type),
      [
        'kv-v2/data-write',
        'kv-v2/data-patch',
        'kv-v2/delete',
        'kv-v2/undelete',
        'kv-v2/destroy',
        'kv-v2/data-delete',
        'kv-v2/metadata-write',
        'kv-v2/metadata-delete',
        'kv-v2/config-write',
      ],
    )
    assert.deepEqual(kv.events[0], {
      type: 'kv-v2/data-write',
      path: 'data/app/db',
      dataPath: 'data/app/db',
      metadata: { operation: 'data-write', modified: 'true', current_version: '1', oldest_version: '0' },
    })
    assert.equal(kv.events[1]?.metadata?.['current_version'], '2')
    assert.equal(kv.events[4]?.path, 'destroy/app/db')
    assert.equal(kv.events[4]?.dataPath, 'data/app/db')
    assert.equal(kv.events[4]?.metadata?.['destroyed_versions'], '1')
    assert.equal(kv.events[6]?.path, 'metadata/app/db')
    assert.doesNotMatch(JSON.stringify(kv.events), /hunter2/)
  })

  it('reports nothing for a refused write or a delete of nothing', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await assert.rejects(kv.call('update', 'data/k', { data: { a: 2 }, options: { cas: 0 } }))
    await kv.call('delete', 'data/missing')
    assert.deepEqual(
      kv.events.map((e) => e.type),
      ['kv-v2/data-write'],
    )
  })
})

describe('KV v1 events', () => {
  it('reports kv-v1/write and kv-v1/delete with the key as path and data path', async () => {
    const kv = await makeKv({ version: '1' })
    await kv.call('update', 'app/db', { password: 'hunter2' })
    await kv.call('delete', 'app/db')
    assert.deepEqual(kv.events, [
      { type: 'kv-v1/write', path: 'app/db', metadata: { operation: 'write', modified: 'true' } },
      { type: 'kv-v1/delete', path: 'app/db', metadata: { operation: 'delete', modified: 'true' } },
    ])
  })
})
