// Tests for Vault-style duration parsing and Go-style formatting, including the ~292-year upper bound.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatDuration, MAX_DURATION_SECONDS, parseDuration } from './duration.ts'

describe('parseDuration', () => {
  it('reads numbers, digit strings and unit strings as whole seconds', () => {
    assert.equal(parseDuration(90), 90)
    assert.equal(parseDuration('90'), 90)
    assert.equal(parseDuration('1h30m'), 5400)
    assert.equal(parseDuration('1.5h'), 5400)
    assert.equal(parseDuration('7d'), 604800)
    assert.equal(parseDuration(''), 0)
  })

  it("reads Go time.ParseDuration's other spellings: a sign, bare-dot fractions, both micro signs", () => {
    assert.equal(parseDuration('+1h'), 3600)
    assert.equal(parseDuration('+90'), 90)
    assert.equal(parseDuration('.5h'), 1800)
    assert.equal(parseDuration('1.h'), 3600)
    assert.equal(parseDuration('2000000µs'), 2, 'U+00B5 micro sign')
    assert.equal(parseDuration('2000000μs'), 2, 'U+03BC Greek mu')
    assert.equal(parseDuration('1.9s'), 1, 'truncated to whole seconds')
    assert.equal(parseDuration('-0s'), 0, 'a negative sign on nothing is zero, not negative')
    assert.equal(parseDuration('-0.5s'), 0, 'Vault truncates before its sign check')
    assert.throws(() => parseDuration('-1s', 'ttl'), /^RangeError: ttl: must be a non-negative duration/)
    assert.throws(() => parseDuration('-90', 'ttl'), /non-negative/)
    assert.throws(() => parseDuration('.h', 'ttl'), /cannot parse/)
    assert.throws(() => parseDuration('+-1h', 'ttl'), /cannot parse/)
  })

  it("accepts up to Go's longest time.Duration (2^63-1 ns)", () => {
    assert.equal(parseDuration('9223372036'), 9223372036)
    assert.equal(parseDuration(9223372036), 9223372036)
    assert.equal(parseDuration('2562047h'), 2562047 * 3600)
    assert.equal(Math.floor(MAX_DURATION_SECONDS), 9223372036)
  })

  it('refuses anything longer, naming the field, whatever the spelling', () => {
    for (const tooLong of ['99999999999999h', '9223372037', '9223372037s', '2562048h', 9223372037, 1e300]) {
      assert.throws(() => parseDuration(tooLong, 'delete_version_after'), {
        name: 'RangeError',
        message: 'delete_version_after: must be at most 9223372036 seconds (about 292 years)',
      })
    }
  })

  it('refuses malformed and negative values', () => {
    assert.throws(() => parseDuration('soon', 'ttl'), /^RangeError: ttl: cannot parse "soon"/)
    assert.throws(() => parseDuration(-1, 'ttl'), /non-negative/)
    assert.throws(() => parseDuration(Number.POSITIVE_INFINITY, 'ttl'), /non-negative/)
  })
})

describe('formatDuration', () => {
  it("prints seconds the way Go's time.Duration does", () => {
    assert.equal(formatDuration(0), '0s')
    assert.equal(formatDuration(3600), '1h0m0s')
    assert.equal(formatDuration(12319), '3h25m19s')
  })
})
