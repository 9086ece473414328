// The nonce pool: every nonce handed out is distinct, across refills of the pool, and of the size asked for.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nextNonce } from './nonce-pool.ts'

describe('nonce pool', () => {
  it('hands out distinct nonces of the asked size across many refills', () => {
    const seen = new Set<string>()
    // 6 KiB pool, 12-byte nonces: 20,000 of them cross the refill point about forty times.
    for (let i = 0; i < 20_000; i++) {
      const nonce = nextNonce(12)
      assert.equal(nonce.length, 12)
      const hex = nonce.toString('hex')
      assert.ok(!seen.has(hex), `nonce ${i} repeated`)
      seen.add(hex)
    }
  })

  it('mixes sizes without overlapping views', () => {
    const a = Buffer.from(nextNonce(24))
    const b = Buffer.from(nextNonce(12))
    assert.notDeepEqual(a.subarray(12), b)
    assert.throws(() => nextNonce(10_000), RangeError)
  })
})
