// OpenBao's internal/http handler tests (exact sys/ response bodies), replayed over HTTP against Coffer.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Reply, startDevServer, startSealedServer, type TestServer } from '../helpers/server.ts'

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
  // Polls until the move leaves in-progress (each poll is a real request, so the count bounds no time).
  for (let i = 0; i < 10_000; i++) {
    const status = await t.call('GET', `sys/remount/status/${id}`)
    assert.equal(status.status, 200)
    const state = status.body.data.migration_info.status
    if (state === 'in-progress') continue
    assert.equal(state, 'success')
    return
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

  it('TestSysTuneMount: default and max TTL tuning against the mount max and the system max', async () => {
    await t.call('POST', 'sys/mounts/foo', { body: { type: 'kv', description: 'foo' } })
    const tune = async (body: Json) => (await t.call('POST', 'sys/mounts/foo/tune', { body })).status
    assert.equal(await tune({ default_lease_ttl: '72h' }), 204, 'shorter than the system default')
    // With no max of its own, Vault's tune stores a default above the system max; reads cap it there.
    assert.equal(await tune({ default_lease_ttl: '72000h' }), 204, 'longer than the system max')
    assert.equal((await t.call('GET', 'sys/mounts/foo/tune')).body.data.default_lease_ttl, 768 * 3600)
    assert.equal(await tune({ max_lease_ttl: '72000h' }), 204, 'longer than the system default')
    assert.equal(await tune({ default_lease_ttl: '72001h' }), 400, 'longer than the mount max')
    assert.equal(await tune({ max_lease_ttl: '1h' }), 400, 'shorter than the mount default')
    assert.equal(await tune({ default_lease_ttl: '71999h' }), 204, 'under the mount max, over the system max')
    const read = await t.call('GET', 'sys/mounts/foo/tune')
    assert.deepEqual(
      read.body,
      tuneBody(read, {
        description: 'foo',
        default_lease_ttl: 259196400,
        max_lease_ttl: 259200000,
        force_no_cache: false,
      }),
    )
    // Enabling a mount still refuses a default above the system max when it gives no max.
    const enable = await t.call('POST', 'sys/mounts/bar', {
      body: { type: 'kv', config: { default_lease_ttl: '72000h' } },
    })
    assert.equal(enable.status, 400)
    await t.call('DELETE', 'sys/mounts/foo')
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
    // Vault refuses any other value, on tune and on enable.
    const bad = await t.call('POST', 'sys/mounts/secret/tune', { body: { listing_visibility: 'bogus' } })
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors, ['invalid listing_visibility bogus'])
    const enable = await t.call('POST', 'sys/auth/lv', {
      body: { type: 'approle', config: { listing_visibility: 'all' } },
    })
    assert.equal(enable.status, 400)
    assert.equal((await t.call('GET', 'sys/mounts/secret/tune')).body.data.listing_visibility, undefined)
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

describe('logical_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    await t.call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '1' } } })
  })
  after(() => t.close())

  it('TestLogical: write, a bad token is 403, the whole read body, delete, then 404', async () => {
    assert.equal((await t.call('PUT', 'kv/foo', { body: { data: 'bar' } })).status, 204)
    assert.equal((await t.call('GET', 'kv/foo', { token: `${t.rootToken}bad` })).status, 403)
    const read = await t.call('GET', 'kv/foo')
    assert.equal(read.status, 200)
    assert.deepEqual(read.body, {
      request_id: read.body.request_id,
      lease_id: '',
      renewable: false,
      lease_duration: 32 * 24 * 3600,
      data: { data: 'bar' },
      wrap_info: null,
      warnings: null,
      auth: null,
    })
    assert.equal((await t.call('DELETE', 'kv/foo')).status, 204)
    assert.equal((await t.call('GET', 'kv/foo')).status, 404)
  })

  it('TestLogical_noExist', async () => {
    assert.equal((await t.call('GET', 'kv/nothing')).status, 404)
  })

  it('TestLogical_CreateToken: the whole auth block of a child of root', async () => {
    const res = await t.call('PUT', 'auth/token/create', { body: {} })
    assert.equal(res.status, 200)
    const { client_token, accessor, ...auth } = res.body.auth
    assert.ok(client_token)
    assert.ok(accessor)
    assert.deepEqual(auth, {
      policies: ['root'],
      token_policies: ['root'],
      metadata: null,
      lease_duration: 0,
      renewable: false,
      entity_id: '',
      token_type: 'service',
      orphan: false,
      mfa_requirement: null,
      num_uses: 0,
    })
    const { warnings: _, ...rest } = res.body
    assert.deepEqual(rest, {
      request_id: res.body.request_id,
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      auth: res.body.auth,
    })
  })

  it('TestLogical_ListSuffix / TestLogical_ListWithQueryParameters: LIST and ?list=true, extra query keys', async () => {
    await t.call('PUT', 'kv/dir/a', { body: { x: '1' } })
    for (const [method, path] of [
      ['LIST', 'kv/dir'],
      ['LIST', 'kv/dir?key1=value1&key2=value2'],
      ['GET', 'kv/dir?list=true&key1=value1'],
      ['GET', 'kv/dir?key1=value1&list=true&key2=value2'],
    ] as const) {
      const res = await t.call(method, path)
      assert.equal(res.status, 200, `${method} ${path}`)
      assert.deepEqual(res.body.data, { keys: ['a'] }, `${method} ${path}`)
    }
  })

  it('TestLogical_Audit_invalidWrappingToken: the error text for an unknown wrapping token', async () => {
    const res = await t.call('POST', 'sys/wrapping/unwrap', { body: { token: 'foo' } })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { errors: ['wrapping token is not valid or does not exist'] })
  })
})

describe('handler_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  const raw = (path: string, init: RequestInit = {}) => fetch(`${t.address}${path}`, init)

  it('TestHandler_cors: bad origin 403, unknown preflight method 405, then the CORS headers', async () => {
    assert.equal(
      (await t.call('PUT', 'sys/config/cors', { body: { allowed_origins: [t.address] } })).status,
      204,
    )
    const preflight = (origin: string, method?: string) =>
      raw('/v1/sys/seal-status', {
        method: 'OPTIONS',
        headers: { origin, ...(method ? { 'access-control-request-method': method } : {}) },
      })
    const bad = await preflight('BAD ORIGIN')
    assert.equal(bad.status, 403)
    await bad.arrayBuffer()
    const foo = await preflight(t.address, 'FOO')
    assert.equal(foo.status, 405)
    await foo.arrayBuffer()
    const ok = await preflight(t.address, 'POST')
    await ok.arrayBuffer()
    assert.equal(ok.headers.get('access-control-allow-origin'), t.address)
    assert.equal(ok.headers.get('access-control-max-age'), '300')
    assert.equal(ok.headers.get('vary'), 'Origin')
    const allowed = ok.headers.get('access-control-allow-headers')!.split(',')
    for (const name of ['Content-Type', 'X-Vault-Wrap-TTL', 'Authorization', 'X-Vault-Token'])
      assert.ok(allowed.includes(name), name)
    assert.equal((await t.call('DELETE', 'sys/config/cors')).status, 204)
  })

  it('TestHandler_CacheControlNoStore', async () => {
    const res = await raw('/v1/sys/mounts', {
      headers: { 'x-vault-token': t.rootToken, 'x-vault-wrap-ttl': '60s' },
    })
    assert.equal(res.headers.get('cache-control'), 'no-store')
    await res.arrayBuffer()
  })

  it('TestHandler_InFlightRequest: the request itself is listed with its path', async () => {
    const res = await t.call('GET', 'sys/in-flight-req')
    assert.equal(res.status, 200)
    const entries = Object.values(res.body.data) as Json[]
    assert.ok(entries.length > 0)
    for (const entry of entries) assert.equal(entry['request_path'], '/v1/sys/in-flight-req')
  })

  it('TestHandler_MissingToken: a wrap request without a token is 403', async () => {
    const res = await raw('/v1/sys/internal/ui/mounts/cubbyhole', { headers: { 'x-vault-wrap-ttl': '60s' } })
    assert.equal(res.status, 403)
    await res.arrayBuffer()
  })

  it('TestHandler_Accepted: auth/token/tidy answers 202 Accepted', async () => {
    const res = await t.call('POST', 'auth/token/tidy')
    assert.equal(res.status, 202)
    assert.ok(Array.isArray(res.body.warnings), 'the warning still reaches the client')
  })

  it('TestSysMounts_headerAuth_Wrapped: the whole wrapped body', async () => {
    const res = await t.call('GET', 'sys/mounts', { headers: { 'x-vault-wrap-ttl': '60s' } })
    assert.equal(res.status, 200)
    const info = res.body.wrap_info
    for (const key of ['token', 'accessor', 'creation_time', 'creation_path']) assert.ok(info[key], key)
    assert.deepEqual(res.body, {
      request_id: res.body.request_id,
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: {
        token: info.token,
        accessor: info.accessor,
        ttl: 60,
        creation_time: info.creation_time,
        creation_path: info.creation_path,
      },
      warnings: null,
      auth: null,
    })
  })

  it('TestHandler_ui_default: no UI unless enabled', async () => {
    const res = await raw('/ui/')
    assert.equal(res.status, 404)
    await res.arrayBuffer()
  })

  it('TestHandler_requestAuth / TestHandler_getTokenFromReq: Bearer works, Basic is not a token', async () => {
    const bearer = await t.call('GET', 'auth/token/lookup-self', {
      token: '',
      headers: { authorization: `Bearer ${t.rootToken}` },
    })
    assert.equal(bearer.status, 200)
    assert.equal(bearer.body.data.id, t.rootToken)
    const basic = await t.call('GET', 'auth/token/lookup-self', {
      token: '',
      headers: { authorization: `Basic ${t.rootToken}` },
    })
    assert.equal(basic.status, 403)
    // X-Vault-Token wins over Authorization.
    const both = await t.call('GET', 'auth/token/lookup-self', { headers: { authorization: 'Bearer nope' } })
    assert.equal(both.status, 200)
  })

  it('TestHandler_nonPrintableChars: a path with a non-printable character is refused with 400', async () => {
    for (const char of ['\u2028', '\u0007', '\u007f']) {
      const res = await raw(`/v1/cubbyhole/foo${encodeURIComponent(char)}bar`, {
        method: 'PUT',
        headers: { 'x-vault-token': t.rootToken },
        body: '{"zip":"zap"}',
      })
      assert.equal(res.status, 400, JSON.stringify(char))
      assert.match(
        ((await res.json()) as { errors: string[] }).errors[0]!,
        /non-printable|control characters/,
      )
    }
    assert.equal((await t.call('LIST', 'cubbyhole')).status, 404, 'nothing was written')
  })

  it('TestHandler_Parse_Form: a form body is stored, repeated keys joined with commas', async () => {
    const res = await raw('/v1/cubbyhole/form', {
      method: 'POST',
      headers: { 'x-vault-token': t.rootToken, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'zip=zap&abc=xyz&multi=first&multi=second',
    })
    assert.equal(res.status, 204)
    assert.deepEqual((await t.call('GET', 'cubbyhole/form')).body.data, {
      zip: 'zap',
      abc: 'xyz',
      multi: 'first,second',
    })
  })
})

describe('sys_seal_test.go, sys_init_test.go, sys_health_test.go', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  before(async () => {
    t = await startSealedServer()
  })
  after(() => t.close())

  /** Vault's health body; version, server time and (unsealed) cluster identity come from the reply. */
  function health(reply: Reply, state: Json): Json {
    assert.equal(typeof reply.body.server_time_utc, 'number')
    assert.equal(typeof reply.body.version, 'string')
    const out: Json = {
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: reply.body.server_time_utc,
      version: reply.body.version,
      // Coffer's addition, as in HashiCorp Vault 1.15+.
      enterprise: false,
      ...state,
    }
    if (state['sealed'] === false) {
      out['cluster_name'] = reply.body.cluster_name
      out['cluster_id'] = reply.body.cluster_id
    }
    return out
  }

  it('TestSysHealth_get (uninitialised): 501, and a sealed node reports standby', async () => {
    const res = await t.call('GET', 'sys/health', { token: '' })
    assert.equal(res.status, 501)
    assert.deepEqual(res.body, health(res, { initialized: false, sealed: true, standby: true }))
  })

  it('TestSysSealStatus_uninit / TestSysInit_get', async () => {
    assert.equal((await t.call('GET', 'sys/seal-status', { token: '' })).status, 200)
    assert.deepEqual((await t.call('GET', 'sys/init', { token: '' })).body, { initialized: false })
  })

  it('TestSysInit_put', async () => {
    const res = await t.call('PUT', 'sys/init', {
      token: '',
      body: { secret_shares: 3, secret_threshold: 3 },
    })
    assert.equal(res.status, 200)
    assert.deepEqual(Object.keys(res.body).sort(), ['keys', 'keys_base64', 'root_token'])
    keys = res.body.keys
    root = res.body.root_token
    assert.equal(keys.length, 3)
    assert.deepEqual((await t.call('GET', 'sys/init', { token: '' })).body, { initialized: true })
  })

  it('TestSysSealStatus: the whole body of a sealed, initialised node', async () => {
    const res = await t.call('GET', 'sys/seal-status', { token: '' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      sealed: true,
      t: 3,
      n: 3,
      progress: 0,
      nonce: '',
      type: 'shamir',
      recovery_seal: false,
      initialized: true,
      migration: false,
      version: res.body.version,
      build_date: res.body.build_date,
      storage_type: 'sqlite',
    })
  })

  it('TestSysHealth_get (sealed): 503, standby', async () => {
    const res = await t.call('GET', 'sys/health', { token: '' })
    assert.equal(res.status, 503)
    assert.deepEqual(res.body, health(res, { initialized: true, sealed: true, standby: true }))
  })

  it('TestSysUnseal_BadKeyNewShamir / TestSysUnseal_Reset', async () => {
    const bad = await t.call('PUT', 'sys/unseal', { token: '', body: { key: 'abcd' } })
    assert.equal(bad.status, 400)
    const one = await t.call('PUT', 'sys/unseal', { token: '', body: { key: keys[0] } })
    assert.equal(one.body.progress, 1)
    assert.match(one.body.nonce, /^[0-9a-f-]{36}$/)
    const reset = await t.call('PUT', 'sys/unseal', { token: '', body: { reset: true } })
    assert.equal(reset.status, 200)
    assert.equal(reset.body.progress, 0)
    assert.equal(reset.body.nonce, '')
    assert.equal(reset.body.sealed, true)
  })

  it('TestSysUnseal: progress counts up, then the node is unsealed and healthy', async () => {
    for (const [i, key] of keys.entries()) {
      const res = await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
      assert.equal(res.status, 200)
      const last = i === keys.length - 1
      assert.equal(res.body.sealed, !last)
      assert.equal(res.body.progress, last ? 0 : i + 1)
      if (last) {
        assert.equal(typeof res.body.cluster_name, 'string')
        assert.equal(typeof res.body.cluster_id, 'string')
      }
    }
    const res = await t.call('GET', 'sys/health', { token: '' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, health(res, { initialized: true, sealed: false, standby: false }))
  })

  it('TestSysHealth_customcodes / TestSysHealth_head', async () => {
    assert.equal((await t.call('GET', 'sys/health?activecode=202', { token: '' })).status, 202)
    const head = await fetch(`${t.address}/v1/sys/health?activecode=202`, { method: 'HEAD' })
    assert.equal(head.status, 202)
    assert.equal(await head.text(), '')
  })

  it('TestSysSeal: sys/seal is 204 and the node is sealed', async () => {
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    assert.equal((await t.call('GET', 'sys/seal-status', { token: '' })).body.sealed, true)
    assert.equal((await t.call('GET', 'sys/health?sealedcode=299', { token: '' })).status, 299)
  })

  it('TestHandler_sealed: a logical request on a sealed node is 503', async () => {
    assert.equal((await t.call('GET', 'secret/foo', { token: root })).status, 503)
  })
})

describe('sys_wrapping_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    await t.call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '1' } } })
    await t.call('PUT', 'kv/foo', { body: { zip: 'zap' } })
  })
  after(() => t.close())

  const wrapTtl = { 'x-vault-wrap-ttl': '5m' }
  async function wrapped(): Promise<Json> {
    const res = await t.call('GET', 'kv/foo', { headers: wrapTtl })
    assert.equal(res.status, 200)
    assert.ok(res.body.wrap_info?.token)
    return res.body.wrap_info
  }

  it('TestHTTP_Wrapping: lookup and unwrap refuse the root token, a missing token and an unknown one', async () => {
    for (const path of ['sys/wrapping/lookup', 'sys/wrapping/unwrap']) {
      for (const body of [undefined, { foo: 'bar' }, { token: 'bar' }, { token: t.rootToken }]) {
        const res = await t.call('POST', path, body === undefined ? {} : { body })
        assert.ok(res.status >= 400 && res.status < 500, `${path} ${JSON.stringify(body)}: ${res.status}`)
      }
    }
    // Without any token, a lookup is 403.
    assert.equal((await t.call('GET', 'sys/wrapping/lookup', { token: '' })).status, 403)
  })

  it('TestHTTP_Wrapping: lookup twice leaves the token usable and echoes its ttl and creation time', async () => {
    const info = await wrapped()
    for (let i = 0; i < 2; i++) {
      const res = await t.call('POST', 'sys/wrapping/lookup', { body: { token: info['token'] } })
      assert.equal(res.status, 200)
      assert.equal(res.body.data.creation_ttl, info['ttl'])
      assert.equal(res.body.data.creation_time, info['creation_time'])
    }
    const unwrapped = await t.call('POST', 'sys/wrapping/unwrap', { body: { token: info['token'] } })
    assert.deepEqual(unwrapped.body.data, { zip: 'zap' })
  })

  it('TestHTTP_Wrapping: unwrap with the wrapping token as client token, then as a body token; both single-use', async () => {
    let info = await wrapped()
    const own = await t.call('POST', 'sys/wrapping/unwrap', { token: String(info['token']) })
    assert.equal(own.status, 200)
    assert.equal(own.body.warnings, null)
    assert.deepEqual(own.body.data, { zip: 'zap' })
    assert.equal((await t.call('POST', 'sys/wrapping/unwrap', { token: String(info['token']) })).status, 400)

    info = await wrapped()
    const other = await t.call('POST', 'sys/wrapping/unwrap', { body: { token: info['token'] } })
    assert.equal(other.body.warnings, null)
    assert.deepEqual(other.body.data, { zip: 'zap' })
    assert.equal(
      (await t.call('POST', 'sys/wrapping/unwrap', { body: { token: info['token'] } })).status,
      400,
    )
  })

  it('TestHTTP_Wrapping: cubbyhole/response holds the wrapped response as JSON text, readable once', async () => {
    const info = await wrapped()
    const res = await t.call('GET', 'cubbyhole/response', { token: String(info['token']) })
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body.data.response).data, { zip: 'zap' })
    const again = await t.call('POST', 'cubbyhole/response', { token: String(info['token']) })
    assert.ok(again.status >= 400 && again.status < 500, String(again.status))
  })

  it('TestHTTP_Wrapping: sys/wrapping/wrap needs a wrap TTL, and keeps numbers as numbers', async () => {
    const data = { zip: 'zap', three: 2 }
    assert.equal((await t.call('POST', 'sys/wrapping/wrap', { body: data })).status, 400)
    const res = await t.call('POST', 'sys/wrapping/wrap', { body: data, headers: wrapTtl })
    assert.equal(res.status, 200)
    assert.equal(res.body.warnings, null)
    const unwrapped = await t.call('POST', 'sys/wrapping/unwrap', {
      body: { token: res.body.wrap_info.token },
    })
    assert.equal(unwrapped.body.warnings, null)
    assert.deepEqual(unwrapped.body.data, data)
  })

  it('TestHTTP_Wrapping: rewrap keeps the creation path and voids the old token', async () => {
    const info = await wrapped()
    assert.equal(info['creation_path'], 'kv/foo')
    const res = await t.call('POST', 'sys/wrapping/rewrap', { body: { token: info['token'] } })
    assert.equal(res.status, 200)
    assert.equal(res.body.warnings, null)
    assert.equal(res.body.wrap_info.creation_path, 'kv/foo')
    assert.equal(
      (await t.call('POST', 'sys/wrapping/unwrap', { body: { token: info['token'] } })).status,
      400,
    )
    const fresh = res.body.wrap_info.token
    assert.deepEqual((await t.call('POST', 'sys/wrapping/unwrap', { body: { token: fresh } })).body.data, {
      zip: 'zap',
    })
    assert.equal((await t.call('POST', 'sys/wrapping/unwrap', { body: { token: fresh } })).status, 400)
  })
})

describe('sys_generate_root_test.go, sys_rekey_test.go', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  before(async () => {
    t = await startSealedServer()
    const init = await t.call('PUT', 'sys/init', {
      token: '',
      body: { secret_shares: 3, secret_threshold: 3 },
    })
    keys = init.body.keys
    root = init.body.root_token
    for (const key of keys) await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
  })
  after(() => t.close())

  const idle = {
    started: false,
    progress: 0,
    required: 3,
    complete: false,
    encoded_token: '',
    encoded_root_token: '',
    pgp_fingerprint: '',
    nonce: '',
    otp: '',
  }

  it('TestSysGenerateRootAttempt_Status: the whole idle body, unauthenticated', async () => {
    const res = await t.call('GET', 'sys/generate-root/attempt', { token: '' })
    assert.equal(res.status, 200)
    assert.equal(typeof res.body.otp_length, 'number')
    assert.deepEqual(res.body, { ...idle, otp_length: res.body.otp_length })
  })

  it('TestSysGenerateRootAttempt_Setup_OTP / _Cancel / TestSysGenerateRoot_ReAttemptUpdate', async () => {
    const started = await t.call('PUT', 'sys/generate-root/attempt', { token: root })
    assert.equal(started.status, 200)
    const { nonce, otp, otp_length } = started.body
    assert.ok(nonce)
    assert.equal(otp.length, otp_length)
    assert.deepEqual(started.body, { ...idle, started: true, nonce, otp, otp_length })
    // The OTP is shown once, at the start.
    const status = await t.call('GET', 'sys/generate-root/attempt', { token: '' })
    assert.deepEqual(status.body, { ...idle, started: true, nonce, otp_length })
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: root })).status, 204)
    assert.deepEqual((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body, {
      ...idle,
      otp_length,
    })
    assert.equal((await t.call('PUT', 'sys/generate-root/attempt', { token: root })).status, 200)
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: root })).status, 204)
  })

  it('TestSysGenerateRoot_badKey', async () => {
    const res = await t.call('PUT', 'sys/generate-root/update', { token: root, body: { key: '0123' } })
    assert.equal(res.status, 400)
  })

  it('TestSysGenerateRoot_Update_OTP: each share counts, the decoded token is a root token', async () => {
    const started = await t.call('PUT', 'sys/generate-root/attempt', { token: root, body: {} })
    const { nonce, otp } = started.body
    let last: Reply | undefined
    for (const [i, key] of keys.entries()) {
      last = await t.call('PUT', 'sys/generate-root/update', { token: root, body: { nonce, key } })
      assert.equal(last.status, 200)
      const done = i + 1 === keys.length
      assert.deepEqual(last.body, {
        ...idle,
        started: true,
        nonce,
        progress: i + 1,
        complete: done,
        encoded_token: done ? last.body.encoded_token : '',
        encoded_root_token: done ? last.body.encoded_root_token : '',
        otp_length: 0,
      })
    }
    const encoded = Buffer.from(last!.body.encoded_token, 'base64')
    assert.equal(last!.body.encoded_root_token, last!.body.encoded_token)
    const token = Buffer.from(encoded.map((byte, i) => byte ^ otp.charCodeAt(i))).toString()
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(lookup.status, 200)
    const data = lookup.body.data
    assert.deepEqual(data, {
      id: token,
      accessor: data.accessor,
      creation_time: data.creation_time,
      display_name: 'root',
      meta: null,
      num_uses: 0,
      policies: ['root'],
      orphan: true,
      creation_ttl: 0,
      ttl: 0,
      path: 'auth/token/root',
      explicit_max_ttl: 0,
      expire_time: null,
      entity_id: '',
      type: 'service',
      // Coffer's documented additions: Vault omits both for a token with no lease, as a root token is.
      issue_time: data.issue_time,
      renewable: false,
    })
  })

  const rekeyIdle = {
    started: false,
    t: 0,
    n: 0,
    progress: 0,
    required: 3,
    pgp_fingerprints: null,
    backup: false,
    nonce: '',
    verification_required: false,
  }

  it('TestSysRekey_Init_Status / _Setup / _Cancel / TestSysRekey_ReInitUpdate', async () => {
    assert.deepEqual((await t.call('GET', 'sys/rekey/init', { token: '' })).body, rekeyIdle)
    const started = await t.call('PUT', 'sys/rekey/init', {
      token: root,
      body: { secret_shares: 5, secret_threshold: 3 },
    })
    assert.equal(started.status, 200)
    const nonce = started.body.nonce
    assert.ok(nonce)
    const running = { ...rekeyIdle, started: true, t: 3, n: 5, nonce }
    assert.deepEqual(started.body, running)
    assert.deepEqual((await t.call('GET', 'sys/rekey/init', { token: '' })).body, running)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
    assert.deepEqual((await t.call('GET', 'sys/rekey/init', { token: '' })).body, rekeyIdle)
  })

  it('TestSysRekey_Init_pgpKeysEntriesForRekey: pgp_keys must match secret_shares', async () => {
    const res = await t.call('PUT', 'sys/rekey/init', {
      token: root,
      body: { secret_shares: 5, secret_threshold: 3, pgp_keys: ['pgpkey1'] },
    })
    assert.equal(res.status, 400)
  })

  it('TestSysRekey_badKey / TestSysRekey_Update: progress bodies, then the new keys', async () => {
    const started = await t.call('PUT', 'sys/rekey/init', {
      token: root,
      body: { secret_shares: 5, secret_threshold: 3 },
    })
    const nonce = started.body.nonce
    assert.equal(
      (await t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce, key: '0123' } })).status,
      400,
    )
    for (const [i, key] of keys.entries()) {
      const res = await t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce, key } })
      assert.equal(res.status, 200)
      if (i + 1 < keys.length) {
        assert.deepEqual(res.body, { ...rekeyIdle, started: true, t: 3, n: 5, nonce, progress: i + 1 })
        continue
      }
      assert.deepEqual(res.body, {
        nonce,
        backup: false,
        pgp_fingerprints: null,
        verification_required: false,
        complete: true,
        keys: res.body.keys,
        keys_base64: res.body.keys_base64,
      })
      assert.equal(res.body.keys.length, 5)
      assert.equal(res.body.keys_base64.length, 5)
    }
  })
})

describe('sys_policy_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  const listing = async (names: string[]) => {
    const res = await t.call('GET', 'sys/policy')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, envelope(res, { policies: names, keys: names }))
  }

  it('TestSysPolicies: the whole legacy listing', async () => {
    await listing(['default', 'root'])
  })

  it('TestSysReadPolicy: root reads with empty rules', async () => {
    const res = await t.call('GET', 'sys/policy/root')
    assert.equal(res.status, 200)
    // OpenBao adds cas_required, version and allow_*_in_identity_templates; Vault has name and rules only.
    assert.deepEqual(res.body, envelope(res, { name: 'root', rules: '' }))
  })

  it('TestSysWritePolicy: `rules` on the legacy route is 200 with a deprecation warning; empty rules are 400', async () => {
    const res = await t.call('POST', 'sys/policy/foo', {
      body: { rules: 'path "*" { capabilities = ["read"] }' },
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.warnings, ["'rules' is deprecated, please use 'policy' instead"])
    await listing(['default', 'foo', 'root'])
    assert.equal((await t.call('POST', 'sys/policy/response-wrapping', { body: { rules: '' } })).status, 400)
    // `policy` on the legacy route, and `policy` on sys/policies/acl, carry no warning.
    assert.equal(
      (await t.call('POST', 'sys/policy/bar', { body: { policy: 'path "a" { capabilities = ["read"] }' } }))
        .status,
      204,
    )
    await t.call('DELETE', 'sys/policy/bar')
  })

  it('TestSysDeletePolicy: delete, and default cannot be deleted', async () => {
    assert.equal((await t.call('DELETE', 'sys/policy/foo')).status, 204)
    await t.call('DELETE', 'sys/policy/default')
    await t.call('DELETE', 'sys/policy/response-wrapping')
    await listing(['default', 'root'])
  })
})

describe('auth_token_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestAuthTokenCreate: `lease` (the older name of ttl), renewable, explicit_max_ttl', async () => {
    const leased = await t.call('POST', 'auth/token/create', { body: { lease: '1h' } })
    assert.equal(leased.status, 200)
    assert.equal(leased.body.auth.lease_duration, 3600)
    assert.equal(leased.body.auth.renewable, true)
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token: leased.body.auth.client_token })
    assert.equal(typeof lookup.body.data.expire_time, 'string', 'the token expires')
    const fixed = await t.call('POST', 'auth/token/create', { body: { ttl: '1h', renewable: false } })
    assert.equal(fixed.body.auth.lease_duration, 3600)
    assert.equal(fixed.body.auth.renewable, false)
    const renewable = await t.call('POST', 'auth/token/create', { body: { ttl: '1h', renewable: true } })
    assert.equal(renewable.body.auth.lease_duration, 3600)
    assert.equal(renewable.body.auth.renewable, true)
    const capped = await t.call('POST', 'auth/token/create', {
      body: { ttl: '1h', explicit_max_ttl: '1800s' },
    })
    assert.equal(capped.body.auth.lease_duration, 1800)
    const uncapped = await t.call('POST', 'auth/token/create', {
      body: { ttl: '1h', explicit_max_ttl: '2h' },
    })
    assert.equal(uncapped.body.auth.lease_duration, 3600)
  })

  it('TestAuthTokenLookup / TestAuthTokenLookupSelf', async () => {
    const made = await t.call('POST', 'auth/token/create', { body: { ttl: '1h' } })
    const token = made.body.auth.client_token
    const other = await t.call('POST', 'auth/token/lookup', { body: { token } })
    assert.equal(other.body.data.id, token)
    const self = await t.call('GET', 'auth/token/lookup-self')
    assert.equal(self.body.data.id, t.rootToken)
    assert.equal(self.body.data.display_name, 'root')
  })

  it('TestAuthTokenRenew: the root token is not renewable; a 1h token renews, itself and by name', async () => {
    const root = await t.call('PUT', 'auth/token/renew', { body: { token: t.rootToken } })
    assert.equal(root.status, 400)
    // Vault's words: a root token has no lease.
    assert.deepEqual(root.body.errors, ['invalid lease ID'])
    const made = await t.call('POST', 'auth/token/create', { body: { lease: '1h' } })
    const token = made.body.auth.client_token
    const byName = await t.call('PUT', 'auth/token/renew', { token, body: { token, increment: 3600 } })
    assert.equal(byName.status, 200)
    assert.equal(byName.body.auth.lease_duration, 3600)
    assert.equal(byName.body.auth.renewable, true)
    const self = await t.call('PUT', 'auth/token/renew-self', { token, body: { increment: 3600 } })
    assert.equal(self.body.auth.lease_duration, 3600)
    assert.equal(self.body.auth.renewable, true)
  })
})

describe('sys_audit_test.go', () => {
  let t: TestServer
  let dir: string
  before(async () => {
    t = await startDevServer()
    dir = mkdtempSync(join(tmpdir(), 'coffer-bao-audit-'))
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('TestSysAudit / TestSysDisableAudit: the whole sys/audit body (a file device stands for noop)', async () => {
    const file_path = join(dir, 'audit.log')
    assert.equal(
      (await t.call('POST', 'sys/audit/foo', { body: { type: 'file', options: { file_path } } })).status,
      204,
    )
    const res = await t.call('GET', 'sys/audit')
    assert.equal(res.status, 200)
    assert.deepEqual(
      res.body,
      envelope(res, {
        'foo/': { path: 'foo/', type: 'file', description: '', options: { file_path }, local: false },
      }),
    )
    assert.equal((await t.call('DELETE', 'sys/audit/foo')).status, 204)
    const empty = await t.call('GET', 'sys/audit')
    assert.deepEqual(empty.body, { ...envelope(empty, {}) })
  })

  it('TestSysAuditHash: the salted HMAC of an input, in data and at the top level', async () => {
    await t.call('POST', 'sys/audit/foo', {
      body: { type: 'file', options: { file_path: join(dir, 'hash.log') } },
    })
    const res = await t.call('POST', 'sys/audit-hash/foo', { body: { input: 'bar' } })
    assert.equal(res.status, 200)
    assert.match(res.body.data.hash, /^hmac-sha256:[0-9a-f]{64}$/)
    assert.deepEqual(res.body, envelope(res, { hash: res.body.data.hash }))
    await t.call('DELETE', 'sys/audit/foo')
  })
})

describe('sys_lease_test.go, unwrapping_raw_body_test.go, help_test.go, custom_header_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestSysRevoke / TestSysRevokePrefix: an unknown lease or prefix is 204', async () => {
    assert.equal((await t.call('PUT', 'sys/leases/revoke/secret/foo/1234')).status, 204)
    assert.equal((await t.call('PUT', 'sys/leases/revoke-prefix/secret/foo/1234')).status, 204)
  })

  it('TestUnwrapping_Raw_Body: a wrapped KV v2 answer to a non-data path unwraps to its one warning', async () => {
    const wrapped = await t.call('PUT', 'secret/foo/bar', {
      body: { a: 'b' },
      headers: { 'x-vault-wrap-ttl': '5m' },
    })
    assert.equal(wrapped.status, 200)
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token: wrapped.body.wrap_info.token } })
    // The wrapped answer kept its own status (404), as Vault's unwrap of a raw-status response does.
    assert.equal(res.status, 404)
    assert.equal(res.body.warnings.length, 1)
  })

  it('TestHelp: no help outside /v1/, 403 without a token, a help key with one', async () => {
    const bare = await fetch(`${t.address}/?help=1`, { headers: { 'x-vault-token': t.rootToken } })
    assert.equal(bare.status, 404)
    await bare.arrayBuffer()
    assert.equal((await t.call('GET', 'sys/mounts?help=1', { token: '' })).status, 403)
    const help = await t.call('GET', 'sys/mounts?help=1')
    assert.equal(help.status, 200)
    assert.equal(typeof help.body.help, 'string')
  })

  it('TestCustomResponseHeaders (status codes only; Coffer has no custom_response_headers)', async () => {
    for (const [path, status] of [
      ['/v1/sys/raw/', 404],
      ['/v1/sys/seal', 405],
      ['/v1/sys/leader', 200],
      ['/v1/sys/health', 200],
      ['/v1/sys/generate-root/attempt', 200],
      ['/v1/sys/', 404],
      ['/v1/sys', 404],
      ['/v1/', 404],
      ['/v1', 404],
    ] as const) {
      const res = await fetch(`${t.address}${path}`, { headers: { 'x-vault-token': t.rootToken } })
      assert.equal(res.status, status, path)
      await res.arrayBuffer()
    }
    assert.equal(
      (await t.call('POST', 'sys/auth/foo', { body: { type: 'approle', description: 'foo' } })).status,
      204,
    )
  })
})

describe('sys_seal_test.go (reset with 5 shares, permissions, step-down)', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  before(async () => {
    t = await startSealedServer()
  })
  after(() => t.close())

  it('TestSysUnseal_Reset: two shares of three, then a reset; the whole bodies', async () => {
    const init = await t.call('PUT', 'sys/init', {
      token: '',
      body: { secret_shares: 5, secret_threshold: 3 },
    })
    keys = init.body.keys
    const sealed = (res: Reply, progress: number) => ({
      sealed: true,
      t: 3,
      n: 5,
      progress,
      nonce: res.body.nonce,
      type: 'shamir',
      recovery_seal: false,
      initialized: true,
      migration: false,
      version: res.body.version,
      build_date: res.body.build_date,
      storage_type: 'sqlite',
    })
    for (const [i, key] of keys.slice(0, 2).entries()) {
      const res = await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
      assert.equal(res.status, 200)
      assert.ok(res.body.nonce)
      assert.deepEqual(res.body, sealed(res, i + 1))
    }
    const reset = await t.call('PUT', 'sys/unseal', { token: '', body: { reset: true } })
    assert.equal(reset.status, 200)
    assert.deepEqual(reset.body, sealed(reset, 0))
    for (const key of keys.slice(0, 3)) await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
    assert.equal((await t.call('GET', 'sys/seal-status', { token: '' })).body.sealed, false)
    root = init.body.root_token
  })

  it('TestSysSeal_Permissions: sys/seal needs both update and sudo', async () => {
    const child = await t.call('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['seal-test'], ttl: '1h' },
    })
    const token = child.body.auth.client_token
    for (const caps of ['"read"', '"update"', '"sudo"']) {
      await t.call('PUT', 'sys/policies/acl/seal-test', {
        token: root,
        body: { policy: `path "sys/seal" { capabilities = [${caps}] }` },
      })
      assert.equal((await t.call('PUT', 'sys/seal', { token })).status, 403, caps)
    }
    await t.call('PUT', 'sys/policies/acl/seal-test', {
      token: root,
      body: { policy: 'path "sys/seal" { capabilities = ["update", "sudo"] }' },
    })
    assert.equal((await t.call('PUT', 'sys/step-down', { token: root })).status, 204, 'TestSysStepDown')
    assert.equal((await t.call('PUT', 'sys/seal', { token })).status, 204)
    assert.equal((await t.call('GET', 'sys/seal-status', { token: '' })).body.sealed, true)
  })
})
