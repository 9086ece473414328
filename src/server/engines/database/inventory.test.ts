// The database inventory: static roles with their rotation period or schedule and failures, dynamic roles; no passwords.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { InventoryItem } from '../../../sdk/inventory.ts'
import { putJson } from '../../../sdk/storage.ts'
import type { DynamicRole, StaticRole } from './model.ts'
import { makeDb } from './test-helpers.ts'

const staticRole = (over: Partial<StaticRole>): StaticRole => ({
  db_name: 'pg',
  username: 'app',
  rotation_period: 86_400,
  rotation_schedule: '',
  rotation_window: 0,
  rotation_statements: [],
  password: 'static-password-never-listed',
  last_vault_rotation: 1_000,
  next_rotation: 2_000,
  failures: 0,
  ...over,
})

it('reports static roles with their rotation, dynamic roles as dynamic, and no password', async () => {
  const h = await makeDb()
  await putJson(h.storage, 'static-role/app', staticRole({ failures: 1 }))
  await putJson(
    h.storage,
    'static-role/nightly',
    staticRole({ rotation_period: 0, rotation_schedule: '0 3 * * *' }),
  )
  const dynamic: DynamicRole = {
    db_name: 'pg',
    creation_statements: [],
    revocation_statements: [],
    rollback_statements: [],
    renew_statements: [],
    default_ttl: 3600,
    max_ttl: 7200,
    username_template: '',
  }
  await putJson(h.storage, 'role/ro', dynamic)
  const items: InventoryItem[] = []
  for await (const item of h.instance.inventory()) items.push(item)
  const by = (path: string) => items.find((i) => i.path === path)
  assert.deepEqual(by('database/static-creds/app')?.rotation, {
    policy: 'rotation_period 86400s',
    periodSeconds: 86_400,
    enabled: true,
    lastRotated: 1_000,
    nextRotation: 2_000,
    failures: 1,
  })
  assert.equal(by('database/static-creds/nightly')?.rotation?.periodSeconds, 86_400)
  assert.equal(by('database/creds/ro')?.dynamic, true)
  assert.ok(!JSON.stringify(items).includes('static-password-never-listed'))
})
