// Vault's audit HMAC format and the field-by-field hashing rules, on a Vault-shaped response entry.
import assert from 'node:assert/strict'
import { createSecretKey } from 'node:crypto'
import { describe, it } from 'node:test'
import { type AuditEntry, buildEntry } from './entry.ts'
import { auditHmac, type HashOptions, hashEntry, withExemptions } from './hmac.ts'

// Vault salts are UUID strings and its HMAC key is the salt's bytes as they are.
const SALT = Buffer.from('5d7e8c4a-3a2b-4f1e-9c6d-0a1b2c3d4e5f')
const h = (value: string) => auditHmac(SALT, value)
/** Compare audit data as the JSON line shows it (a `__proto__` key is an own property of the copy). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

function sample(): AuditEntry {
  return buildEntry({
    type: 'response',
    time: '2024-05-01T10:00:00.123456789Z',
    auth: {
      clientToken: 'hvs.client',
      accessor: 'acc-client',
      displayName: 'userpass-alice',
      policies: ['default', 'dev'],
      tokenPolicies: ['default', 'dev'],
      metadata: { username: 'alice' },
      entityId: 'ent-1',
      tokenType: 'service',
      tokenTtl: 3600,
    },
    request: {
      id: 'req-1',
      operation: 'update',
      mountType: 'kv',
      mountAccessor: 'kv_1234',
      clientToken: 'hvs.client',
      clientTokenAccessor: 'acc-client',
      path: 'secret/data/app',
      data: { data: { password: 's3cr3t', port: 5432, tls: true, hosts: ['a', 'b'], none: null }, cas: 0 },
      remoteAddress: '127.0.0.1',
      remotePort: 50000,
    },
    response: {
      auth: { clientToken: 'hvs.minted', accessor: 'acc-minted', displayName: 'x', tokenType: 'service' },
      secret: { leaseId: 'database/creds/ro/abc' },
      data: { username: 'v-user', nested: [{ k: 'v' }, 7] },
      wrapInfo: {
        ttl: 60,
        token: 'hvs.wrap',
        accessor: 'acc-wrap',
        creationTime: '2024-05-01T10:00:00Z',
        creationPath: 'secret/data/app',
        wrappedAccessor: 'acc-wrapped',
      },
    },
  })
}

it('formats HMAC-SHA256 keyed with the salt as "hmac-sha256:<hex>" (known answers from openssl dgst -hmac)', () => {
  assert.equal(h('foo'), 'hmac-sha256:60a43ed9c601777bc287dc8b148252bd32381ed90579a914c97cf7c2baafdf8c')
  assert.equal(
    h('s.abcdEFGH1234'),
    'hmac-sha256:26371487f68687345f953a64cf1d143fad4b29bf2a134eeaa2ddd017d7d26ef8',
  )
  assert.equal(auditHmac(createSecretKey(SALT), 'foo'), h('foo'))
})

it('hashes tokens, accessors and every data string and number, and nothing else', () => {
  const out = hashEntry(sample(), SALT, { hmacAccessor: true, logRaw: false })
  assert.deepEqual(out.auth, {
    client_token: h('hvs.client'),
    accessor: h('acc-client'),
    display_name: 'userpass-alice',
    policies: ['default', 'dev'],
    token_policies: ['default', 'dev'],
    metadata: { username: 'alice' },
    entity_id: 'ent-1',
    token_type: 'service',
    token_ttl: 3600,
  })
  assert.equal(out.request?.client_token, h('hvs.client'))
  assert.equal(out.request?.client_token_accessor, h('acc-client'))
  assert.equal(out.request?.path, 'secret/data/app')
  assert.equal(out.request?.remote_address, '127.0.0.1')
  // Numbers are HMAC'd as their decimal text (Vault sees request JSON numbers as json.Number strings).
  assert.deepEqual(plain(out.request?.data), {
    data: { password: h('s3cr3t'), port: h('5432'), tls: true, hosts: [h('a'), h('b')], none: null },
    cas: h('0'),
  })
  assert.deepEqual(out.response?.auth, {
    client_token: h('hvs.minted'),
    accessor: h('acc-minted'),
    display_name: 'x',
    token_type: 'service',
  })
  assert.deepEqual(out.response?.secret, { lease_id: 'database/creds/ro/abc' })
  assert.deepEqual(plain(out.response?.data), { username: h('v-user'), nested: [{ k: h('v') }, h('7')] })
  assert.deepEqual(out.response?.wrap_info, {
    ttl: 60,
    token: h('hvs.wrap'),
    accessor: h('acc-wrap'),
    creation_time: '2024-05-01T10:00:00Z',
    creation_path: 'secret/data/app',
    wrapped_accessor: h('acc-wrapped'),
  })
  assert.equal(out.response?.mount_type, 'kv')
})

it('leaves accessors in clear with hmac_accessor=false, but still hashes tokens', () => {
  const out = hashEntry(sample(), SALT, { hmacAccessor: false, logRaw: false })
  assert.equal(out.auth?.accessor, 'acc-client')
  assert.equal(out.auth?.client_token, h('hvs.client'))
  assert.equal(out.request?.client_token_accessor, 'acc-client')
  assert.equal(out.request?.client_token, h('hvs.client'))
  assert.equal(out.response?.auth?.accessor, 'acc-minted')
  assert.equal(out.response?.wrap_info?.accessor, 'acc-wrap')
  assert.equal(out.response?.wrap_info?.wrapped_accessor, 'acc-wrapped')
  assert.equal(out.response?.wrap_info?.token, h('hvs.wrap'))
})

it('hashes nothing with log_raw', () => {
  const input = sample()
  const out = hashEntry(input, SALT, { hmacAccessor: true, logRaw: true })
  assert.deepEqual(plain(out), plain(input))
  assert.notEqual(out, input)
})

it('keeps values under non-HMAC keys in clear, per side, by nearest enclosing key', () => {
  const out = hashEntry(sample(), SALT, {
    hmacAccessor: true,
    logRaw: false,
    nonHmacRequestKeys: ['hosts'],
    nonHmacResponseKeys: ['username'],
  })
  const reqData = out.request?.data?.['data'] as Record<string, unknown>
  assert.deepEqual(reqData['hosts'], ['a', 'b'])
  assert.equal(reqData['password'], h('s3cr3t'))
  assert.equal(out.response?.data?.['username'], 'v-user')
  // The request-side exemption does not leak into the response and vice versa.
  assert.deepEqual(plain(out.response?.data?.['nested']), [{ k: h('v') }, h('7')])
})

it('never mutates its input (deep-frozen)', () => {
  const input = deepFreeze(sample())
  const snapshot = structuredClone(input)
  const out = hashEntry(input, SALT, { hmacAccessor: true, logRaw: false, elideListResponses: true })
  assert.deepEqual(input, snapshot)
  assert.notEqual(out.request?.data, input.request?.data)
})

it('elides list response keys to counts when asked, before hashing', () => {
  const entry = buildEntry({
    type: 'response',
    time: '2024-05-01T10:00:00Z',
    request: { id: 'r', operation: 'list', path: 'secret/metadata/' },
    response: { data: { keys: ['a', 'b', 'c'], key_info: { a: {}, b: {} }, other: 'x' } },
  })
  const out = hashEntry(entry, SALT, { hmacAccessor: true, logRaw: false, elideListResponses: true })
  assert.deepEqual(plain(out.response?.data), { keys: 3, key_info: 2, other: h('x') })
  const kept = hashEntry(entry, SALT, { hmacAccessor: true, logRaw: false })
  assert.deepEqual(kept.response?.data?.['keys'], [h('a'), h('b'), h('c')])
})

describe('audited request headers', () => {
  const withHeaders = (type: 'request' | 'response') =>
    buildEntry({
      type,
      time: '2024-05-01T10:00:00Z',
      request: {
        id: 'r',
        operation: 'read',
        path: 'sys/mounts',
        clientToken: 'hvs.client',
        headers: { 'x-clear': ['visible'], 'x-secret': ['hidden-1', 'hidden-2'] },
      },
    })

  it('HMACs every header value but those the exemptions keep in clear, in request and response entries', () => {
    const options = withExemptions(
      { hmacAccessor: true, logRaw: false },
      {
        request: [],
        response: [],
        clearHeaders: new Set(['x-clear']),
      },
    )
    for (const type of ['request', 'response'] as const) {
      const out = hashEntry(withHeaders(type), SALT, options)
      assert.deepEqual(plain(out.request?.headers), {
        'x-clear': ['visible'],
        'x-secret': [h('hidden-1'), h('hidden-2')],
      })
    }
  })

  it('HMACs all of them without exemptions: nothing is in clear unless configured so', () => {
    const out = hashEntry(withHeaders('request'), SALT, { hmacAccessor: true, logRaw: false })
    assert.deepEqual(plain(out.request?.headers), {
      'x-clear': [h('visible')],
      'x-secret': [h('hidden-1'), h('hidden-2')],
    })
  })

  it('still HMACs the hmac headers under log_raw, as Vault does (it hashes them before the formatter)', () => {
    const options = withExemptions(
      { hmacAccessor: true, logRaw: true },
      {
        request: [],
        response: [],
        clearHeaders: new Set(['x-clear']),
      },
    )
    const out = hashEntry(withHeaders('request'), SALT, options)
    assert.equal(out.request?.client_token, 'hvs.client', 'log_raw leaves the rest in clear')
    assert.deepEqual(plain(out.request?.headers), {
      'x-clear': ['visible'],
      'x-secret': [h('hidden-1'), h('hidden-2')],
    })
  })

  it('merges the clear set into one options object per (device options, exemptions), remembered', () => {
    const device: HashOptions = { hmacAccessor: true, logRaw: false }
    const clear = new Set(['x-clear'])
    const request: string[] = []
    const response: string[] = []
    const once = withExemptions(device, { request, response, clearHeaders: clear })
    assert.equal(withExemptions(device, { request, response, clearHeaders: clear }), once)
    assert.equal(once.clearHeaders, clear)
    assert.notEqual(withExemptions(device, { request, response, clearHeaders: new Set(['x-clear']) }), once)
    assert.equal(
      withExemptions(device, { request, response }),
      device,
      'no exemption: the device’s own object',
    )
  })
})
