// The per-path access count: labels cut to mount + depth, and distinct labels capped with the rest under "other".
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OVERFLOW_PATH, PathAccessCounter } from './path-access.ts'

const counts = (counter: PathAccessCounter) => Object.fromEntries(counter.entries())

describe('PathAccessCounter', () => {
  it('keeps the mount and `depth` segments after it', () => {
    const counter = new PathAccessCounter(2, 100)
    counter.count('secret/', 'secret/data/app/db')
    counter.count('secret/', 'secret/data/app/cache')
    counter.count('secret/', 'secret/data/other')
    counter.count('secret/', 'secret/metadata/')
    counter.count('kv/', 'kv/team/app/x/y')
    assert.deepEqual(counts(counter), {
      'secret/data/app': 2,
      'secret/data/other': 1,
      'secret/metadata': 1,
      'kv/team/app': 1,
    })
  })

  it('depth 0 counts by mount only', () => {
    const counter = new PathAccessCounter(0, 100)
    counter.count('secret/', 'secret/data/app/db')
    counter.count('secret/', 'secret/data/b')
    assert.deepEqual(counts(counter), { 'secret/': 2 })
  })

  it('counts past the cap under "other", and keeps counting the labels it already has', () => {
    const counter = new PathAccessCounter(1, 3)
    for (let i = 0; i < 10; i++) counter.count('kv/', `kv/app${i}/x`)
    counter.count('kv/', 'kv/app0/y')
    const seen = counts(counter)
    assert.deepEqual(seen, { 'kv/app0': 2, 'kv/app1': 1, 'kv/app2': 1, [OVERFLOW_PATH]: 7 })
    // Cardinality is bounded whatever the traffic: the cap plus the overflow label.
    for (let i = 0; i < 10_000; i++) counter.count('kv/', `kv/n${i}`)
    assert.equal([...counter.entries()].length, 4)
  })

  it('refuses a depth or limit that cannot work', () => {
    assert.throws(() => new PathAccessCounter(-1, 10), RangeError)
    assert.throws(() => new PathAccessCounter(1, 0), RangeError)
  })
})
