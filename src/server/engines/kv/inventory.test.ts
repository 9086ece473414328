// The KV inventory: v1 paths without dates, v2 metadata and custom metadata keys, a rotation configuration; no values.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { InventoryItem } from '../../../sdk/inventory.ts'
import { putJson } from '../../../sdk/storage.ts'
import type { KvRotation } from './rotation-record.ts'
import { makeKv } from './test-helpers.ts'

async function all(items: AsyncIterable<InventoryItem>): Promise<InventoryItem[]> {
  const out: InventoryItem[] = []
  for await (const item of items) out.push(item)
  return out
}

it('KV v1: each entry by path, with no dates to report', async () => {
  const h = await makeKv()
  await h.call('update', 'team/a', { password: 'v1-value-never-listed' })
  const items = await all(h.instance.inventory())
  assert.deepEqual(items, [{ kind: 'kv', path: 'secret/team/a', name: 'team/a', details: { kv_version: 1 } }])
})

it('KV v2: dates, versions, custom metadata keys and the rotation configuration', async () => {
  const h = await makeKv({ version: '2' })
  await h.call('update', 'data/app/db', { data: { password: 'v2-value-never-listed' } })
  await h.call('update', 'data/app/db', { data: { password: 'v2-value-two' } })
  await h.call('update', 'metadata/app/db', { custom_metadata: { owner: 'secret-owner-name' } })
  const rotation: KvRotation = {
    functionName: 'coffer-random-password',
    rules: { AutomaticallyAfterDays: 7 },
    enabled: true,
    field: 'password',
    lastRotatedDate: h.clock.now - 1000,
    inFlight: { token: 't', startedDate: h.clock.now, fromVersion: 2, attempts: 2 },
    lastFailure: { step: 'rotate', message: 'refused', date: h.clock.now, attempts: 2 },
  }
  await putJson(h.storage, 'rotation/app/db', rotation)
  const [item] = await all(h.instance.inventory())
  assert.equal(item?.path, 'secret/data/app/db')
  assert.equal(item?.versions, 2)
  assert.deepEqual(item?.metadataKeys, ['owner'])
  assert.equal(item?.rotation?.periodSeconds, 7 * 86_400)
  assert.equal(item?.rotation?.failures, 2)
  assert.deepEqual(item?.rotation?.lastFailure, { time: h.clock.now, message: 'refused' })
  const text = JSON.stringify(item)
  for (const value of ['v2-value-never-listed', 'v2-value-two', 'secret-owner-name'])
    assert.ok(!text.includes(value))
})
