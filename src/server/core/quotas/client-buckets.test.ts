// ClientBuckets: a window per client address, fresh windows, blocks after a refusal, and the sweep of idle buckets.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClientBuckets } from './client-buckets.ts'

const allowed = (buckets: ClientBuckets, client: string, now: number, times: number) =>
  Array.from({ length: times }, () => buckets.take(client, now).allowed).filter(Boolean).length

describe('ClientBuckets', () => {
  it('allows the limit per window, per client, and counts what is left', () => {
    const buckets = new ClientBuckets(3, 1000, 0)
    assert.deepEqual(buckets.take('a', 0), { allowed: true, limit: 3, remaining: 2, resetAt: 1000 })
    assert.equal(allowed(buckets, 'a', 10, 5), 2)
    assert.deepEqual(buckets.take('a', 20), { allowed: false, limit: 3, remaining: 0, resetAt: 1000 })
    // Another address has its own window.
    assert.equal(allowed(buckets, 'b', 20, 5), 3)
  })

  it('opens a new window, aligned to the first, once the interval has passed', () => {
    const buckets = new ClientBuckets(2, 1000, 0)
    assert.equal(allowed(buckets, 'a', 500, 3), 2)
    assert.equal(buckets.take('a', 1499).allowed, false)
    const next = buckets.take('a', 1500)
    assert.deepEqual(next, { allowed: true, limit: 2, remaining: 1, resetAt: 2500 })
    // Several idle windows later the window still starts on the grid of the first.
    assert.equal(buckets.take('a', 7700).resetAt, 8500)
  })

  it('keeps a client that went over refused for the block interval, even across windows', () => {
    const buckets = new ClientBuckets(1, 1000, 5000)
    assert.equal(buckets.take('a', 0).allowed, true)
    const refused = buckets.take('a', 100)
    assert.deepEqual(refused, { allowed: false, limit: 1, remaining: 0, resetAt: 5100 })
    assert.equal(buckets.take('a', 2000).allowed, false)
    assert.equal(buckets.take('a', 5099).allowed, false)
    assert.equal(buckets.take('a', 5100).allowed, true)
    assert.equal(buckets.take('b', 200).allowed, true)
  })

  it('drops the buckets of idle clients and still counts the busy ones', () => {
    const buckets = new ClientBuckets(1, 1000, 0)
    for (let i = 0; i < 50; i++) buckets.take(`10.0.0.${i}`, 0)
    assert.equal(buckets.size, 50)
    buckets.take('busy', 59_500)
    assert.equal(buckets.take('busy', 60_000).allowed, false)
    assert.equal(buckets.size, 1)
  })
})
