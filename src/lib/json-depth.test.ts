// The nesting-depth scan: exact boundary, strings and escapes skipped, and no recursion on huge input.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exceedsJsonDepth } from './json-depth.ts'

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`
const objects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`

describe('exceedsJsonDepth', () => {
  it('allows exactly the limit and refuses one more, for arrays, objects and a mix', () => {
    assert.equal(exceedsJsonDepth(nested(5), 5), false)
    assert.equal(exceedsJsonDepth(nested(6), 5), true)
    assert.equal(exceedsJsonDepth(objects(5), 5), false)
    assert.equal(exceedsJsonDepth(objects(6), 5), true)
    assert.equal(exceedsJsonDepth('{"a":[{"b":[1]}]}', 4), false)
    assert.equal(exceedsJsonDepth('{"a":[{"b":[1]}]}', 3), true)
    assert.equal(exceedsJsonDepth('"scalar"', 0), false)
  })

  it('counts depth, not how many containers there are', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '{"k":[1]}').join(',')}]`
    assert.equal(exceedsJsonDepth(wide, 3), false)
  })

  it('ignores brackets inside strings, including after escaped quotes and backslashes', () => {
    assert.equal(exceedsJsonDepth(`{"a":"${'['.repeat(1000)}"}`, 1), false)
    assert.equal(exceedsJsonDepth(`{"a":"\\"${'{'.repeat(100)}"}`, 1), false)
    // An escaped backslash ends the escape: the quote after it closes the string, so the brackets count.
    assert.equal(exceedsJsonDepth(`{"a":"\\\\",${'['.repeat(3)}`, 2), true)
    assert.equal(exceedsJsonDepth(`{"${'['.repeat(50)}":1}`, 1), false)
  })

  it('scans a million levels without overflowing the stack', () => {
    assert.equal(exceedsJsonDepth(nested(1_000_000), 500), true)
    assert.equal(exceedsJsonDepth(nested(1_000_000), 2_000_000), false)
  })

  it('treats stray closers and unterminated strings as the parser’s problem, not a crash', () => {
    assert.equal(exceedsJsonDepth(']]]]{[', 2), false)
    assert.equal(exceedsJsonDepth('{"open', 0), true)
    assert.equal(exceedsJsonDepth('"\\', 0), false)
  })

  it('clears a large shallow document with few openers, and still counts when openers are many', () => {
    const batch = JSON.stringify({
      batch_input: Array.from({ length: 100 }, () => ({ plaintext: 'x'.repeat(1400) })),
    })
    assert.equal(exceedsJsonDepth(batch, 500), false)
    // More openers than the limit, all inside strings or side by side: shallow, so not refused.
    assert.equal(exceedsJsonDepth(JSON.stringify({ a: '{'.repeat(600), b: Array(600).fill([]) }), 500), false)
    // Exactly the limit deep passes; one more is refused.
    assert.equal(exceedsJsonDepth(`${'['.repeat(500)}${']'.repeat(500)}`, 500), false)
    assert.equal(exceedsJsonDepth(`${'['.repeat(501)}${']'.repeat(501)}`, 500), true)
  })
})
