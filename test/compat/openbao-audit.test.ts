// OpenBao's audit tests (hashstructure, format, format_json, vault/audit, audited_headers) replayed against Coffer.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { buildEntry } from '../../src/server/audit/entry.ts'
import { auditHmac, hashEntry } from '../../src/server/audit/hmac.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

// The Go tests store the salt "foo" and key the HMAC with its bytes as they are.
const SALT = Buffer.from('foo')
const HMAC_FOO = 'hmac-sha256:08ba357e274f528065766c770a639abf6809b39ccfd37c2a3157c7f51954da0a'
const HMAC_BAR = 'hmac-sha256:f9320baf0249169e73850cd6156ded0106e2bb6ad8cab01b7bbbebe6d1065317'
const HMAC_FLIMFLAM = 'hmac-sha256:7c9c6fe666d0af73b3ebcfbfabe6885015558213208e6635ba104047b22f6390'
const h = (value: string) => auditHmac(SALT, value)
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))
const BASE = { hmacAccessor: true, logRaw: false }

/** A response entry carrying `data` and the Go tests' wrap info, hashed with `options`. */
function hashedResponse(
  data: Record<string, unknown>,
  options: Parameters<typeof hashEntry>[2],
  operation = 'read',
) {
  const entry = buildEntry({
    type: 'response',
    time: '2024-05-01T10:00:00Z',
    request: { id: 'r', operation, path: 'x' },
    response: {
      // biome-ignore lint/suspicious/noExplicitAny: the Go cases carry shapes JsonObject does not name
      data: data as any,
      wrapInfo: {
        ttl: 60,
        token: 'bar',
        accessor: 'flimflam',
        creationTime: '2024-05-01T10:00:00Z',
        creationPath: '',
        wrappedAccessor: 'bar',
      },
    },
  })
  return hashEntry(entry, SALT, options).response
}

describe('internal/audit/hashstructure_test.go', () => {
  it('TestHashString: HMAC-SHA256 keyed with the salt bytes, type-prefixed', () => {
    assert.equal(auditHmac(SALT, 'foo'), HMAC_FOO)
  })

  it('TestHashAuth: client_token HMAC’d; accessor left alone with hmac_accessor false', () => {
    const entry = buildEntry({
      type: 'request',
      time: 't',
      auth: { clientToken: 'foo', accessor: 'acc', tokenTtl: 3600 },
      request: { id: 'r', operation: 'read', path: 'x' },
    })
    const out = hashEntry(entry, SALT, { hmacAccessor: false, logRaw: false })
    assert.equal(out.auth?.client_token, HMAC_FOO)
    assert.equal(out.auth?.accessor, 'acc')
    assert.equal(out.auth?.token_ttl, 3600)
  })

  it('TestHashRequest: data strings HMAC’d except under a non-HMAC key', () => {
    const entry = buildEntry({
      type: 'request',
      time: 't',
      request: {
        id: 'r',
        operation: 'update',
        path: 'x',
        data: { foo: 'bar', baz: 'foobar', private_key_type: 'rsa' },
      },
    })
    const out = hashEntry(entry, SALT, { ...BASE, hmacAccessor: false, nonHmacRequestKeys: ['baz'] })
    assert.deepEqual(plain(out.request?.data), {
      foo: HMAC_BAR,
      baz: 'foobar',
      private_key_type: 'hmac-sha256:995230dca56fffd310ff591aa404aab52b2abb41703c787cfa829eceb4595bf1',
    })
  })

  it('TestHashResponse: nested objects, by nearest key; wrap_info token, accessor and wrapped_accessor', () => {
    const first = hashedResponse(
      { foo: { write_json: 'bar', read_json: 'baz' } },
      {
        ...BASE,
        nonHmacResponseKeys: ['read_json'],
      },
    )
    assert.deepEqual(plain(first?.data), { foo: { write_json: HMAC_BAR, read_json: 'baz' } })
    assert.equal(first?.wrap_info?.token, HMAC_BAR)
    assert.equal(first?.wrap_info?.accessor, HMAC_FLIMFLAM)
    assert.equal(first?.wrap_info?.wrapped_accessor, HMAC_BAR)
    assert.equal(first?.wrap_info?.ttl, 60)

    const nested = hashedResponse(
      {
        foo: {
          first: { write_json: 'bar', read_json: 'baz' },
          second: { nested: { write_json: 'war', read_json: 'waz' } },
        },
      },
      { ...BASE, nonHmacResponseKeys: ['write_json'] },
    )
    assert.deepEqual(plain(nested?.data), {
      foo: {
        first: {
          write_json: 'bar',
          read_json: 'hmac-sha256:57fe23dcea29b442ce536b9486b53999513079c8850b2c4ac83bb48529a00bfe',
        },
        second: {
          nested: {
            write_json: 'war',
            read_json: 'hmac-sha256:5c69f2a46b323680e94d5a0f50b3347a5dfeb8382db7ff38dfaae1516f8a142c',
          },
        },
      },
    })
  })

  it('TestHashResponse: key_info nested arrays and strings HMAC’d; numbers HMAC’d (a documented difference)', () => {
    const out = hashedResponse(
      {
        key_info: {
          random_string: {
            name: 'test',
            num_member_entities: 0,
            deeply_nested_map: { random_array: ['item', 'another_item'] },
          },
        },
        keys: 'random_string',
      },
      BASE,
    )
    assert.deepEqual(plain(out?.data), {
      key_info: {
        random_string: {
          name: 'hmac-sha256:3a5c1437614283a4c557670f3196c56d34dbc5109f2bf3db73e631cb1370a4e2',
          // OpenBao shows a Go-typed 0 in clear; Coffer HMACs every number (docs/audit.md, Differences).
          num_member_entities: h('0'),
          deeply_nested_map: {
            random_array: [
              'hmac-sha256:5a4325952fec282c8dbfd0242cca5d018a210bb629e9ebc9278f58b5f4d73db1',
              'hmac-sha256:0176bac06c07b7ccb59bda70be3cf50f5560d25328bf8043796d24be71177d2d',
            ],
          },
        },
      },
      keys: 'hmac-sha256:c735e47de746c4b6607851f5aa107ebac9c53d8af0c807009c150672d6388609',
    })
  })

  it('TestHashResponse: a raw body is HMAC’d as its text', () => {
    const out = hashedResponse({ http_raw_body: 'Response' }, BASE)
    assert.equal(
      (out?.data as Record<string, unknown> | undefined)?.http_raw_body,
      'hmac-sha256:cf0faf58d6106e1f46cdfaf93353ae0fe08b21948de64a402ae9b77dbd9b07d1',
    )
  })

  it('TestHashWalker: strings in maps and in arrays are replaced', () => {
    const entry = buildEntry({
      type: 'request',
      time: 't',
      request: { id: 'r', operation: 'update', path: 'x', data: { hello: 'foo', list: ['world'] } },
    })
    const out = hashEntry(entry, () => 'foo', BASE)
    assert.deepEqual(plain(out.request?.data), { hello: 'foo', list: ['foo'] })
  })

  it('TestHashWalker_TimeStructs, inverted: Coffer HMACs a time-looking string (safe side, documented)', () => {
    // OpenBao leaves time values (and, after its JSON round trip, any string that parses as RFC 3339) in
    // clear; HashiCorp Vault leaves only Go time.Time values in clear. Coffer data has no typed times: a
    // time-looking string is HMAC'd like any string, so a secret that happens to look like a date stays hidden.
    const entry = buildEntry({
      type: 'request',
      time: 't',
      request: { id: 'r', operation: 'update', path: 'x', data: { hello: ['foo', '2024-05-01T10:00:00Z'] } },
    })
    const out = hashEntry(entry, (s) => `${s}bar`, BASE)
    assert.deepEqual(plain(out.request?.data), { hello: ['foobar', '2024-05-01T10:00:00Zbar'] })
  })
})

describe('internal/audit/format_test.go', () => {
  const enhanced = {
    keys: ['foo', 'bar', 'baz', 'quux'],
    key_info: { foo: 'alpha', bar: 'beta', baz: 'gamma', quux: 'delta' },
  }
  const elide = { ...BASE, elideListResponses: true }

  it('TestElideListResponses: default case (keys and key_info become counts, others untouched)', () => {
    assert.deepEqual(plain(hashedResponse({ keys: ['foo', 'bar', 'baz'] }, elide, 'list')?.data), { keys: 3 })
    assert.deepEqual(plain(hashedResponse(enhanced, elide, 'list')?.data), { keys: 4, key_info: 4 })
    assert.deepEqual(
      plain(hashedResponse({ keys: ['foo', 'bar'], something_else: 'baz' }, elide, 'list')?.data),
      {
        keys: 2,
        something_else: h('baz'),
      },
    )
    // Unconventional types are not elided.
    assert.deepEqual(
      plain(hashedResponse({ keys: { odd: null }, key_info: ['slice'] }, elide, 'list')?.data),
      { keys: { odd: null }, key_info: [h('slice')] },
    )
    assert.equal(hashedResponse({}, elide, 'list')?.data, undefined, 'nil data stays absent')
  })

  it('TestElideListResponses: not on other operations, not when off, and still with log_raw', () => {
    const hashedKeys = enhanced.keys.map(h)
    assert.deepEqual(
      (plain(hashedResponse(enhanced, elide, 'read')?.data) as { keys: unknown }).keys,
      hashedKeys,
    )
    assert.deepEqual(
      (plain(hashedResponse(enhanced, BASE, 'list')?.data) as { keys: unknown }).keys,
      hashedKeys,
    )
    assert.deepEqual(plain(hashedResponse(enhanced, { ...elide, logRaw: true }, 'list')?.data), {
      keys: 4,
      key_info: 4,
    })
  })
})

describe('internal/audit/format_json_test.go', () => {
  it('TestFormatJSON_formatRequest: field names, order and omitempty of a request entry', () => {
    const entry = buildEntry({
      type: 'request',
      time: '2015-08-05T13:45:46Z',
      auth: {
        clientToken: 'foo',
        accessor: 'bar',
        displayName: 'testtoken',
        policies: ['root'],
        noDefaultPolicy: true,
        entityId: 'foobarentity',
        tokenType: 'service',
        tokenTtl: 14400,
        tokenIssueTime: '2020-05-28T13:40:18-05:00',
      },
      request: {
        id: '',
        operation: 'update',
        path: '/foo',
        remoteAddress: '127.0.0.1',
        wrapTtl: 60,
        headers: { foo: ['bar'] },
      },
      error: 'this is an error',
    })
    // Vault's formatter gets the headers already through ApplyConfig (the broker's step); Coffer folds that step into
    // hashEntry, so the replay says what Vault's input implies: `foo` is audited with hmac false.
    const line = JSON.stringify(
      hashEntry(entry, SALT, { hmacAccessor: false, logRaw: false, clearHeaders: new Set(['foo']) }),
    )
    assert.equal(
      line,
      JSON.stringify({
        time: '2015-08-05T13:45:46Z',
        type: 'request',
        auth: {
          client_token: HMAC_FOO,
          accessor: 'bar',
          display_name: 'testtoken',
          policies: ['root'],
          no_default_policy: true,
          entity_id: 'foobarentity',
          token_type: 'service',
          token_ttl: 14400,
          token_issue_time: '2020-05-28T13:40:18-05:00',
        },
        request: {
          operation: 'update',
          namespace: { id: 'root' },
          path: '/foo',
          remote_address: '127.0.0.1',
          wrap_ttl: 60,
          headers: { foo: ['bar'] },
        },
        error: 'this is an error',
      }),
    )
  })
})

describe('internal/vault/audit_test.go and audited_headers_test.go, end to end', () => {
  let t: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-openbao-audit-'))
  const files = { hashed: join(dir, 'hashed.log'), clear: join(dir, 'clear.log'), raw: join(dir, 'raw.log') }
  // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
  const entries = (file: string): any[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter((e) => e.type !== 'checkpoint')

  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestCore_EnableAudit: enabling devices (with hmac_accessor=false, log_raw, elide_list_responses) lists them', async () => {
    const enable = (path: string, options: Record<string, string>) =>
      t.call('PUT', `sys/audit/${path}`, { body: { type: 'file', options } })
    assert.equal(
      (await enable('hashed', { file_path: files.hashed, elide_list_responses: 'true' })).status,
      204,
    )
    assert.equal((await enable('clear', { file_path: files.clear, hmac_accessor: 'false' })).status, 204)
    assert.equal((await enable('raw', { file_path: files.raw, log_raw: 'true' })).status, 204)
    const list = await t.call('GET', 'sys/audit')
    assert.deepEqual(Object.keys(list.body.data).sort(), ['clear/', 'hashed/', 'raw/'])
    assert.equal(
      (await enable('hashed', { file_path: files.hashed })).status,
      400,
      'a path in use is refused',
    )
    const jsonx = await enable('x', { file_path: join(dir, 'x.log'), format: 'jsonx' })
    assert.equal(jsonx.status, 400, 'jsonx is refused (documented), not accepted and ignored')
  })

  it('TestAuditBroker_LogResponse: a login’s minted token and accessor HMAC’d, password HMAC’d, per hmac_accessor', async () => {
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    await t.call('POST', 'auth/userpass/users/alice', {
      body: { password: 'pw-4711-secret', policies: 'default' },
    })
    const login = await t.call('POST', 'auth/userpass/login/alice', { body: { password: 'pw-4711-secret' } })
    assert.equal(login.status, 200)
    const { client_token: token, accessor } = login.body.auth
    for (const file of [files.hashed, files.clear]) {
      const text = readFileSync(file, 'utf8')
      assert.ok(!text.includes('pw-4711-secret'), 'the password never appears in clear')
      assert.ok(!text.includes(token), 'the minted token never appears in clear')
    }
    const hashedHash = await t.call('POST', 'sys/audit-hash/hashed', { body: { input: token } })
    const find = (file: string) =>
      entries(file).find((e) => e.type === 'response' && e.request.path === 'auth/userpass/login/alice')
    const res = find(files.hashed)
    assert.equal(
      res.response.auth.client_token,
      hashedHash.body.hash,
      'sys/audit-hash finds the logged token',
    )
    assert.match(res.response.auth.accessor, /^hmac-sha256:/)
    assert.deepEqual(res.response.auth.policies, ['default'])
    assert.equal(res.response.auth.entity_id, login.body.auth.entity_id, 'the entity the login resolved to')
    assert.equal(
      find(files.clear).response.auth.accessor,
      accessor,
      'hmac_accessor=false leaves accessors in clear',
    )
    const req = entries(files.hashed).find(
      (e) => e.type === 'request' && e.request.path === 'auth/userpass/login/alice',
    )
    assert.match(req.request.data.password, /^hmac-sha256:/)
    const raw = find(files.raw)
    assert.equal(raw.response.auth.client_token, token, 'log_raw hashes nothing')
  })

  it('TestAuditBroker_LogRequest: a denied request is recorded with its error and the caller’s HMAC’d token', async () => {
    const login = await t.call('POST', 'auth/userpass/login/alice', { body: { password: 'pw-4711-secret' } })
    const token = login.body.auth.client_token
    const denied = await t.call('GET', 'sys/mounts', { token })
    assert.equal(denied.status, 403)
    const hash = (await t.call('POST', 'sys/audit-hash/hashed', { body: { input: token } })).body.hash
    const logged = entries(files.hashed).filter(
      (e) => e.request?.path === 'sys/mounts' && e.auth?.client_token === hash,
    )
    // As in Vault, a request refused by the ACL check gets a request entry only, carrying the error.
    assert.deepEqual(
      logged.map((e) => e.type),
      ['request'],
    )
    assert.equal(logged[0].error, 'permission denied')
    assert.equal(logged[0].auth.policy_results.allowed, false)
    assert.equal(logged[0].request.client_token, hash)
  })

  it('wrap_info: a wrapped answer’s token and accessors HMAC’d, wrap_ttl on the request', async () => {
    await t.call('POST', 'secret/data/wrapped', { body: { data: { v: 'wrapped-secret-1' } } })
    const wrapped = await t.call('GET', 'secret/data/wrapped', { headers: { 'X-Vault-Wrap-TTL': '60' } })
    assert.equal(wrapped.status, 200)
    const wrapToken = wrapped.body.wrap_info.token
    const text = readFileSync(files.hashed, 'utf8')
    assert.ok(!text.includes(wrapToken), 'the wrapping token never appears in clear')
    assert.ok(!text.includes('wrapped-secret-1'))
    const res = entries(files.hashed).find(
      (e) => e.type === 'response' && e.request.path === 'secret/data/wrapped' && e.response?.wrap_info,
    )
    assert.ok(res, 'the response entry carries wrap_info')
    assert.equal(res.request.wrap_ttl, 60)
    assert.equal(res.response.wrap_info.ttl, 60)
    const hash = (await t.call('POST', 'sys/audit-hash/hashed', { body: { input: wrapToken } })).body.hash
    assert.equal(res.response.wrap_info.token, hash)
    assert.match(res.response.wrap_info.accessor, /^hmac-sha256:/)
    const clear = entries(files.clear).find(
      (e) => e.type === 'response' && e.request.path === 'secret/data/wrapped' && e.response?.wrap_info,
    )
    assert.equal(clear.response.wrap_info.accessor, wrapped.body.wrap_info.accessor)
    assert.match(
      clear.response.wrap_info.token,
      /^hmac-sha256:/,
      'hmac_accessor=false still hashes the token',
    )
  })

  it('TestElideListResponses end to end: a list answer’s keys become a count on that device only', async () => {
    const list = await t.call('LIST', 'secret/metadata/')
    assert.equal(list.status, 200)
    const find = (file: string) =>
      entries(file).find(
        (e) =>
          e.type === 'response' && e.request.operation === 'list' && e.request.path === 'secret/metadata/',
      )
    assert.equal(find(files.hashed).response.data.keys, list.body.data.keys.length)
    const keys = find(files.clear).response.data.keys
    assert.equal(keys.length, list.body.data.keys.length, 'a device without the option records the keys')
    for (const key of keys) assert.match(key, /^hmac-sha256:/)
  })

  it('token create: the minted token in response.auth and in a lookup’s data is never in clear', async () => {
    const created = await t.call('POST', 'auth/token/create', { body: { policies: ['default'], ttl: '1h' } })
    const token = created.body.auth.client_token
    const lookup = await t.call('POST', 'auth/token/lookup', { body: { token } })
    assert.equal(lookup.status, 200)
    const text = readFileSync(files.hashed, 'utf8') + readFileSync(files.clear, 'utf8')
    assert.ok(!text.includes(token), 'the token never appears in clear, in auth or in data')
  })

  it('error entries (OuterErr): the error recorded, the refused values never in clear', async () => {
    const malformed = await fetch(`${t.address}/v1/secret/data/err`, {
      method: 'POST',
      headers: { 'X-Vault-Token': t.rootToken, 'content-type': 'application/json' },
      body: '{"data": {"password": "malformed-secret-1", }',
    })
    assert.equal(malformed.status, 400)
    const badCas = await t.call('POST', 'secret/data/err', {
      body: { data: { password: 'cas-secret-2' }, options: { cas: 'not-a-number' } },
    })
    assert.equal(badCas.status, 400)
    for (const file of [files.hashed, files.clear]) {
      const text = readFileSync(file, 'utf8')
      assert.ok(!text.includes('malformed-secret-1'))
      assert.ok(!text.includes('cas-secret-2'))
    }
    const res = entries(files.hashed).findLast(
      (e) => e.type === 'response' && e.request.path === 'secret/data/err',
    )
    assert.equal(res.error, badCas.body.errors[0])
    assert.match(res.request.data.data.password, /^hmac-sha256:/)
  })

  it('TestAuditedHeadersConfig_CRUD / _ApplyConfig / TestAuditBroker_AuditHeaders: sys/config/auditing/request-headers', async () => {
    const put = await t.call('PUT', 'sys/config/auditing/request-headers/X-Test-Header', {
      body: { hmac: false },
    })
    const putHmac = await t.call('PUT', 'sys/config/auditing/request-headers/X-Vault-Header', {
      body: { hmac: true },
    })
    assert.equal(put.status, 204)
    assert.equal(putHmac.status, 204)
    const list = await t.call('GET', 'sys/config/auditing/request-headers')
    assert.deepEqual(list.body.data.headers, {
      'x-test-header': { hmac: false },
      'x-vault-header': { hmac: true },
    })
    await t.call('GET', 'sys/mounts', {
      headers: { 'X-Test-Header': 'foo', 'X-Vault-Header': 'bar-header-secret', 'X-Other': 'baz' },
    })
    const req = entries(files.hashed).findLast((e) => e.type === 'request' && e.request.path === 'sys/mounts')
    const hash = (await t.call('POST', 'sys/audit-hash/hashed', { body: { input: 'bar-header-secret' } }))
      .body.hash
    assert.deepEqual(req.request.headers, { 'x-test-header': ['foo'], 'x-vault-header': [hash] })
    const del = await t.call('DELETE', 'sys/config/auditing/request-headers/x-TEST-header')
    assert.equal(del.status, 204)
  })
})
