// Compatibility with hvac's auth.userpass and auth.approle: hvac_auth_scenario.py drives a dev server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hvacAgainstDevServer } from '../helpers/hvac-scenario.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_auth_scenario.py', import.meta.url))

test('hvac auth.userpass and auth.approle against Coffer', { timeout: 120_000 }, async (t) => {
  const found = await hvacAgainstDevServer(t, SCRIPT)
  if (!found) return
  const r = found

  await t.test('userpass: users CRUD, login, refusals, password change', () => {
    assert.equal(r['enable_userpass'], 204)
    assert.equal(r['create_user'], 204)
    assert.deepEqual(r['list_users'], ['alice'])
    assert.deepEqual(r['read_user_policies'], ['reader'])
    assert.deepEqual(r['userpass_login'], {
      policies: ['default', 'reader'],
      metadata: { username: 'alice' },
      authenticated: true,
      read: { k: 'v' },
    })
    const refused = { error: 'InvalidRequest', errors: ['invalid username or password'] }
    assert.deepEqual(r['userpass_wrong'], refused)
    assert.deepEqual(r['userpass_unknown'], refused)
    assert.equal(r['update_password'], 204)
    assert.equal(r['login_new_password'], true)
    assert.equal(r['delete_user'], 204)
  })

  await t.test('approle: role, role ID, secret IDs, login, lookup, destroy', () => {
    assert.equal(r['enable_approle'], 204)
    assert.equal(r['create_role'], 204)
    assert.deepEqual(r['list_roles'], ['ci'])
    assert.deepEqual(r['read_role'], {
      token_policies: ['reader'],
      token_ttl: 1200,
      secret_id_ttl: 3600,
      bind_secret_id: true,
    })
    assert.deepEqual(r['generated_keys'], [
      'secret_id',
      'secret_id_accessor',
      'secret_id_num_uses',
      'secret_id_ttl',
    ])
    assert.deepEqual(r['approle_login'], {
      policies: ['default', 'reader'],
      metadata: { env: 'prod', role_name: 'ci' },
      lease_duration: 1200,
      authenticated: true,
      read: { k: 'v' },
    })
    assert.deepEqual(r['approle_wrong_secret'], {
      error: 'InvalidRequest',
      errors: ['invalid role or secret ID'],
    })
    assert.equal(r['accessors'], true)
    assert.deepEqual(r['read_secret_id'], { env: 'prod' })
    assert.equal(r['read_secret_id_accessor'], 3600)
    assert.equal(r['custom_secret_id'], 'my-custom-secret')
    assert.equal(r['custom_login'], true)
    assert.equal(r['destroy_secret_id'], 204)
    assert.equal(r['destroy_accessor'], 204)
    assert.equal(r['login_after_destroy'].error, 'InvalidRequest')
    assert.equal(r['update_role_id'], 204)
    assert.equal(r['read_new_role_id'], 'custom-role-id')
    assert.equal(r['delete_role'], 204)
  })
})
