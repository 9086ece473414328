// Audit data copies: Vault's rule for non-string values, keys that are Object.prototype names, and any depth.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { copyData, DEPTH_MARKER, dataMemo, MAX_DATA_DEPTH } from './audit-data.ts'
import { type AuditEntry, buildEntry, type JsonObject, type JsonValue } from './entry.ts'
import { auditHmac, hashEntry } from './hmac.ts'

const SALT = Buffer.from('5d7e8c4a-3a2b-4f1e-9c6d-0a1b2c3d4e5f')
const h = (value: string) => auditHmac(SALT, value)
const HASHED = { hmacAccessor: true, logRaw: false }

function entry(requestData: JsonObject, responseData: JsonObject, operation = 'update'): AuditEntry {
  return buildEntry({
    type: 'response',
    time: 't',
    request: { id: 'r', operation, path: 'secret/data/x', data: requestData },
    response: { data: responseData },
  })
}

/** The entry as its audit line says it: what a SIEM or `coffer audit search` would read. */
const line = (value: AuditEntry) => JSON.parse(JSON.stringify(value))

it('HMACs strings and numbers (as decimal text) at any depth, keeps booleans and null, on both sides', () => {
  const data = {
    s: 'text',
    n: 5432,
    f: 1.5,
    neg: -7,
    big: 12n as unknown as JsonValue,
    t: true,
    no: false,
    nil: null,
    list: [1, 'a', [true, null, 2.25], { deep: 0 }],
    map: { inner: { pin: 1234 } },
  }
  const expected = {
    s: h('text'),
    n: h('5432'),
    f: h('1.5'),
    neg: h('-7'),
    big: h('12'),
    t: true,
    no: false,
    nil: null,
    list: [h('1'), h('a'), [true, null, h('2.25')], { deep: h('0') }],
    map: { inner: { pin: h('1234') } },
  }
  const out = line(hashEntry(entry(data, data), SALT, HASHED))
  assert.deepEqual(out.request.data, expected)
  assert.deepEqual(out.response.data, expected)
  // A value that JSON cannot carry goes the way JSON.stringify sends it, never in clear.
  const odd = line(
    hashEntry(
      entry(
        {
          nan: Number.NaN,
          when: new Date(0) as unknown as JsonValue,
          gone: undefined as unknown as JsonValue,
        },
        {},
      ),
      SALT,
      HASHED,
    ),
  )
  assert.deepEqual(odd.request.data, { nan: null, when: h('1970-01-01T00:00:00.000Z') })
})

it('keeps numbers in clear under non-HMAC keys and with log_raw, and never hashes list-elision counts', () => {
  const out = line(
    hashEntry(entry({ port: 5432 }, { ttl: 60 }), SALT, {
      ...HASHED,
      nonHmacRequestKeys: ['port'],
      nonHmacResponseKeys: ['ttl'],
    }),
  )
  assert.deepEqual([out.request.data, out.response.data], [{ port: 5432 }, { ttl: 60 }])
  const raw = line(hashEntry(entry({ port: 5432 }, { ttl: 60 }), SALT, { ...HASHED, logRaw: true }))
  assert.deepEqual([raw.request.data, raw.response.data], [{ port: 5432 }, { ttl: 60 }])
  const listed = line(
    hashEntry(entry({}, { keys: ['a', 'b'], key_info: { a: 1 }, n: 3 }, 'list'), SALT, {
      ...HASHED,
      elideListResponses: true,
    }),
  )
  assert.deepEqual(listed.response.data, { keys: 2, key_info: 1, n: h('3') })
})

it('records __proto__, constructor and prototype keys, HMAC’d, in request and response data', () => {
  // JSON.parse makes __proto__ an own key, exactly as a client's request body arrives.
  const data = JSON.parse(
    '{"__proto__":"p-secret","constructor":"c-secret","prototype":{"__proto__":{"x":"deep-secret"}},"ok":"v"}',
  ) as JsonObject
  const hashed = hashEntry(entry(data, data), SALT, HASHED)
  const text = JSON.stringify(hashed)
  for (const secret of ['p-secret', 'c-secret', 'deep-secret', '"v"']) assert.ok(!text.includes(secret))
  // Written as text: an object literal's __proto__ would set the prototype instead of a key.
  const expected = `{"__proto__":"${h('p-secret')}","constructor":"${h('c-secret')}","prototype":{"__proto__":{"x":"${h('deep-secret')}"}},"ok":"${h('v')}"}`
  const out = JSON.parse(text)
  for (const side of [out.request.data, out.response.data]) assert.equal(JSON.stringify(side), expected)
  // log_raw keeps them too (in clear, as log_raw means).
  const raw = JSON.stringify(hashEntry(entry(data, {}), SALT, { ...HASHED, logRaw: true }).request?.data)
  assert.equal(raw, JSON.stringify(data))
  assert.ok(raw.includes('"__proto__":"p-secret"'))
})

it('hashes and serialises 10,000-level data without overflowing the stack, marking what is cut off', () => {
  let nested: JsonValue = 'bottom-secret'
  for (let i = 0; i < 10_000; i++) nested = i % 2 === 0 ? [nested] : { k: nested }
  const data: JsonObject = { nested, shallow: 'x' }
  for (const logRaw of [false, true]) {
    const text = JSON.stringify(hashEntry(entry(data, data), SALT, { ...HASHED, logRaw }))
    assert.ok(!text.includes('bottom-secret'))
    const out = JSON.parse(text)
    for (const side of [out.request.data, out.response.data]) {
      assert.equal(side.shallow, logRaw ? 'x' : h('x'))
      // Walk down to the marker: every level above MAX_DATA_DEPTH is kept.
      let level = 1
      let node: unknown = side
      while (node !== null && typeof node === 'object') {
        node = Array.isArray(node)
          ? node[0]
          : ((node as Record<string, unknown>)['nested'] ?? (node as Record<string, unknown>)['k'])
        level++
      }
      assert.equal(node, DEPTH_MARKER)
      assert.equal(level, MAX_DATA_DEPTH + 1)
    }
  }
})

it('keeps data at the HTTP edge’s nesting limit (300 levels) whole', () => {
  let nested: JsonValue = 'leaf'
  for (let i = 0; i < 299; i++) nested = { k: nested }
  const out = line(hashEntry(entry({ k: nested }, {}), SALT, HASHED))
  assert.ok(!JSON.stringify(out).includes(DEPTH_MARKER))
  assert.ok(JSON.stringify(out).includes(h('leaf')))
})

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

it('memoises the hashed copy of a frozen subtree per device, and only where a fresh walk gives the same', () => {
  const memo = dataMemo()
  const clear = new Set<string>()
  const version1 = deepFreeze({ password: 'hunter22', pin: 1234, list: ['a', { b: 'c' }] })
  const first = copyData({ data: version1, metadata: { version: 1 } }, h, clear, false, memo)
  const again = copyData({ data: version1, metadata: { version: 1 } }, h, clear, false, memo)
  assert.equal(again['data'], first['data'], 'the same secret version reuses its hashed copy')
  assert.deepEqual(line(first as never), {
    data: { password: h('hunter22'), pin: h('1234'), list: [h('a'), { b: h('c') }] },
    metadata: { version: h('1') },
  })
  // A new secret version is a new object: hashed afresh.
  const version2 = deepFreeze({ password: 'changed', pin: 1234, list: ['a', { b: 'c' }] })
  const next = copyData({ data: version2 }, h, clear, false, memo)
  assert.equal((next['data'] as JsonObject)['password'], h('changed'))
  // Another device (another salt) has its own memo and its own HMACs.
  const otherSalt = Buffer.from('another salt')
  const other = copyData({ data: version1 }, (v) => auditHmac(otherSalt, v), clear, false, dataMemo())
  assert.equal((other['data'] as JsonObject)['password'], auditHmac(otherSalt, 'hunter22'))
  // A mount's exemptions change the copy: not reused across exemption sets.
  const exempt = copyData({ data: version1 }, h, new Set(['pin']), false, memo)
  assert.equal((exempt['data'] as JsonObject)['pin'], 1234)
  assert.equal((copyData({ data: version1 }, h, clear, false, memo)['data'] as JsonObject)['pin'], h('1234'))
})

it('does not memoise what could still change: unfrozen objects, frozen ones holding unfrozen children, dates', () => {
  const memo = dataMemo()
  const clear = new Set<string>()
  const open = { password: 'one' }
  copyData({ data: open }, h, clear, false, memo)
  open.password = 'two'
  assert.equal((copyData({ data: open }, h, clear, false, memo)['data'] as JsonObject)['password'], h('two'))
  const inner = { password: 'one' }
  const shallow = Object.freeze({ inner })
  copyData({ data: shallow }, h, clear, false, memo)
  inner.password = 'two'
  const copied = copyData({ data: shallow }, h, clear, false, memo)['data'] as JsonObject
  assert.equal((copied['inner'] as JsonObject)['password'], h('two'))
  const when = new Date(0)
  // A Date reaches audit data from a backend's response, outside JsonValue's type.
  const dated = Object.freeze({ when }) as unknown as JsonObject
  copyData({ data: dated }, h, clear, false, memo)
  when.setTime(1000)
  const redated = copyData({ data: dated }, h, clear, false, memo)['data'] as JsonObject
  assert.equal(redated['when'], h(new Date(1000).toISOString()))
})

it('keys a memoised frozen array by its enclosing key, which decides whether its items stay in clear', () => {
  const memo = dataMemo()
  const shared = deepFreeze(['1', '2'])
  const copied = copyData({ version: shared, other: shared }, h, new Set(['version']), false, memo)
  assert.deepEqual(copied['version'], ['1', '2'])
  assert.deepEqual(copied['other'], [h('1'), h('2')])
})
