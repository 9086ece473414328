// Replacement values for `coffer leak respond`: shape kept, short values upgraded, structured values refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FALLBACK_LENGTH, replacementFor, ValueShapeError } from './leak-value.ts'

test('keeps length and character classes, symbols limited to those used', () => {
  const old = 'Ab3-xY9_kL2-mN8_pQ'
  for (let i = 0; i < 50; i++) {
    const next = replacementFor(old)
    assert.equal(next.length, old.length)
    assert.notEqual(next, old)
    assert.match(next, /^[A-Za-z0-9_-]+$/)
    assert.match(next, /[a-z]/)
    assert.match(next, /[A-Z]/)
    assert.match(next, /[0-9]/)
    assert.match(next, /[_-]/)
  }
})

test('hex stays hex in its case; short or narrow values become 32 base62 characters', () => {
  assert.match(replacementFor('0123456789abcdef0123456789abcdef'), /^[0-9a-f]{32}$/)
  assert.match(replacementFor('0123456789ABCDEF01234567'), /^[0-9A-F]{24}$/)
  assert.match(replacementFor('hunter2'), new RegExp(`^[A-Za-z0-9]{${FALLBACK_LENGTH}}$`))
  assert.match(replacementFor('zzzzzzzzzzzzzzzzzzzz'), /^[a-z]{20}$/)
  assert.match(replacementFor('--__--__--__--__--'), /^[A-Za-z0-9]{32}$/)
})

test('values are not repeated and multi-line or non-ASCII values are refused', () => {
  const seen = new Set(Array.from({ length: 200 }, () => replacementFor('s3cret-password-value')))
  assert.equal(seen.size, 200)
  assert.throws(() => replacementFor('-----BEGIN KEY-----\nabc\n-----END KEY-----'), ValueShapeError)
  assert.throws(() => replacementFor('pässwörd-with-umlauts'), ValueShapeError)
})
