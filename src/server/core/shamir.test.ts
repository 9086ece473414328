// Shamir splitting: any threshold-sized subset rebuilds the key; validation follows Vault's seal rules.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { combineShares, splitKey, validateShareConfig } from './shamir.ts'

/** Every k-element subset of `items`, in order. */
function subsets<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]]
  if (items.length < k) return []
  const [head, ...rest] = items as [T, ...T[]]
  return [...subsets(rest, k - 1).map((s) => [head, ...s]), ...subsets(rest, k)]
}

describe('shamir', () => {
  it('rebuilds the key from every threshold-sized subset of shares', async () => {
    const key = new Uint8Array(randomBytes(32))
    const shares = await splitKey(key, 5, 3)
    assert.equal(shares.length, 5)
    for (const share of shares) assert.equal(share.byteLength, 33)
    const all = subsets(shares, 3)
    assert.equal(all.length, 10)
    for (const subset of all) assert.deepEqual(await combineShares(subset), key)
    assert.deepEqual(await combineShares(shares), key, 'more than the threshold also works')
  })

  it('gives a different key from fewer shares than the threshold', async () => {
    const key = new Uint8Array(randomBytes(32))
    const shares = await splitKey(key, 5, 3)
    for (const pair of subsets(shares, 2)) assert.notDeepEqual(await combineShares(pair), key)
  })

  it('accepts Buffers as well as plain Uint8Arrays', async () => {
    const key = randomBytes(32)
    const shares = await splitKey(key, 3, 2)
    assert.deepEqual(await combineShares(shares.slice(1).map((s) => Buffer.from(s))), new Uint8Array(key))
  })

  it('uses the key itself as the single share of a 1-of-1 seal', async () => {
    const key = new Uint8Array(randomBytes(32))
    const shares = await splitKey(key, 1, 1)
    assert.deepEqual(shares, [key])
    assert.deepEqual(await combineShares(shares), key)
  })

  it('validates shares and threshold with Vault messages', async () => {
    const key = new Uint8Array(32).fill(1)
    const cases: [number, number, string][] = [
      [3, 4, 'threshold cannot be larger than shares'],
      [3, 0, 'threshold must be at least one'],
      [0, 0, 'shares must be at least one'],
      [256, 3, 'shares must be less than 256'],
      [3, 1, 'threshold must be greater than one for multiple shares'],
      [2.5, 2, 'shares and threshold must be whole numbers'],
    ]
    for (const [shares, threshold, message] of cases) {
      await assert.rejects(splitKey(key, shares, threshold), (error: unknown) => {
        assert.ok(error instanceof InvalidRequestError)
        assert.equal(error.message, `invalid seal configuration: ${message}`)
        return true
      })
    }
    assert.doesNotThrow(() => validateShareConfig(255, 255))
    await assert.rejects(splitKey(new Uint8Array(0), 3, 2), InvalidRequestError)
  })

  it('rejects malformed share sets', async () => {
    const shares = await splitKey(new Uint8Array(32).fill(7), 3, 2)
    const [a, b] = shares as [Uint8Array, Uint8Array]
    await assert.rejects(combineShares([]), /no key shares/)
    await assert.rejects(combineShares([a, a]), /duplicate/)
    await assert.rejects(combineShares([a, b.subarray(1)]), /same length/)
    await assert.rejects(combineShares([new Uint8Array(1), new Uint8Array(1)]), /at least two bytes/)
  })
})
