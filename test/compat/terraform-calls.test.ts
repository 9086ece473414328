// Terraform's vault provider, call for call: the requests of each resource's create/read/update/delete and the fields its refresh reads.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/** A self-signed CA certificate (public test data; its private key was discarded when it was made). */
const KUBERNETES_CA = `-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIUMblEe99gzVAUMrCV8sxlFJVDkXUwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSa3ViZXJuZXRlcy10ZXN0LWNhMCAXDTI2MTIwNzE4MjQxOFoY
DzIxMjYxMTEzMTgyNDE4WjAdMRswGQYDVQQDDBJrdWJlcm5ldGVzLXRlc3QtY2Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT8/rSNwPa8MeG7ATW6gcW3EozLrajB
69HcknyjzkihWYkuhbPHnP9mithLfpjK6hLZug9Lms0O15A1xaibacs4o1MwUTAd
BgNVHQ4EFgQUOCn5w2tzhbVU7ERUudXVZMfY+9wwHwYDVR0jBBgwFoAUOCn5w2tz
hbVU7ERUudXVZMfY+9wwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiEAi2SvxN9T9FlnJB0/LKyYDE0Qo/N0w1gX+v/phQoX5Q4CIC2jj/8FUuPtVMb2
3lgIeza+cz/U677ssgEcCqHBRGSh
-----END CERTIFICATE-----\n`

// The provider talks through Vault's Go API client: writes are PUT (a few raw requests POST), lists are GET
// with ?list=true, and every request carries X-Vault-Request. A 404 (or 400 "No ... mount at") on refresh means
// "gone, drop from state"; any other error fails the plan.
const GO_HEADERS = { 'x-vault-request': 'true' }

describe('Terraform vault provider calls', () => {
  let t: TestServer
  /** The provider's child token (provider configure), used for every resource call after start-up. */
  let tf = ''
  const go = (method: string, path: string, body?: unknown, token = tf) =>
    t.call(method, path, { token, headers: GO_HEADERS, ...(body === undefined ? {} : { body }) })
  const ok = async (method: string, path: string, body?: unknown, status = 204) => {
    const r = await go(method, path, body)
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`)
    return r
  }

  before(async () => {
    t = await startDevServer()
  })
  after(() => t?.close())

  it('provider configure: lookup-self, a non-renewable child token with ttl = explicit_max_ttl, seal-status version', async () => {
    // internal/provider/meta.go: LookupSelf (token_policies, ttl, namespace_path read as a string if present).
    const self = await go('GET', 'auth/token/lookup-self', undefined, t.rootToken)
    assert.equal(self.status, 200)
    assert.deepEqual(self.body.data.policies, ['root'])
    if ('namespace_path' in self.body.data) assert.equal(typeof self.body.data.namespace_path, 'string')
    // createChildToken: display_name terraform, ttl/explicit_max_ttl "1200s", renewable false.
    const child = await go(
      'PUT',
      'auth/token/create',
      // api.TokenCreateRequest always carries display_name, num_uses, type and entity_alias, empty or not.
      {
        display_name: 'terraform',
        ttl: '1200s',
        explicit_max_ttl: '1200s',
        renewable: false,
        num_uses: 0,
        type: '',
        entity_alias: '',
      },
      t.rootToken,
    )
    assert.equal(child.status, 200, JSON.stringify(child.body))
    assert.deepEqual(child.body.auth.policies, ['root'])
    assert.equal(child.body.auth.lease_duration, 1200)
    assert.equal(child.body.auth.renewable, false)
    tf = child.body.auth.client_token
    const childSelf = (await go('GET', 'auth/token/lookup-self')).body.data
    assert.equal(childSelf.display_name, 'token-terraform')
    assert.equal(childSelf.explicit_max_ttl, 1200)
    // getVaultVersion: sys/seal-status .version must parse as semver (go-version NewSemver).
    const seal = await go('GET', 'sys/seal-status')
    assert.match(seal.body.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/)
  })

  it('KV preflight (isKVv2): sys/internal/ui/mounts/<path> gives path (string) and options.version (a string)', async () => {
    const v2 = await ok('GET', 'sys/internal/ui/mounts/secret/app', undefined, 200)
    assert.equal(v2.body.data.path, 'secret/')
    assert.equal(v2.body.data.options.version, '2')
    await ok('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } })
    const v1 = await ok('GET', 'sys/internal/ui/mounts/kv1/app', undefined, 200)
    assert.equal(v1.body.data.path, 'kv1/')
    assert.equal(typeof v1.body.data.options.version, 'string')
    // No mount: a 403 or 404 makes the provider assume KV v1; anything else fails the plan.
    const none = await go('GET', 'sys/internal/ui/mounts/nomount/app')
    assert.ok(none.status === 403 || none.status === 404, String(none.status))
  })

  it('vault_generic_secret on KV v2: write {data, options: {}}, refresh reads data.data, delete (latest or metadata)', async () => {
    await ok('PUT', 'secret/data/generic', { data: { user: 'u', n: 1 }, options: {} }, 200)
    const read = await ok('GET', 'secret/data/generic', undefined, 200)
    assert.deepEqual(read.body.data.data, { user: 'u', n: 1 })
    await ok('DELETE', 'secret/data/generic')
    // Refresh after an out-of-band delete: 404 with data (the Go client keeps it), data.data null.
    const gone = await go('GET', 'secret/data/generic')
    assert.equal(gone.status, 404)
    assert.equal(gone.body.data.data, null)
    // delete_all_versions = true deletes the metadata; a refresh then gets a bare 404.
    await ok('DELETE', 'secret/metadata/generic')
    assert.deepEqual(await go('GET', 'secret/data/generic').then((r) => [r.status, r.body]), [
      404,
      { errors: [] },
    ])
  })

  it('vault_generic_secret on KV v1: write the map as is, read it back, delete', async () => {
    await ok('PUT', 'kv1/app', { a: 'b' })
    assert.deepEqual((await ok('GET', 'kv1/app', undefined, 200)).body.data, { a: 'b' })
    await ok('DELETE', 'kv1/app')
    assert.deepEqual(await go('GET', 'kv1/app').then((r) => [r.status, r.body]), [404, { errors: [] }])
  })

  it('vault_kv_secret_backend_v2: PUT <mount>/config (delete_version_after in seconds), read it back as a Go duration', async () => {
    await ok('PUT', 'secret/config', { max_versions: 5, cas_required: false, delete_version_after: 3700 })
    const cfg = (await ok('GET', 'secret/config', undefined, 200)).body.data
    assert.equal(cfg.max_versions, 5)
    assert.equal(cfg.cas_required, false)
    assert.equal(cfg.delete_version_after, '1h1m40s')
    await ok('PUT', 'secret/config', { max_versions: 0, cas_required: false, delete_version_after: 0 })
    assert.equal((await ok('GET', 'secret/config', undefined, 200)).body.data.delete_version_after, '0s')
  })

  it('vault_kv_secret_v2 with custom_metadata: data write, metadata write, refresh of both, data source by version', async () => {
    const w = await ok('PUT', 'secret/data/app', { data: { k: 'v1' }, options: { cas: 0 } }, 200)
    assert.equal(w.body.data.version, 1)
    await ok('PUT', 'secret/metadata/app', {
      max_versions: 4,
      cas_required: false,
      delete_version_after: 120,
      custom_metadata: { team: 'payments' },
    })
    // kvSecretV2Write sends cas at the top level too (0 when unset, ignored) and options as a map of strings.
    await ok('PUT', 'secret/data/app', { data: { k: 'v2' }, cas: 0, options: { cas: '1' } }, 200)
    const stale = await go('PUT', 'secret/data/app', { data: { k: 'x' }, cas: 0, options: { cas: '1' } })
    assert.equal(stale.status, 400)
    assert.deepEqual(stale.body.errors, ['check-and-set parameter did not match the current version'])
    const read = (await ok('GET', 'secret/data/app', undefined, 200)).body.data
    assert.deepEqual(read.data, { k: 'v2' })
    assert.deepEqual(read.metadata.custom_metadata, { team: 'payments' })
    assert.equal(read.metadata.version, 2)
    assert.equal(read.metadata.destroyed, false)
    assert.equal(typeof read.metadata.created_time, 'string')
    const meta = (await ok('GET', 'secret/metadata/app', undefined, 200)).body.data
    assert.equal(meta.max_versions, 4)
    assert.equal(meta.cas_required, false)
    assert.equal(meta.delete_version_after, '2m0s')
    assert.deepEqual(meta.custom_metadata, { team: 'payments' })
    // data "vault_kv_secret_v2" with version = 1.
    const v1 = (await ok('GET', 'secret/data/app?version=1', undefined, 200)).body.data
    assert.deepEqual(v1.data, { k: 'v1' })
    await ok('DELETE', 'secret/metadata/app')
  })

  it('vault_mount: create, read (ints in config, string options), tune, remount, delete; a gone mount is not-found', async () => {
    await ok('POST', 'sys/mounts/tfkv', {
      type: 'kv',
      description: 'made by terraform',
      config: { default_lease_ttl: '0s', max_lease_ttl: '0s', force_no_cache: false },
      local: false,
      seal_wrap: false,
      external_entropy_access: false,
      options: { version: '2' },
    })
    const m = (await ok('GET', 'sys/mounts/tfkv', undefined, 200)).body.data
    assert.equal(m.type, 'kv')
    assert.equal(m.description, 'made by terraform')
    assert.deepEqual(m.options, { version: '2' })
    assert.equal(m.config.default_lease_ttl, 0)
    assert.equal(m.config.max_lease_ttl, 0)
    assert.equal(m.config.force_no_cache, false)
    assert.equal(typeof m.accessor, 'string')
    assert.equal(m.local, false)
    assert.equal(m.seal_wrap, false)
    assert.equal(m.external_entropy_access, false)
    // updateMount: a raw POST to tune with durations as "Ns" strings and the options map.
    await ok('POST', 'sys/mounts/tfkv/tune', {
      default_lease_ttl: '60s',
      max_lease_ttl: '3600s',
      options: { version: '2' },
      description: 'changed',
    })
    const tuned = (await ok('GET', 'sys/mounts/tfkv', undefined, 200)).body.data
    assert.equal(tuned.config.default_lease_ttl, 60)
    assert.equal(tuned.config.max_lease_ttl, 3600)
    assert.equal(tuned.description, 'changed')
    // A path change is a remount, polled until done.
    const remount = await ok('POST', 'sys/remount', { from: 'tfkv', to: 'tfkv2' }, 200)
    const migration = remount.body.data.migration_id
    assert.equal(typeof migration, 'string')
    let status = ''
    for (let i = 0; i < 100 && status !== 'success'; i++) {
      status = (await ok('GET', `sys/remount/status/${migration}`, undefined, 200)).body.data.migration_info
        .status
      if (status !== 'success') await new Promise((r) => setTimeout(r, 20))
    }
    assert.equal(status, 'success')
    await ok('DELETE', 'sys/mounts/tfkv2')
    const gone = await go('GET', 'sys/mounts/tfkv2')
    assert.ok(
      gone.status === 404 || (gone.status === 400 && /No secret engine mount at/.test(gone.body.errors[0])),
    )
  })

  it('vault_policy: PUT sys/policies/acl/<name>, read .policy, delete; a gone policy reads as 404', async () => {
    const text = 'path "secret/data/*" {\n  capabilities = ["read"]\n}\n'
    await ok('PUT', 'sys/policies/acl/tf-reader', { policy: text })
    const read = (await ok('GET', 'sys/policies/acl/tf-reader', undefined, 200)).body.data
    assert.equal(read.policy, text)
    assert.equal(read.name, 'tf-reader')
    await ok('DELETE', 'sys/policies/acl/tf-reader')
    assert.equal((await go('GET', 'sys/policies/acl/tf-reader')).status, 404)
  })

  it('data vault_policy_document: its rendering (comment, parameter maps without commas) parses and is enforced', async () => {
    // The layout policyRenderPolicyRule writes: "# description", two-space attributes, maps of lists one per line.
    const policy = [
      '# App config writers',
      'path "kv1/app/*" {',
      '  capabilities = ["create", "update", "read"]',
      '  required_parameters = ["env"]',
      '  allowed_parameters = {',
      '    "env" = ["prod", "dev"]',
      '    "tier" = []',
      '  }',
      '  denied_parameters = {',
      '    "debug" = []',
      '  }',
      '}',
      '',
      'path "sys/*" {',
      '  capabilities = ["deny"]',
      '}',
      '',
    ].join('\n')
    await ok('PUT', 'sys/policies/acl/tf-doc', { policy })
    assert.equal((await ok('GET', 'sys/policies/acl/tf-doc', undefined, 200)).body.data.policy, policy)
    const token = (await ok('PUT', 'auth/token/create', { policies: ['tf-doc'] }, 200)).body.auth.client_token
    const write = (path: string, body: unknown) => go('PUT', path, body, token).then((r) => r.status)
    assert.equal(await write('kv1/app/a', { env: 'prod', tier: 'x' }), 204)
    assert.equal(await write('kv1/app/b', { env: 'qa' }), 403, 'a value outside allowed_parameters')
    assert.equal(await write('kv1/app/c', { tier: 'x' }), 403, 'required_parameters missing')
    assert.equal(await write('kv1/app/d', { env: 'dev', debug: '1' }), 403, 'a denied parameter')
  })

  it('vault_auth_backend: enable with config, read sys/auth/<path> (type, description, local, accessor), tune, disable', async () => {
    await ok('POST', 'sys/auth/approle', {
      type: 'approle',
      description: 'ci logins',
      local: false,
      config: { default_lease_ttl: '0s', max_lease_ttl: '0s' },
    })
    const a = (await ok('GET', 'sys/auth/approle', undefined, 200)).body.data
    assert.equal(a.type, 'approle')
    assert.equal(a.description, 'ci logins')
    assert.equal(a.local, false)
    assert.match(a.accessor, /^auth_approle_/)
    assert.equal(a.config.default_lease_ttl, 0)
    await ok('POST', 'sys/auth/approle/tune', {
      default_lease_ttl: '60s',
      max_lease_ttl: '3600s',
      listing_visibility: 'unauth',
      token_type: 'default-service',
    })
    const tuned = (await ok('GET', 'sys/auth/approle', undefined, 200)).body.data.config
    assert.equal(tuned.default_lease_ttl, 60)
    assert.equal(tuned.listing_visibility, 'unauth')
    assert.equal(tuned.token_type, 'default-service')
    const none = await go('GET', 'sys/auth/nope')
    assert.ok(none.status === 404 || (none.status === 400 && /No auth engine at/.test(none.body.errors[0])))
  })

  it('vault_approle_auth_backend_role: write every token field, read them back, custom role_id, delete', async () => {
    await ok('PUT', 'auth/approle/role/ci', {
      token_policies: ['default', 'deploy'],
      token_ttl: 600,
      token_max_ttl: 1200,
      token_explicit_max_ttl: 0,
      token_period: 0,
      token_bound_cidrs: [],
      token_no_default_policy: false,
      token_num_uses: 0,
      token_type: 'default',
      bind_secret_id: true,
      secret_id_bound_cidrs: ['10.0.0.0/8'],
      secret_id_num_uses: 0,
      secret_id_ttl: 3600,
    })
    await ok('PUT', 'auth/approle/role/ci/role-id', { role_id: 'ci-role-id' })
    const role = (await ok('GET', 'auth/approle/role/ci', undefined, 200)).body.data
    assert.deepEqual(role.token_policies, ['default', 'deploy'])
    assert.equal(role.token_ttl, 600)
    assert.equal(role.token_max_ttl, 1200)
    assert.equal(role.token_type, 'default')
    assert.deepEqual(role.token_bound_cidrs, [])
    assert.equal(role.bind_secret_id, true)
    assert.deepEqual(role.secret_id_bound_cidrs, ['10.0.0.0/8'])
    assert.equal(role.secret_id_ttl, 3600)
    assert.equal(role.secret_id_num_uses, 0)
    assert.equal(role.local_secret_ids, false)
    assert.equal(
      (await ok('GET', 'auth/approle/role/ci/role-id', undefined, 200)).body.data.role_id,
      'ci-role-id',
    )
  })

  it('vault_approle_auth_backend_role_secret_id: create, lookup by accessor, destroy; gone and role-gone read as 404', async () => {
    const made = (await ok('PUT', 'auth/approle/role/ci/secret-id', { metadata: '{"env":"prod"}' }, 200)).body
      .data
    assert.equal(typeof made.secret_id, 'string')
    assert.equal(typeof made.secret_id_accessor, 'string')
    const lookup = (
      await ok(
        'PUT',
        'auth/approle/role/ci/secret-id-accessor/lookup',
        { secret_id_accessor: made.secret_id_accessor },
        200,
      )
    ).body.data
    assert.deepEqual(lookup.cidr_list, [])
    assert.deepEqual(lookup.token_bound_cidrs, [])
    assert.deepEqual(lookup.metadata, { env: 'prod' })
    assert.equal(lookup.secret_id_ttl, 3600)
    assert.equal(lookup.secret_id_num_uses, 0)
    await ok('PUT', 'auth/approle/role/ci/secret-id-accessor/destroy', {
      secret_id_accessor: made.secret_id_accessor,
    })
    const gone = await go('PUT', 'auth/approle/role/ci/secret-id-accessor/lookup', {
      secret_id_accessor: made.secret_id_accessor,
    })
    assert.equal(gone.status, 404, 'a destroyed secret ID refreshes as removed')
    // The role deleted out of band: the refresh must also see "not found" (404), not an error that fails the plan.
    const other = (await ok('PUT', 'auth/approle/role/ci/secret-id', {}, 200)).body.data
    await ok('DELETE', 'auth/approle/role/ci')
    assert.equal((await go('GET', 'auth/approle/role/ci')).status, 404)
    const roleGone = await go('PUT', 'auth/approle/role/ci/secret-id-accessor/lookup', {
      secret_id_accessor: other.secret_id_accessor,
    })
    assert.equal(roleGone.status, 404, JSON.stringify(roleGone.body))
    assert.deepEqual(roleGone.body.errors, ['role "ci" does not exist'])
    // Creating a secret ID for a missing role stays a 400, as in Vault.
    assert.equal((await go('PUT', 'auth/approle/role/ci/secret-id', {})).status, 400)
  })

  it('vault_approle_auth_backend_role_secret_id with wrapping_ttl: wrap_info names the wrapping and the wrapped accessor', async () => {
    await ok('PUT', 'auth/approle/role/wrapped', { token_policies: ['default'] })
    const made = await t.call('PUT', 'auth/approle/role/wrapped/secret-id', {
      token: tf,
      headers: { ...GO_HEADERS, 'x-vault-wrap-ttl': '600s' },
      body: { metadata: '' },
    })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    const wrap = made.body.wrap_info
    assert.equal(made.body.data, null)
    // with_wrapped_accessor = true keeps wrapped_accessor as the resource's accessor: the secret ID's own accessor.
    assert.match(wrap.wrapped_accessor, /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/)
    const lookup = await ok(
      'PUT',
      'auth/approle/role/wrapped/secret-id-accessor/lookup',
      { secret_id_accessor: wrap.wrapped_accessor },
      200,
    )
    assert.equal(lookup.body.data.secret_id_accessor, wrap.wrapped_accessor)
    // with_wrapped_accessor = false: the refresh looks the wrapping token up by its accessor until it is unwrapped.
    await ok('PUT', 'auth/token/lookup-accessor', { accessor: wrap.accessor }, 200)
    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token: wrap.token, headers: GO_HEADERS })
    assert.equal(unwrapped.body.data.secret_id_accessor, wrap.wrapped_accessor)
    assert.equal(unwrapped.body.wrappedAccessor, undefined, 'nothing internal is rendered')
    const used = await go('PUT', 'auth/token/lookup-accessor', { accessor: wrap.accessor })
    assert.equal(used.status, 400)
    assert.match(used.body.errors[0], /invalid accessor/)
    const plain = await ok('PUT', 'auth/approle/role/wrapped/secret-id', {}, 200)
    assert.equal(plain.body.wrap_info, null)
    assert.equal(plain.body.wrappedAccessor, undefined)
  })

  it('vault_token: create, lookup-accessor (policies, orphan, renewable, display_name, issue_time, expire_time, meta), revoke', async () => {
    const made = await ok(
      'PUT',
      'auth/token/create',
      {
        policies: ['deploy'],
        no_parent: true,
        display_name: 'ci',
        num_uses: 0,
        ttl: '3600s',
        renewable: true,
        meta: { owner: 'tf' },
        type: '',
        entity_alias: '',
      },
      200,
    )
    const accessor = made.body.auth.accessor
    const d = (await ok('PUT', 'auth/token/lookup-accessor', { accessor }, 200)).body.data
    assert.deepEqual(d.policies, ['default', 'deploy'])
    assert.equal(d.orphan, true)
    assert.equal(d.renewable, true)
    assert.equal(d.display_name, 'token-ci')
    assert.equal(d.num_uses, 0)
    assert.equal(typeof d.issue_time, 'string')
    assert.ok(!Number.isNaN(Date.parse(d.issue_time)))
    assert.equal(typeof d.expire_time, 'string')
    assert.deepEqual(d.meta, { owner: 'tf' })
    await ok('PUT', 'auth/token/revoke-accessor', { accessor })
    const gone = await go('PUT', 'auth/token/lookup-accessor', { accessor })
    assert.equal(gone.status, 400)
    assert.match(gone.body.errors[0], /invalid accessor/)
  })

  it('vault_audit: enable with options, list sys/audit keyed "<path>/", disable', async () => {
    await ok('PUT', 'sys/audit/tf-stdout', {
      type: 'file',
      description: 'tf',
      local: false,
      options: { file_path: 'discard' },
    })
    const list = (await ok('GET', 'sys/audit', undefined, 200)).body.data
    assert.equal(list['tf-stdout/'].type, 'file')
    assert.equal(list['tf-stdout/'].description, 'tf')
    assert.equal(list['tf-stdout/'].local, false)
    assert.equal(list['tf-stdout/'].options.file_path, 'discard')
    assert.equal(list['tf-stdout/'].path, 'tf-stdout/')
    await ok('DELETE', 'sys/audit/tf-stdout')
  })

  it('vault_password_policy and vault_generic_endpoint round trips', async () => {
    const policy = 'length = 24\nrule "charset" {\n  charset = "abcdef0123456789"\n}\n'
    await ok('PUT', 'sys/policies/password/tf', { policy })
    assert.equal((await ok('GET', 'sys/policies/password/tf', undefined, 200)).body.data.policy, policy)
    await ok('DELETE', 'sys/policies/password/tf')
    assert.equal((await go('GET', 'sys/policies/password/tf')).status, 404)
    // vault_generic_endpoint: any path; here a userpass user, read back with ignore_absent_fields semantics.
    await ok('POST', 'sys/auth/userpass', { type: 'userpass' })
    await ok('PUT', 'auth/userpass/users/alice', { password: 'pw', token_policies: ['deploy'] })
    const user = (await ok('GET', 'auth/userpass/users/alice', undefined, 200)).body.data
    assert.deepEqual(user.token_policies, ['deploy'])
    await ok('DELETE', 'auth/userpass/users/alice')
    assert.equal((await go('GET', 'auth/userpass/users/alice')).status, 404)
  })

  it('vault_transit_secret_backend_key: create (unknown fields ignored), config, read numbers and keys map', async () => {
    await ok('POST', 'sys/mounts/transit', { type: 'transit' })
    await ok(
      'PUT',
      'transit/keys/app',
      {
        min_decryption_version: 1,
        // The provider really sends this misspelt field; it must be ignored, not refused.
        min_encryption_versoin: 0,
        deletion_allowed: true,
        exportable: false,
        allow_plaintext_backup: false,
        convergent_encryption: false,
        derived: false,
        type: 'aes256-gcm96',
        auto_rotate_period: 0,
      },
      200,
    )
    await ok(
      'PUT',
      'transit/keys/app/config',
      { min_decryption_version: 1, deletion_allowed: true, auto_rotate_period: 0 },
      200,
    )
    const k = (await ok('GET', 'transit/keys/app', undefined, 200)).body.data
    for (const field of [
      'latest_version',
      'min_available_version',
      'min_decryption_version',
      'min_encryption_version',
    ])
      assert.equal(typeof k[field], 'number', field)
    assert.equal(typeof k.keys['1'], 'number')
    assert.equal(k.deletion_allowed, true)
    assert.equal(k.auto_rotate_period, 0)
    assert.equal(k.supports_encryption, true)
    await ok('DELETE', 'transit/keys/app')
  })

  it('vault_identity_entity / vault_identity_group: create returns id, read name/metadata/disabled/policies/members', async () => {
    const e = (
      await ok(
        'PUT',
        'identity/entity',
        { name: 'svc', metadata: { a: 'b' }, policies: ['p1'], disabled: false },
        200,
      )
    ).body.data
    assert.equal(typeof e.id, 'string')
    const er = (await ok('GET', `identity/entity/id/${e.id}`, undefined, 200)).body.data
    assert.deepEqual([er.name, er.metadata, er.disabled, er.policies], ['svc', { a: 'b' }, false, ['p1']])
    // A second create with the same name updates it and answers 204 (no body): the provider then reads
    // identity/entity/name/<name> to say the entity already exists and may be imported.
    assert.equal((await go('PUT', 'identity/entity', { name: 'svc', policies: ['p1'] })).status, 204)
    assert.equal((await ok('GET', 'identity/entity/name/svc', undefined, 200)).body.data.id, e.id)
    const g = (
      await ok(
        'PUT',
        'identity/group',
        {
          name: 'ops',
          type: 'internal',
          metadata: {},
          policies: ['p2'],
          member_entity_ids: [e.id],
          member_group_ids: [],
        },
        200,
      )
    ).body.data
    const gr = (await ok('GET', `identity/group/id/${g.id}`, undefined, 200)).body.data
    assert.deepEqual(
      [gr.name, gr.type, gr.policies, gr.member_entity_ids],
      ['ops', 'internal', ['p2'], [e.id]],
    )
    await ok('DELETE', `identity/group/id/${g.id}`)
    await ok('DELETE', `identity/entity/id/${e.id}`)
    assert.equal((await go('GET', `identity/entity/id/${e.id}`)).status, 404)
  })

  it('vault_jwt_auth_backend (+ role) and vault_kubernetes_auth_backend_config (+ role): write, read back', async () => {
    await ok('POST', 'sys/auth/jwt', { type: 'jwt' })
    const pem =
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----'
    await ok('PUT', 'auth/jwt/config', {
      jwt_validation_pubkeys: [pem],
      bound_issuer: 'https://ci',
      namespace_in_state: true,
    })
    const jc = (await ok('GET', 'auth/jwt/config', undefined, 200)).body.data
    assert.deepEqual(jc.jwt_validation_pubkeys, [pem])
    assert.equal(jc.bound_issuer, 'https://ci')
    assert.equal(jc.namespace_in_state, true)
    await ok('PUT', 'auth/jwt/role/ci', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: ['vault'],
      bound_claims: { repo: 'org/app' },
      token_policies: ['deploy'],
      token_ttl: 300,
    })
    const jr = (await ok('GET', 'auth/jwt/role/ci', undefined, 200)).body.data
    assert.deepEqual([jr.role_type, jr.user_claim, jr.bound_audiences], ['jwt', 'sub', ['vault']])
    assert.deepEqual(jr.bound_claims, { repo: 'org/app' })
    assert.equal(jr.token_ttl, 300)
    await ok('POST', 'sys/auth/kubernetes', { type: 'kubernetes' })
    await ok('PUT', 'auth/kubernetes/config', {
      kubernetes_host: 'https://127.0.0.1:6443',
      kubernetes_ca_cert: KUBERNETES_CA,
      disable_iss_validation: true,
      disable_local_ca_jwt: true,
    })
    const kc = (await ok('GET', 'auth/kubernetes/config', undefined, 200)).body.data
    assert.equal(kc.kubernetes_host, 'https://127.0.0.1:6443')
    assert.equal(kc.disable_local_ca_jwt, true)
    assert.equal(kc.kubernetes_ca_cert, KUBERNETES_CA)
    await ok('PUT', 'auth/kubernetes/role/app', {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: ['prod'],
      // Always sent, empty unless a label selector is configured.
      bound_service_account_namespace_selector: '',
      alias_name_source: 'serviceaccount_name',
      token_policies: ['deploy'],
      token_ttl: 600,
      token_no_default_policy: false,
    })
    const kr = (await ok('GET', 'auth/kubernetes/role/app', undefined, 200)).body.data
    assert.deepEqual(kr.bound_service_account_names, ['app'])
    assert.deepEqual(kr.bound_service_account_namespaces, ['prod'])
    assert.equal(kr.bound_service_account_namespace_selector, '')
    assert.equal(kr.alias_name_source, 'serviceaccount_name')
    assert.equal(kr.token_ttl, 600)
  })
  it('vault_database_secret_backend_connection (+ role): plugin settings round-trip through connection_details', async () => {
    await ok('POST', 'sys/mounts/db', { type: 'database' })
    // The provider's postgresql block: allowed_roles comma-joined, durations as "Ns", plugin settings beside the URL.
    await ok('PUT', 'db/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      verify_connection: false,
      allowed_roles: 'app,ro',
      connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/app',
      username: 'vault',
      password: 'root-pw',
      max_open_connections: 4,
      max_idle_connections: 2,
      max_connection_lifetime: '300s',
      username_template: '{{.RoleName}}-{{random 8}}',
      disable_escaping: true,
      password_authentication: 'scram-sha-256',
    })
    const read = (await ok('GET', 'db/config/pg', undefined, 200)).body.data
    assert.equal(read.plugin_name, 'postgresql-database-plugin')
    assert.deepEqual(read.allowed_roles, ['app', 'ro'])
    assert.deepEqual(read.root_credentials_rotate_statements, [])
    assert.equal(read.verify_connection, false)
    const details = read.connection_details
    assert.equal(details.connection_url, 'postgresql://{{username}}:{{password}}@127.0.0.1:1/app')
    assert.equal(details.username, 'vault')
    assert.equal(details.max_open_connections, 4)
    assert.equal(details.max_idle_connections, 2)
    assert.equal(details.max_connection_lifetime, '300s')
    // getConnectionDetailsFromResponse reads these two from connection_details, not from the top level.
    assert.equal(details.username_template, '{{.RoleName}}-{{random 8}}')
    assert.equal(details.disable_escaping, true)
    assert.equal(details.password_authentication, 'scram-sha-256')
    assert.equal(details.password, undefined)
    await ok('PUT', 'db/roles/app', {
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}" LOGIN PASSWORD \'{{password}}\''],
      revocation_statements: [],
      rollback_statements: [],
      renew_statements: [],
      default_ttl: 600,
      max_ttl: 3600,
    })
    const role = (await ok('GET', 'db/roles/app', undefined, 200)).body.data
    assert.deepEqual([role.db_name, role.default_ttl, role.max_ttl], ['pg', 600, 3600])
    assert.deepEqual(role.creation_statements, ['CREATE ROLE "{{name}}" LOGIN PASSWORD \'{{password}}\''])
    await ok('DELETE', 'db/roles/app')
    await ok('DELETE', 'db/config/pg')
    assert.equal((await go('GET', 'db/config/pg')).status, 404)
  })
})
