// In process: @coffer/client's SecretCache: LRU bound, one load per key, refresh-ahead, bounded stale-if-error.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { CofferConnectionError, CofferError, SecretCache } from '../../packages/client/src/index.ts'

function clock() {
  let now = 1_000_000
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) }
}

/** A loader that counts its calls and answers what `next` says. */
function loader(next: () => unknown) {
  const calls = { n: 0 }
  const load = async () => {
    calls.n++
    const v = next()
    if (v instanceof Error) throw v
    return { value: v }
  }
  return { calls, load }
}

it('keeps at most maxEntries keys, dropping the least recently used', async () => {
  const cache = new SecretCache({ maxEntries: 2 })
  const evicted: string[] = []
  cache.on('evicted', (key) => evicted.push(key))
  await cache.get('a', async () => ({ value: 1 }))
  await cache.get('b', async () => ({ value: 2 }))
  await cache.get('a', async () => ({ value: 1 }))
  await cache.get('c', async () => ({ value: 3 }))
  assert.deepEqual(evicted, ['b'])
  assert.deepEqual(cache.keys().sort(), ['a', 'c'])
})

it('shares one load among concurrent callers of an empty key', async () => {
  const cache = new SecretCache()
  const { calls, load } = loader(() => 'v')
  const values = await Promise.all(Array.from({ length: 10 }, () => cache.get('k', load)))
  assert.ok(values.every((v) => v === 'v'))
  assert.equal(calls.n, 1)
})

it('serves stale only while the server is unavailable and only for staleIfError seconds', async () => {
  const c = clock()
  const cache = new SecretCache({ ttl: 10, staleIfError: 30, refreshAheadFraction: 0 }, c.now)
  let answer: unknown = 'v1'
  const { load } = loader(() => answer)
  await cache.get('k', load)
  answer = new CofferError('GET', 'k', 503, ['sealed'])
  c.advance(20)
  assert.equal(await cache.get('k', load), 'v1')
  answer = new CofferConnectionError('GET', 'k', 'no answer (ECONNREFUSED)')
  assert.equal(await cache.get('k', load), 'v1')
  c.advance(25)
  await assert.rejects(cache.get('k', load), CofferConnectionError)
})

it('drops the value as soon as the server answers 403 or 404, never serving it stale', async () => {
  for (const status of [403, 404]) {
    const c = clock()
    const cache = new SecretCache({ ttl: 10, staleIfError: 3600 }, c.now)
    let answer: unknown = 'v1'
    const { load } = loader(() => answer)
    await cache.get('k', load)
    answer = new CofferError('GET', 'k', status, ['permission denied'])
    c.advance(11)
    await assert.rejects(
      cache.get('k', load),
      (e: unknown) => e instanceof CofferError && e.status === status,
    )
    assert.equal(cache.size, 0)
    answer = new CofferError('GET', 'k', 503, [])
    await assert.rejects(cache.get('k', load), (e: unknown) => e instanceof CofferError && e.status === 503)
  }
})

it('refresh-ahead loads once in the last fraction of the TTL and answers from the cache meanwhile', async () => {
  const c = clock()
  const cache = new SecretCache({ ttl: 100, refreshAheadFraction: 0.1 }, c.now)
  let answer = 'v1'
  const { calls, load } = loader(() => answer)
  await cache.get('k', load)
  answer = 'v2'
  c.advance(89)
  assert.equal(await cache.get('k', load), 'v1')
  assert.equal(calls.n, 1)
  c.advance(2)
  assert.deepEqual(await Promise.all([cache.get('k', load), cache.get('k', load)]), ['v1', 'v1'])
  await cache.settled()
  assert.equal(calls.n, 2)
  assert.equal(await cache.get('k', load), 'v2')
})

it('caps a lease_duration by the configured TTL, and follows a shorter one', async () => {
  const c = clock()
  const cache = new SecretCache({ ttl: 10, refreshAheadFraction: 0 }, c.now)
  let calls = 0
  const load = (ttl: number) => async () => ({ value: ++calls, ttl })
  await cache.get('long', load(3600))
  await cache.get('short', load(2))
  c.advance(3)
  assert.equal(await cache.get('long', load(3600)), 1)
  assert.equal(await cache.get('short', load(2)), 3, 'expired after its own 2 s')
  c.advance(8)
  assert.equal(await cache.get('long', load(3600)), 4, 'expired after the configured 10 s')
})

/** A loader whose answers the test releases one by one, in any order. */
function gatedLoader() {
  const pending: Array<(value: string) => void> = []
  let calls = 0
  const load = () => {
    calls++
    return new Promise<{ value: string }>((resolve) => pending.push((value) => resolve({ value })))
  }
  return { load, pending, calls: () => calls }
}

it('an event during a background load: the load made after it wins, whatever order the answers come in', async () => {
  const c = clock()
  const cache = new SecretCache({ ttl: 10, refreshAheadFraction: 0.5 }, c.now)
  const gate = gatedLoader()
  const first = cache.get('k', gate.load)
  gate.pending[0]!('v1')
  assert.equal(await first, 'v1')
  c.advance(6)
  assert.equal(await cache.get('k', gate.load), 'v1', 'a hit that starts a background load (load 2)')
  // The change event arrives while load 2, which may have read before the write, is still under way.
  const refreshed = cache.refresh('k')
  assert.equal(gate.calls(), 3, 'the refresh does not piggyback on the older load')
  gate.pending[2]!('v2')
  await refreshed
  gate.pending[1]!('old')
  await cache.settled()
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(await cache.get('k', gate.load), 'v2')
  assert.equal(gate.calls(), 3)
})

it("a load that started before this client's own write does not put the old value back", async () => {
  const c = clock()
  const cache = new SecretCache({ ttl: 10 }, c.now)
  const gate = gatedLoader()
  const first = cache.get('k', gate.load)
  gate.pending[0]!('v1')
  await first
  c.advance(11)
  const before = cache.get('k', gate.load)
  cache.delete('k')
  const afterWrite = cache.get('k', gate.load)
  assert.equal(gate.calls(), 3)
  gate.pending[2]!('v2')
  assert.equal(await afterWrite, 'v2')
  gate.pending[1]!('old')
  assert.equal(await before, 'old', 'a reader that started before the write may see the old value')
  assert.equal(await cache.get('k', gate.load), 'v2')
  assert.equal(gate.calls(), 3)
})
