// Tests for the wrap TTL parsing shared by X-Vault-Wrap-TTL and sys/wrapping.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseDuration } from '../../lib/duration.ts'
import { parseWrapTtl } from './wrapping.ts'

describe('parseWrapTtl', () => {
  it('reads seconds or a Go duration; empty means not wrapped', () => {
    assert.equal(parseWrapTtl('', parseDuration), 0)
    assert.equal(parseWrapTtl('300', parseDuration), 300)
    assert.equal(parseWrapTtl('5m', parseDuration), 300)
  })

  it('refuses garbage and durations longer than Go’s time.Duration with a 400', () => {
    for (const bad of ['soon', '99999999999999999999', '99999999999999h']) {
      assert.throws(() => parseWrapTtl(bad, parseDuration), {
        status: 400,
        message: `invalid wrap TTL "${bad}"`,
      })
    }
  })
})
