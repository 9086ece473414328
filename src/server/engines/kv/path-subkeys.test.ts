// Tests for KV v2 subkeys/: structure without values, depth, versions and the 404-with-body cases.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stripValues } from './path-subkeys.ts'
import { dataOf, makeKv } from './test-helpers.ts'

const SECRET = { foo: 'abc', bar: { baz: 'def', deep: { x: 1 } }, empty: {}, list: [1, { a: 2 }] }

describe('stripValues', () => {
  it('replaces every leaf with null and keeps nesting', () => {
    assert.deepEqual(stripValues(SECRET, 0), {
      foo: null,
      bar: { baz: null, deep: { x: null } },
      empty: null,
      list: null,
    })
  })

  it('cuts off at depth, never exposing a value', () => {
    assert.deepEqual(stripValues(SECRET, 1), { foo: null, bar: null, empty: null, list: null })
    assert.deepEqual(stripValues(SECRET, 2), {
      foo: null,
      bar: { baz: null, deep: null },
      empty: null,
      list: null,
    })
  })

  it('shows a "__proto__" key like any other', () => {
    const secret = JSON.parse('{"__proto__":{"x":"v"},"y":"w"}')
    assert.equal(JSON.stringify(stripValues(secret, 0)), '{"__proto__":{"x":null},"y":null}')
    assert.equal(JSON.stringify(stripValues(secret, 1)), '{"__proto__":null,"y":null}')
  })
})

describe('KV v2 subkeys/', () => {
  it('returns subkeys and the version metadata', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: SECRET })
    const response = dataOf(await kv.call('read', 'subkeys/k', { depth: '2' }))
    assert.deepEqual(response['subkeys'], {
      foo: null,
      bar: { baz: null, deep: null },
      empty: null,
      list: null,
    })
    assert.equal((response['metadata'] as Record<string, unknown>)['version'], 1)
    assert.ok(!JSON.stringify(response).includes('abc'))
  })

  it('reads an older version and answers 404 with metadata for a deleted one', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { one: 1 } })
    await kv.call('update', 'data/k', { data: { two: 2 } })
    assert.deepEqual(dataOf(await kv.call('read', 'subkeys/k', { version: '1' }))['subkeys'], { one: null })
    await kv.call('delete', 'data/k')
    const deleted = await kv.call('read', 'subkeys/k')
    assert.equal(deleted?.status, 404)
    assert.equal(dataOf(deleted)['subkeys'], null)
    assert.equal((dataOf(deleted)['metadata'] as Record<string, unknown>)['version'], 2)
  })

  it('returns undefined for a missing key or version', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.call('read', 'subkeys/none'), undefined)
    await kv.call('update', 'data/k', { data: { a: 1 } })
    assert.equal(await kv.call('read', 'subkeys/k', { version: '5' }), undefined)
  })
})
