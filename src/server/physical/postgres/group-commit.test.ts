// GroupCommit without a database: per-key collapse, grouping, which failures are retried batch by batch, exclusive jobs.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Change, collapse, GroupCommit } from './group-commit.ts'

const v = (n: number): Uint8Array => Uint8Array.of(n)
const failure = (code: string): Error => Object.assign(new Error(`failed ${code}`), { code })

describe('collapse', () => {
  it('keeps the last op per key in arrival order, across batches', () => {
    const change = collapse([
      [
        { op: 'put', key: 'a', value: v(1) },
        { op: 'delete', key: 'b' },
      ],
      [{ op: 'put', key: 'b', value: v(2) }],
      [
        { op: 'delete', key: 'a' },
        { op: 'put', key: 'c', value: v(3) },
        { op: 'put', key: 'c', value: v(4) },
      ],
    ])
    assert.deepEqual(change, { putKeys: ['b', 'c'], putValues: [v(2), v(4)], deleteKeys: ['a'] })
  })
})

describe('GroupCommit', () => {
  it('commits a synchronous burst as one group, and later writes as the next', async () => {
    const applied: Change[] = []
    const writer = new GroupCommit(async (change) => void applied.push(change))
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => writer.enqueue([{ op: 'put', key: `k${i}`, value: v(i) }])),
    )
    assert.equal(applied.length, 1)
    assert.deepEqual(writer.stats, { groups: 1, batches: 10 })
  })

  it('retries a group PostgreSQL refused one batch at a time, failing only the bad batch', async () => {
    const calls: string[][] = []
    const writer = new GroupCommit(async (change) => {
      calls.push(change.putKeys)
      if (change.putKeys.includes('bad')) throw failure('54000')
    })
    const results = await Promise.allSettled([
      writer.enqueue([{ op: 'put', key: 'one', value: v(1) }]),
      writer.enqueue([
        { op: 'put', key: 'neighbour', value: v(2) },
        { op: 'put', key: 'bad', value: v(3) },
      ]),
      writer.enqueue([{ op: 'put', key: 'two', value: v(4) }]),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    assert.deepEqual(calls, [['one', 'neighbour', 'bad', 'two'], ['one'], ['neighbour', 'bad'], ['two']])
  })

  it('fails a whole group at once when the connection, not the data, failed', async () => {
    let calls = 0
    const writer = new GroupCommit(async () => {
      calls++
      throw failure('ECONNRESET')
    })
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => writer.enqueue([{ op: 'delete', key: `k${i}` }])),
    )
    assert.ok(results.every((r) => r.status === 'rejected'))
    assert.equal(calls, 1)
  })

  it('runs an exclusive job after the writes queued before it and before those queued after', async () => {
    const order: string[] = []
    const writer = new GroupCommit(async (change) => void order.push(...change.putKeys, ...change.deleteKeys))
    await Promise.all([
      writer.enqueue([{ op: 'put', key: 'before', value: v(1) }]),
      writer.exclusive(async () => void order.push('exclusive')),
      writer.enqueue([{ op: 'delete', key: 'after' }]),
    ])
    assert.deepEqual(order, ['before', 'exclusive', 'after'])
  })

  it('refuses unstorable keys and non-byte values before queueing, and copies values on arrival', async () => {
    const applied: Change[] = []
    const writer = new GroupCommit(async (change) => void applied.push(change))
    await assert.rejects(writer.enqueue([{ op: 'delete', key: 'a\u0000b' }]), TypeError)
    await assert.rejects(
      writer.enqueue([{ op: 'put', key: 'x', value: 'text' as unknown as Uint8Array }]),
      TypeError,
    )
    const value = v(7)
    const pending = writer.enqueue([{ op: 'put', key: 'x', value }])
    value[0] = 9
    await pending
    assert.deepEqual(applied, [{ putKeys: ['x'], putValues: [v(7)], deleteKeys: [] }])
  })
})
