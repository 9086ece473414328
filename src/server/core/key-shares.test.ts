// Share collection for the key ceremonies: length bounds, duplicates, recombination errors and wiping.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { alreadyProvided, checkShareLength, combineCollected, wipe } from './key-shares.ts'
import { splitKey } from './shamir.ts'

describe('checkShareLength', () => {
  it('takes 16 to 33 bytes and names the bound it refuses', () => {
    checkShareLength(new Uint8Array(16))
    checkShareLength(new Uint8Array(33))
    assert.throws(
      () => checkShareLength(new Uint8Array(15)),
      (error: Error) =>
        error instanceof InvalidRequestError && /shorter than minimum 16 bytes/.test(error.message),
    )
    assert.throws(
      () => checkShareLength(new Uint8Array(34)),
      (error: Error) =>
        error instanceof InvalidRequestError && /longer than maximum 33 bytes/.test(error.message),
    )
    assert.throws(() => checkShareLength(new Uint8Array(0)), InvalidRequestError)
  })
})

describe('alreadyProvided', () => {
  it('finds an equal share and ignores different or differently sized ones', () => {
    const a = new Uint8Array(33).fill(1)
    const b = new Uint8Array(33).fill(2)
    assert.equal(alreadyProvided([], a), false)
    assert.equal(alreadyProvided([b], a), false)
    assert.equal(alreadyProvided([b, new Uint8Array(a)], a), true)
    assert.equal(alreadyProvided([a.subarray(0, 32)], a), false)
  })
})

describe('combineCollected', () => {
  it('rebuilds the key from a threshold of shares, in any order', async () => {
    const key = randomBytes(32)
    const shares = await splitKey(key, 5, 3)
    const rebuilt = await combineCollected([shares[4]!, shares[0]!, shares[2]!], 3)
    assert.deepEqual(Buffer.from(rebuilt), key)
  })

  it('with a threshold of one the share is the key, returned as a copy the caller may wipe', async () => {
    const share = new Uint8Array(32).fill(7)
    const key = await combineCollected([share], 1)
    assert.deepEqual(key, share)
    key.fill(0)
    assert.equal(share[0], 7)
  })

  it('mixed lengths and a repeated x-coordinate are 400s naming the problem', async () => {
    const shares = await splitKey(randomBytes(32), 3, 2)
    await assert.rejects(
      combineCollected([shares[0]!, shares[1]!.subarray(0, 20)], 2),
      (error: Error) =>
        error instanceof InvalidRequestError &&
        error.message === 'failed to compute root key: all key shares must be the same length',
    )
    const forged = new Uint8Array(shares[1]!)
    forged[forged.length - 1] = shares[0]![shares[0]!.length - 1]!
    await assert.rejects(
      combineCollected([shares[0]!, forged], 2),
      /failed to compute root key: duplicate key share detected/,
    )
  })
})

describe('wipe', () => {
  it('zeroes every share and empties the list', () => {
    const a = new Uint8Array(16).fill(9)
    const list = [a, new Uint8Array(16).fill(3)]
    wipe(list)
    assert.equal(list.length, 0)
    assert.ok(a.every((byte) => byte === 0))
  })
})
