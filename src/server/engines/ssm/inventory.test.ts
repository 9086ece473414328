// The SSM inventory: each parameter's name, type, dates, versions and tag keys; no values.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { buildBackend } from '../../../sdk/framework/backend-harness.ts'
import type { InventoryItem } from '../../../sdk/inventory.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { ssmBackend } from './backend.ts'

it('lists parameters without their values', async () => {
  const h = await buildBackend(ssmBackend, {
    storage: new MemoryStorage(),
    clock: { now: Date.UTC(2026, 0, 1) },
    mount: { path: 'ssm/', type: 'ssm' },
    generatePassword: async () => 'unused',
  })
  // A create, as the ACL check classifies a write of a parameter that does not exist yet.
  await h.call('create', 'parameters/app/url', { value: 'ssm-value-never-listed', type: 'SecureString' })
  h.tick(1000)
  await h.call('update', 'parameters/app/url', { value: 'ssm-value-two' })
  const items: InventoryItem[] = []
  for await (const item of h.instance.inventory()) items.push(item)
  assert.equal(items.length, 1)
  assert.equal(items[0]?.path, 'ssm/parameters/app/url')
  assert.equal(items[0]?.versions, 2)
  assert.equal(items[0]?.details?.['type'], 'SecureString')
  assert.equal((items[0]?.updated ?? 0) - (items[0]?.created ?? 0), 1000)
  assert.ok(!JSON.stringify(items).match(/ssm-value/))
})
