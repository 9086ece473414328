// OpenBao's internal/http handler tests (exact sys/ response bodies), replayed over HTTP against Coffer.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Reply, startDevServer, type TestServer } from '../helpers/server.ts'

type Json = Record<string, unknown>

/** The response envelope every sys/ read carries, with the data copied to the top level as Vault does. */
function envelope(reply: Reply, data: Json): Json {
  assert.match(String(reply.body.request_id), /^[0-9a-f-]{36}$/)
  return {
    request_id: reply.body.request_id,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    wrap_info: null,
    warnings: null,
    auth: null,
    data,
    ...data,
  }
}

/** A mount table entry as Vault renders it; accessor, uuid and the running version come from the reply. */
function mountEntry(description: string, type: string, extra: Json = {}): Json {
  return {
    description,
    type,
    external_entropy_access: false,
    config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
    local: false,
    seal_wrap: false,
    options: null,
    plugin_version: '',
    running_sha256: '',
    ...extra,
  }
}

/** Copies the generated fields (checked non-empty) from the reply into the expected table, then compares every key. */
function assertTable(reply: Reply, expected: Record<string, Json>): void {
  assert.equal(reply.status, 200)
  for (const [key, want] of Object.entries(expected)) {
    const got = reply.body.data[key]
    assert.ok(got, `no ${key} in the table`)
    assert.match(got.accessor, /^[a-z_-]+_[0-9a-f]{8}$/, `accessor of ${key}`)
    assert.match(got.uuid, /^[0-9a-f-]{36}$/, `uuid of ${key}`)
    // Coffer names itself in the builtin version (Vault: "v1.x.y+builtin.vault"), as a builtin plugin does.
    assert.match(got.running_plugin_version, /\+builtin/, `running_plugin_version of ${key}`)
    want['accessor'] = got.accessor
    want['uuid'] = got.uuid
    want['running_plugin_version'] = got.running_plugin_version
  }
  assert.deepEqual(reply.body, envelope(reply, expected))
}

const kvConfig = { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false }

/** The dev server's own secrets mounts. Vault's dev mode also mounts secret/ as KV v2. */
function devMounts(): Record<string, Json> {
  return {
    'secret/': mountEntry('key/value secret storage', 'kv', {
      options: { version: '2' },
      deprecation_status: 'supported',
    }),
    // Vault marks sys/ seal_wrap and lists passthrough_request_headers ["Accept"] here, and ["Authorization"]
    // on identity/: Coffer has no seal wrapping and does not pass request headers to its built-in mounts,
    // so it does not claim either.
    'sys/': mountEntry('system endpoints used for control, policy and debugging', 'system'),
    'cubbyhole/': mountEntry('per-token private secret storage', 'cubbyhole', { local: true }),
    'identity/': mountEntry('identity store', 'identity'),
  }
}

function devAuth(): Record<string, Json> {
  return {
    'token/': mountEntry('token based credentials', 'token', {
      config: { ...kvConfig, token_type: 'default-service' },
    }),
  }
}

function tuneBody(reply: Reply, data: Json): Json {
  assert.equal(reply.status, 200)
  return envelope(reply, data)
}

async function waitForMigration(t: TestServer, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const status = await t.call('GET', `sys/remount/status/${id}`)
    assert.equal(status.status, 200)
    if (status.body.data.migration_info.status === 'success') return
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.fail(`migration ${id} did not finish`)
}

describe('sys_mount_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestSysMounts: the whole sys/mounts body of a fresh server', async () => {
    assertTable(await t.call('GET', 'sys/mounts'), devMounts())
  })

  it('TestSysMount / TestSysMount_put: a new kv mount, with and without options', async () => {
    const withVersion = await t.call('POST', 'sys/mounts/foo', {
      body: { type: 'kv', description: 'foo', options: { version: '1' } },
    })
    assert.equal(withVersion.status, 204)
    assert.equal(
      (await t.call('PUT', 'sys/mounts/plain', { body: { type: 'kv', description: 'foo' } })).status,
      204,
    )
    const kv = { deprecation_status: 'supported' }
    assertTable(await t.call('GET', 'sys/mounts'), {
      ...devMounts(),
      'foo/': mountEntry('foo', 'kv', { ...kv, options: { version: '1' } }),
      // A mount enabled without options shows an empty map (the built-in ones show null).
      'plain/': mountEntry('foo', 'kv', { ...kv, options: {} }),
    })
    await t.call('DELETE', 'sys/mounts/foo')
    await t.call('DELETE', 'sys/mounts/plain')
  })

  it('TestSysRemountSpacesFrom / SpacesTo / TrailingSpaces', async () => {
    assert.equal(
      (await t.call('POST', 'sys/mounts/foo%20bar', { body: { type: 'kv', description: 'foo' } })).status,
      204,
    )
    assert.equal(
      (await t.call('POST', 'sys/remount', { body: { from: 'foo bar', to: ' baz ' } })).status,
      400,
    )
    assert.equal(
      (await t.call('POST', 'sys/remount', { body: { from: ' foo bar ', to: 'baz' } })).status,
      400,
    )
    const moved = await t.call('POST', 'sys/remount', { body: { from: 'foo bar', to: 'bar baz' } })
    assert.equal(moved.status, 200)
    await waitForMigration(t, moved.body.data.migration_id)
    const back = await t.call('POST', 'sys/remount', { body: { from: 'bar baz', to: 'baz' } })
    assert.equal(back.status, 200)
    await waitForMigration(t, back.body.data.migration_id)
    assert.equal((await t.call('GET', 'sys/mounts/baz')).body.data.type, 'kv')
    await t.call('DELETE', 'sys/mounts/baz')
  })

  it('TestSysRemount: the moved mount keeps its entry under the new path', async () => {
    await t.call('POST', 'sys/mounts/foo', { body: { type: 'kv', description: 'foo' } })
    const moved = await t.call('POST', 'sys/remount', { body: { from: 'foo', to: 'bar' } })
    assert.equal(moved.status, 200)
    assert.deepEqual(Object.keys(moved.body.data), ['migration_id'])
    await waitForMigration(t, moved.body.data.migration_id)
    assertTable(await t.call('GET', 'sys/mounts'), {
      ...devMounts(),
      'bar/': mountEntry('foo', 'kv', { deprecation_status: 'supported', options: {} }),
    })
    assert.equal((await t.call('DELETE', 'sys/mounts/bar')).status, 204)
  })

  it('TestSysUnmount: the table is back to the dev mounts', async () => {
    await t.call('POST', 'sys/mounts/foo', { body: { type: 'kv', description: 'foo' } })
    assert.equal((await t.call('DELETE', 'sys/mounts/foo')).status, 204)
    assertTable(await t.call('GET', 'sys/mounts'), devMounts())
  })

  it('TestSysTuneMount_Options: options are tuned and an empty map does not clear them', async () => {
    await t.call('POST', 'sys/mounts/foo', { body: { type: 'kv', description: 'foo' } })
    // Before any options are set, Vault's tune read has no options key at all.
    assert.deepEqual((await t.call('GET', 'sys/mounts/foo/tune')).body.data, {
      description: 'foo',
      default_lease_ttl: 2764800,
      max_lease_ttl: 2764800,
      force_no_cache: false,
    })
    assert.equal(
      (await t.call('POST', 'sys/mounts/foo/tune', { body: { options: { test: 'true' } } })).status,
      204,
    )
    const want = {
      description: 'foo',
      default_lease_ttl: 2764800,
      max_lease_ttl: 2764800,
      force_no_cache: false,
      options: { test: 'true' },
    }
    let read = await t.call('GET', 'sys/mounts/foo/tune')
    assert.deepEqual(read.body, tuneBody(read, want))
    assert.equal((await t.call('POST', 'sys/mounts/foo/tune', { body: { options: {} } })).status, 204)
    read = await t.call('GET', 'sys/mounts/foo/tune')
    assert.deepEqual(read.body, tuneBody(read, want))
    await t.call('DELETE', 'sys/mounts/foo')
  })

  it('TestSysTuneMount: TTL tuning bounds the leases of a kv v1 mount', async () => {
    await t.call('POST', 'sys/mounts/kv1', { body: { type: 'kv', options: { version: '1' } } })
    assert.equal(
      (
        await t.call('POST', 'sys/mounts/kv1/tune', {
          body: { default_lease_ttl: '40s', max_lease_ttl: '80s' },
        })
      ).status,
      204,
    )
    const read = await t.call('GET', 'sys/mounts/kv1/tune')
    assert.deepEqual(
      read.body,
      tuneBody(read, {
        description: '',
        default_lease_ttl: 40,
        max_lease_ttl: 80,
        force_no_cache: false,
        options: { version: '1' },
      }),
    )
    await t.call('PUT', 'kv1/foo', { body: { data: 'bar', ttl: '28347h' } })
    assert.equal((await t.call('GET', 'kv1/foo')).body.lease_duration, 80)
    await t.call('PUT', 'kv1/foo', { body: { data: 'bar' } })
    assert.equal((await t.call('GET', 'kv1/foo')).body.lease_duration, 40)
    await t.call('DELETE', 'sys/mounts/kv1')
  })

  it('TestSysTuneMount_nonHMACKeys: set, read back, and cleared with an empty string', async () => {
    await t.call('POST', 'sys/mounts/secret/tune', { body: { audit_non_hmac_request_keys: 'foo' } })
    await t.call('POST', 'sys/mounts/secret/tune', { body: { audit_non_hmac_response_keys: 'bar' } })
    const base = {
      description: 'key/value secret storage',
      default_lease_ttl: 2764800,
      max_lease_ttl: 2764800,
      force_no_cache: false,
      options: { version: '2' },
    }
    let read = await t.call('GET', 'sys/mounts/secret/tune')
    assert.deepEqual(
      read.body,
      tuneBody(read, {
        ...base,
        audit_non_hmac_request_keys: ['foo'],
        audit_non_hmac_response_keys: ['bar'],
      }),
    )
    await t.call('POST', 'sys/mounts/secret/tune', { body: { audit_non_hmac_request_keys: '' } })
    await t.call('POST', 'sys/mounts/secret/tune', { body: { audit_non_hmac_response_keys: '' } })
    read = await t.call('GET', 'sys/mounts/secret/tune')
    assert.deepEqual(read.body, tuneBody(read, base))
  })

  it('TestSysTuneMount_listingVisibility: unset, then "unauth"', async () => {
    const base = {
      description: 'key/value secret storage',
      default_lease_ttl: 2764800,
      max_lease_ttl: 2764800,
      force_no_cache: false,
      options: { version: '2' },
    }
    let read = await t.call('GET', 'sys/mounts/secret/tune')
    assert.deepEqual(read.body, tuneBody(read, base))
    await t.call('POST', 'sys/mounts/secret/tune', { body: { listing_visibility: 'unauth' } })
    read = await t.call('GET', 'sys/mounts/secret/tune')
    assert.deepEqual(read.body, tuneBody(read, { ...base, listing_visibility: 'unauth' }))
    const table = await t.call('GET', 'sys/mounts')
    assert.equal(table.body.data['secret/'].config.listing_visibility, 'unauth')
    await t.call('POST', 'sys/mounts/secret/tune', { body: { listing_visibility: '' } })
  })

  it('TestSysTuneMount_passthroughRequestHeaders: set and read back in tune and in the table', async () => {
    await t.call('POST', 'sys/mounts/secret/tune', { body: { passthrough_request_headers: 'X-Vault-Foo' } })
    const read = await t.call('GET', 'sys/mounts/secret/tune')
    assert.deepEqual(read.body.data.passthrough_request_headers, ['X-Vault-Foo'])
    const table = await t.call('GET', 'sys/mounts')
    assert.deepEqual(table.body.data['secret/'].config.passthrough_request_headers, ['X-Vault-Foo'])
  })
})

describe('sys_auth_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestSysAuth: the whole sys/auth body of a fresh server', async () => {
    assertTable(await t.call('GET', 'sys/auth'), devAuth())
  })

  it('TestSysEnableAuth / TestSysDisableAuth', async () => {
    assert.equal(
      (await t.call('POST', 'sys/auth/foo', { body: { type: 'approle', description: 'foo' } })).status,
      204,
    )
    assertTable(await t.call('GET', 'sys/auth'), {
      ...devAuth(),
      'foo/': mountEntry('foo', 'approle', {
        deprecation_status: 'supported',
        config: { ...kvConfig, token_type: 'default-service' },
        options: {},
      }),
    })
    assert.equal((await t.call('DELETE', 'sys/auth/foo')).status, 204)
    assertTable(await t.call('GET', 'sys/auth'), devAuth())
  })

  it('TestSysTuneAuth_nonHMACKeys', async () => {
    await t.call('POST', 'sys/auth/token/tune', { body: { audit_non_hmac_request_keys: 'foo' } })
    await t.call('POST', 'sys/auth/token/tune', { body: { audit_non_hmac_response_keys: 'bar' } })
    const base = {
      description: 'token based credentials',
      default_lease_ttl: 2764800,
      max_lease_ttl: 2764800,
      force_no_cache: false,
      token_type: 'default-service',
    }
    let read = await t.call('GET', 'sys/auth/token/tune')
    assert.deepEqual(
      read.body,
      tuneBody(read, {
        ...base,
        audit_non_hmac_request_keys: ['foo'],
        audit_non_hmac_response_keys: ['bar'],
      }),
    )
    await t.call('POST', 'sys/auth/token/tune', { body: { audit_non_hmac_request_keys: '' } })
    await t.call('POST', 'sys/auth/token/tune', { body: { audit_non_hmac_response_keys: '' } })
    read = await t.call('GET', 'sys/auth/token/tune')
    assert.deepEqual(read.body, tuneBody(read, base))
  })

  it('TestSysTuneAuth_showUIMount', async () => {
    const base = {
      description: 'token based credentials',
      default_lease_ttl: 2764800,
      max_lease_ttl: 2764800,
      force_no_cache: false,
      token_type: 'default-service',
    }
    let read = await t.call('GET', 'sys/auth/token/tune')
    assert.deepEqual(read.body, tuneBody(read, base))
    assert.equal(
      (await t.call('POST', 'sys/auth/token/tune', { body: { listing_visibility: 'unauth' } })).status,
      204,
    )
    read = await t.call('GET', 'sys/auth/token/tune')
    assert.deepEqual(read.body, tuneBody(read, { ...base, listing_visibility: 'unauth' }))
    await t.call('POST', 'sys/auth/token/tune', { body: { listing_visibility: '' } })
  })

  it('TestSysRemountAuth: an auth mount moves under auth/', async () => {
    await t.call('POST', 'sys/auth/foo', { body: { type: 'approle', description: 'foo' } })
    const moved = await t.call('POST', 'sys/remount', { body: { from: 'auth/foo', to: 'auth/bar' } })
    assert.equal(moved.status, 200)
    await waitForMigration(t, moved.body.data.migration_id)
    assertTable(await t.call('GET', 'sys/auth'), {
      ...devAuth(),
      'bar/': mountEntry('foo', 'approle', {
        deprecation_status: 'supported',
        config: { ...kvConfig, token_type: 'default-service' },
        options: {},
      }),
    })
  })
})
