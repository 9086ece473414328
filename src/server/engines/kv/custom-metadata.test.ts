// Tests for custom_metadata parsing and Vault's limits and messages.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata.ts'

describe('parseCustomMetadata', () => {
  it('weakly decodes scalars to strings as Vault does', () => {
    assert.deepEqual(parseCustomMetadata({ s: 'x', n: 1.5, t: true, f: false }), {
      s: 'x',
      n: '1.5',
      t: '1',
      f: '0',
    })
  })

  it('accepts a JSON object given as a string', () => {
    assert.deepEqual(parseCustomMetadata('{"a":"b"}'), { a: 'b' })
  })

  it('keeps nulls for PATCH and empties them for a write', () => {
    assert.deepEqual(parseCustomMetadata({ a: null }, true), { a: null })
    assert.deepEqual(parseCustomMetadata({ a: null }), { a: '' })
  })

  it('keeps a "__proto__" key as data, for a write and a PATCH', () => {
    const parsed = parseCustomMetadata(JSON.parse('{"__proto__":"x","a":"b"}'))
    assert.equal(JSON.stringify(parsed), '{"__proto__":"x","a":"b"}')
    assert.equal(
      JSON.stringify(parseCustomMetadata(JSON.parse('{"__proto__":null}'), true)),
      '{"__proto__":null}',
    )
  })

  it('refuses nested values and non-objects', () => {
    assert.throws(() => parseCustomMetadata({ a: { b: 1 } }), { status: 400 })
    assert.throws(() => parseCustomMetadata(['a']), { status: 400 })
  })
})

describe('validateCustomMetadata', () => {
  it('accepts the limits exactly', () => {
    const map = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [`k${i}`.padEnd(128, 'x'), 'v'.repeat(512)]),
    )
    validateCustomMetadata(map)
  })

  it('counts bytes, not characters', () => {
    // 43 three-byte characters = 129 bytes.
    assert.throws(() => validateCustomMetadata({ ['€'.repeat(43)]: 'v' }), /length of key .* is 129/)
    validateCustomMetadata({ ['€'.repeat(42)]: 'v' })
  })

  it('lists every problem in one Go-multierror message', () => {
    assert.throws(() => validateCustomMetadata({ '': 'v', k: '' }), {
      status: 400,
      message:
        '2 errors occurred:\n' +
        '\t* custom_metadata validation failed: length of key "" is 0 but must be 0 < len(key) <= 128\n' +
        '\t* custom_metadata validation failed: length of value for key "k" is 0 but must be 0 < len(value) <= 512\n\n',
    })
  })

  it('refuses unprintable characters', () => {
    assert.throws(
      () => validateCustomMetadata({ 'a\u0001': 'v' }),
      // Vault's form: Go-quoted (the culprit escaped), then as sent.
      /key "a\\x01" \(a\u0001\) contains unprintable characters/,
    )
    assert.throws(
      () => validateCustomMetadata({ a: 'line\nbreak' }),
      /value for key "a" contains unprintable/,
    )
    validateCustomMetadata({ 'ünï cødé': 'emoji 🙂 ok' })
  })

  it('ignores null entries (keys a PATCH removes)', () => {
    validateCustomMetadata({ a: null })
  })
})
