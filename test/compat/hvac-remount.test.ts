// hvac's sys.move_backend against Coffer: hvac_remount_scenario.py drives a dev server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hvacAgainstDevServer } from '../helpers/hvac-scenario.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_remount_scenario.py', import.meta.url))

test('hvac sys.move_backend against Coffer', { timeout: 120_000 }, async (t) => {
  const found = await hvacAgainstDevServer(t, SCRIPT)
  if (!found) return
  const r = found

  await t.test('a KV v2 engine moves with its data', () => {
    assert.deepEqual(r['move_kv'], { has_id: true, top_level: true })
    assert.deepEqual(r['kv_status'], {
      source_mount: 'team-kv/',
      target_mount: 'apps-kv/',
      status: 'success',
    })
    assert.deepEqual(r['kv_read_new'], { password: 'p1' })
    assert.equal(r['kv_read_old'].error, 'InvalidPath')
    assert.deepEqual(r['kv_listed'], ['apps-kv/'])
  })

  await t.test('a userpass method moves with its users; its tokens are revoked', () => {
    assert.equal(r['auth_status'].status, 'success')
    assert.equal(r['old_token'].error, 'Forbidden')
    assert.equal(r['login_new'], true)
    assert.equal(r['login_old'].error, 'InvalidPath')
  })

  await t.test("refusals arrive as hvac's InvalidRequest with Vault's texts", () => {
    assert.deepEqual(r['move_sys'], { error: 'InvalidRequest', errors: ['cannot remount "sys/"'] })
    assert.deepEqual(r['move_into_use'], {
      error: 'InvalidRequest',
      errors: ['path already in use at "secret/"'],
    })
    assert.deepEqual(r['auth_to_secrets'], {
      error: 'InvalidRequest',
      errors: ['cannot remount auth mount to non-auth mount "staff/"'],
    })
  })
})
