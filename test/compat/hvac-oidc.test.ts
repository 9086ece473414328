// hvac's identity-token calls against Coffer: hvac_oidc_scenario.py drives a dev server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runScenario } from '../helpers/python.ts'
import { HVAC, skipUnless } from '../helpers/requirements.ts'
import { startDevServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_oidc_scenario.py', import.meta.url))

test('hvac secrets.identity identity tokens against Coffer', { timeout: 120_000 }, async (t) => {
  if (await skipUnless(t, HVAC)) return
  const server = await startDevServer()
  let r: Awaited<ReturnType<typeof runScenario>>
  try {
    r = await runScenario(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken })
  } finally {
    await server.close()
  }
  const issuer = `${server.address}/v1/identity/oidc`

  await t.test('config, named keys and roles', () => {
    assert.deepEqual(r['read_config'], { issuer: '' })
    assert.equal(r['create_key'], 204)
    assert.deepEqual(r['read_key'], {
      algorithm: 'ES256',
      rotation_period: 86400,
      verification_ttl: 86400,
      allowed_client_ids: ['*'],
    })
    assert.deepEqual(r['list_keys'], ['default', 'hvac-key'])
    assert.equal(r['bad_algorithm'].error, 'InvalidRequest')
    assert.deepEqual(r['bad_algorithm'].errors, ['unknown signing algorithm "HS256"'])
    assert.equal(r['create_role'], 204)
    assert.deepEqual(r['read_role'], {
      key: 'hvac-key',
      ttl: 3600,
      template: '{"nm": {{identity.entity.name}}}',
    })
    assert.equal(r['client_id_length'], 26)
    assert.deepEqual(r['list_roles'], ['hvac-role'])
  })

  await t.test('tokens, introspection and the .well-known documents', () => {
    assert.deepEqual(r['generate'], { client_id: true, ttl: 3600 })
    assert.equal(r['root_has_no_entity'].error, 'InvalidRequest')
    assert.deepEqual(r['root_has_no_entity'].errors, ["no entity associated with the request's token"])
    assert.deepEqual(r['introspect'], { active: true })
    assert.equal(r['introspect_wrong_client'].active, false)
    assert.match(r['introspect_wrong_client'].error, /invalid audience claim/)
    assert.equal(r['well_known'].issuer, issuer)
    assert.equal(r['well_known'].jwks_uri, `${issuer}/.well-known/keys`)
    // The signing key and the next one are published.
    assert.equal(r['public_keys'].length, 2)
    assert.equal(r['token_kid_published'], true)
    assert.deepEqual(r['claims'], { sub: true, aud: true, nm: r['claims'].nm })
    assert.match(r['claims'].nm, /^entity_[0-9a-f]{8}$/)
  })

  await t.test('rotation and deletion', () => {
    assert.equal(r['rotate_via_hvac'], 204)
    assert.equal(r['read_key_after_hvac_rotate'], 7200)
    assert.equal(r['rotate'], 204)
    assert.deepEqual(r['rotated'], { new_kid: true, old_still_published: true, old_token_active: true })
    assert.equal(r['delete_referenced_key'].error, 'InvalidRequest')
    assert.deepEqual(r['delete_referenced_key'].errors, [
      'unable to delete key "hvac-key" because it is currently referenced by these roles: hvac-role',
    ])
    assert.equal(r['delete_role'], 204)
    assert.equal(r['delete_key'], 204)
    assert.deepEqual(r['list_keys_after'], ['default'])
    assert.deepEqual(r['delete_default_key'].errors, ['deletion of key "default" not allowed'])
  })
})
