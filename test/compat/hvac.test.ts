// Compatibility with hvac (Debian python3-hvac): hvac_scenario.py drives a fresh sealed server; we assert what it saw.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { HVAC, skipUnless } from '../helpers/requirements.ts'
import { startSealedServer } from '../helpers/server.ts'

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./hvac_scenario.py', import.meta.url))
const POLICY_HCL =
  'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n\npath "secret/metadata/*" {\n  capabilities = ["list"]\n}\n'

interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<RunResult> {
  // Asynchronous on purpose: the server under test lives in this process's event loop.
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

test('hvac drives init, unseal, policies, tokens, KV v2 and seal', { timeout: 120_000 }, async (t) => {
  if (await skipUnless(t, HVAC)) return
  const server = await startSealedServer()
  let result: RunResult
  try {
    result = await run(PYTHON, [SCRIPT], { ...process.env, VAULT_ADDR: server.address }, 90_000)
  } finally {
    await server.close()
  }
  assert.equal(result.code, 0, `hvac_scenario.py failed:\n${result.stderr}`)
  const lines = result.stdout.trim().split('\n')
  // biome-ignore lint/suspicious/noExplicitAny: the script's JSON, checked field by field below
  const r = JSON.parse(lines.at(-1)!) as Record<string, any>
  t.diagnostic(`hvac ${r['hvac_version']}`)

  await t.test('initialise with 3 shares / threshold 2, unseal with two keys', () => {
    assert.equal(r['initialized_before'], false)
    assert.equal(r['health_uninit'].status, 501)
    assert.equal(r['health_uninit'].body.initialized, false)
    assert.equal(r['health_uninit'].body.sealed, true)
    assert.deepEqual(r['init'], {
      keys_count: 3,
      keys_base64_count: 3,
      keys_are_hex: true,
      root_token_is_str: true,
    })
    assert.equal(r['initialized_after'], true)
    assert.equal(r['sealed_after_init'], true)
    assert.deepEqual(r['unseal_first'], { sealed: true, progress: 1, t: 2, n: 3 })
    assert.deepEqual(r['unseal_rest'], { sealed: false, progress: 0, t: 2, n: 3 })
    assert.equal(r['sealed_after_unseal'], false)
    assert.deepEqual(r['seal_status'], {
      type: 'shamir',
      initialized: true,
      sealed: false,
      t: 2,
      n: 3,
      progress: 0,
      has_cluster_name: true,
      has_cluster_id: true,
    })
  })

  await t.test('sys/health answers GET with a body and HEAD with 200', () => {
    assert.deepEqual(r['health'], {
      status: 200,
      initialized: true,
      sealed: false,
      standby: false,
      has_version: true,
      has_server_time: true,
      has_cluster_name: true,
    })
    assert.equal(r['health_head'], 200)
  })

  await t.test('root login and enabling KV v2 at secret/', () => {
    assert.equal(r['root_authenticated'], true)
    assert.deepEqual(r['root_policies'], ['root'])
    assert.equal(r['enable_kv'], 204)
    const m = r['mounts']
    assert.ok(m.data_keys.includes('secret/'), `mounts: ${m.data_keys}`)
    assert.ok(m.data_keys.includes('sys/'), `mounts: ${m.data_keys}`)
    assert.equal(m.top_level_secret, true, 'sys/mounts repeats data keys at top level')
    assert.equal(m.secret_type, 'kv')
    assert.deepEqual(m.secret_options, { version: '2' })
    assert.equal(m.secret_accessor_prefix, 'kv_')
    for (const key of ['default_lease_ttl', 'max_lease_ttl', 'force_no_cache'])
      assert.ok(m.secret_config_keys.includes(key))
    assert.equal(m.secret_local, false)
    assert.equal(m.secret_seal_wrap, false)
    assert.equal(m.secret_has_uuid, true)
    assert.equal(m.secret_description_is_str, true)
    assert.equal(m.sys_type, 'system')
  })

  // Vault also always mounts identity/, which Coffer does not have yet (docs/api-compatibility.md).
  await t.test('cubbyhole/ is mounted on every server, as in Vault', () => {
    assert.ok(r['mounts'].data_keys.includes('cubbyhole/'), `mounts: ${r['mounts'].data_keys}`)
  })

  await t.test('ACL policy write, read (legacy and sys/policies/acl) and list', () => {
    assert.equal(r['policy_write'], 204)
    assert.deepEqual(r['policy_read'], {
      name: 'app-reader',
      rules: POLICY_HCL,
      data_name: 'app-reader',
      data_rules: POLICY_HCL,
    })
    assert.deepEqual(r['policy_read_acl'], { name: 'app-reader', policy: POLICY_HCL })
    const expected = ['app-reader', 'default', 'root']
    assert.deepEqual(r['policy_list'], { policies: expected, data_policies: expected, keys: expected })
    assert.deepEqual(r['policy_list_acl'], expected)
  })

  await t.test('KV v2 writes, CAS, reads, patch and merge-patch', () => {
    assert.deepEqual(r['kv_write'], {
      version: 1,
      deletion_time: '',
      destroyed: false,
      has_created_time: true,
    })
    assert.equal(r['kv_write_other'], 1)
    assert.equal(r['kv_item_v1'], 1)
    assert.equal(r['kv_item_v2_cas'], 2)
    assert.equal(r['kv_item_cas_mismatch'], 'InvalidRequest')
    assert.deepEqual(r['kv_read_latest'], { data: { a: '1', b: '22' }, version: 2 })
    assert.deepEqual(r['kv_read_v1'], { data: { a: '1', b: '2' }, version: 1 })
    assert.equal(r['kv_hvac_patch'], 3)
    assert.deepEqual(r['kv_after_hvac_patch'], { data: { a: '1', b: '3', c: '4' }, version: 3 })
    assert.equal(r['kv_merge_patch'], 4)
    assert.deepEqual(r['kv_after_merge_patch'], { data: { a: '1', b: '3', d: '5' }, version: 4 })
    assert.equal(r['kv_patch_wrong_content_type'], 415)
  })

  await t.test('KV v2 delete, deleted-version 404, undelete, destroy, metadata and list', () => {
    assert.equal(r['kv_delete_latest'], 204)
    assert.equal(r['kv_read_deleted'], 'InvalidPath')
    assert.deepEqual(r['kv_read_deleted_raw'], {
      status: 404,
      data_is_null: true,
      version: 4,
      deletion_time_set: true,
      destroyed: false,
    })
    assert.equal(r['kv_undelete'], 204)
    assert.deepEqual(r['kv_after_undelete'], { data: { a: '1', b: '3', d: '5' }, version: 4 })
    assert.equal(r['kv_destroy'], 204)
    assert.equal(r['kv_read_destroyed'], 'InvalidPath')
    assert.deepEqual(r['kv_metadata'], {
      current_version: 4,
      oldest_version_is_int: true,
      max_versions: 0,
      cas_required: false,
      delete_version_after: '0s',
      custom_metadata: null,
      version_keys: ['1', '2', '3', '4'],
      v1_destroyed: true,
      v4_deletion_time: '',
      has_times: true,
    })
    assert.deepEqual(r['kv_list_root'], ['app/', 'kvtest/', 'other/'])
    assert.deepEqual(r['kv_list_kvtest'], ['item'])
    assert.equal(r['kv_list_empty'], 'InvalidPath', 'an empty LIST is a 404')
    assert.equal(r['kv_read_missing'], 'InvalidPath')
  })

  await t.test(
    'a token limited by the policy: allowed read, denied write, LIST, lookup, renew, revoke',
    () => {
      assert.equal(r['token_create_ok'], true)
      const { accessor, ...created } = r['token_create']
      assert.equal(typeof accessor, 'string')
      assert.deepEqual(created, {
        policies: ['app-reader', 'default'],
        token_policies: ['app-reader', 'default'],
        lease_duration: 3600,
        renewable: true,
        token_type: 'service',
        orphan: false,
      })
      assert.deepEqual(r['app_read_allowed'], { user: 'app', password: 's3cret' })
      assert.equal(r['app_write_denied'], 'Forbidden')
      assert.equal(r['app_read_denied'], 'Forbidden')
      assert.deepEqual(r['app_list_root'], ['app/', 'kvtest/', 'other/'])
      assert.deepEqual(r['app_list_app'], ['config'])

      const { expire_time: expireTime, ...self } = r['app_lookup_self']
      const expires = Date.parse(expireTime)
      assert.ok(Number.isFinite(expires), `expire_time is RFC 3339: ${expireTime}`)
      const left = (expires - Date.now()) / 1000
      assert.ok(left > 3500 && left <= 3601, `expire_time is about an hour away (${left}s)`)
      assert.deepEqual(self, {
        type: 'service',
        ttl_in_range: true,
        policies: ['app-reader', 'default'],
        creation_ttl: 3600,
        renewable: true,
        orphan: false,
        path: 'auth/token/create',
        // hvac sends display_name="token"; Vault prefixes "token-".
        display_name: 'token-token',
        num_uses: 0,
        explicit_max_ttl: 0,
        id_matches: true,
        accessor_matches: true,
      })
      assert.deepEqual(r['app_renew_self'], { lease_duration: 3600, renewable: true, same_token: true })
      assert.deepEqual(r['app_renew_self_increment'], {
        lease_duration: 1800,
        renewable: true,
        same_token: true,
      })
      assert.equal(r['app_revoke_self'], 204)
      assert.equal(r['app_after_revoke_lookup'], 'Forbidden')
      assert.equal(r['app_after_revoke_read'], 'Forbidden')
      assert.equal(r['app_is_authenticated_after_revoke'], false)
    },
  )

  await t.test('sys/seal seals; requests then get 503', () => {
    assert.equal(r['seal'], 204)
    assert.equal(r['sealed_after_seal'], true)
    assert.equal(r['read_while_sealed'], 'VaultDown')
  })
})
