// Tests for the creation counters' TTL buckets, which follow Vault's, and their counting by label set.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CreationCounter, ttlBucket } from './creation-counter.ts'

describe('creation counter', () => {
  it("buckets a TTL at the smallest of Vault's bounds at or above it, past the last as +Inf", () => {
    assert.deepEqual([1, 60, 61, 3600, 3601, 86400, 30 * 86400, 30 * 86400 + 1].map(ttlBucket), [
      '1m',
      '1m',
      '10m',
      '1h',
      '2h',
      '1d',
      '30d',
      '+Inf',
    ])
  })

  it('counts by label set and bucket', () => {
    const counter = new CreationCounter<'secret_engine' | 'mount_point'>()
    counter.count({ secret_engine: 'database', mount_point: 'database/' }, 3600)
    counter.count({ secret_engine: 'database', mount_point: 'database/' }, 3000)
    counter.count({ secret_engine: 'database', mount_point: 'db2/' }, 3600)
    assert.deepEqual(
      [...counter.entries()],
      [
        { secret_engine: 'database', mount_point: 'database/', creation_ttl: '1h', count: 2 },
        { secret_engine: 'database', mount_point: 'db2/', creation_ttl: '1h', count: 1 },
      ],
    )
  })
})
