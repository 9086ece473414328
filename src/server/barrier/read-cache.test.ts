// The barrier's read cache: hits, remembered absence, invalidation by writes, and emptying on seal.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { it } from 'node:test'
import {
  getJsonCached,
  getJsonShared,
  getJsonSharedCached,
  NOT_CACHED,
  type Storage,
  storageView,
} from '../../sdk/storage.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { Barrier } from './barrier.ts'
import { ReadCache } from './read-cache.ts'

const text = (s: string) => new TextEncoder().encode(s)

/** Counts physical reads so a test can tell a cache hit from a miss. */
function counting(inner: Storage): Storage & { reads: number } {
  const wrapped = {
    reads: 0,
    get: (key: string) => {
      wrapped.reads++
      return inner.get(key)
    },
    put: inner.put.bind(inner),
    delete: inner.delete.bind(inner),
    list: inner.list.bind(inner),
    batch: inner.batch.bind(inner),
  }
  return wrapped
}

it('serves repeat reads and known absence from memory, and sees every write', async () => {
  const physical = counting(new MemoryStorage())
  const barrier = new Barrier(physical)
  const key = randomBytes(32)
  await barrier.initialize(key)
  await barrier.unseal(key)
  const before = physical.reads
  assert.equal(await barrier.get('a'), undefined)
  assert.equal(await barrier.get('a'), undefined)
  assert.equal(physical.reads - before, 1, 'absence is remembered')
  await barrier.put('a', text('one'))
  assert.deepEqual(await barrier.get('a'), text('one'))
  await barrier.batch([{ op: 'put', key: 'a', value: text('two') }])
  assert.deepEqual(await barrier.get('a'), text('two'))
  const reads = physical.reads
  assert.deepEqual(await barrier.get('a'), text('two'))
  assert.equal(physical.reads, reads, 'a repeat read is a hit')
  await barrier.delete('a')
  assert.equal(await barrier.get('a'), undefined)
  barrier.seal()
  await barrier.unseal(key)
  const afterSeal = physical.reads
  await barrier.get('a')
  assert.equal(physical.reads - afterSeal, 1, 'sealing empties the cache')
})

it('does not cache what a read saw while a write overlapped it', () => {
  const cache = new ReadCache({ entries: 10, bytes: 1024 })
  const generation = cache.generation
  cache.invalidate(['k'])
  cache.fill('k', text('stale'), generation)
  assert.equal(cache.get('k'), undefined)
  cache.fill('k', text('fresh'), cache.generation)
  assert.deepEqual(cache.get('k'), text('fresh'))
})

it('evicts the least recently used entries past its limits', () => {
  const cache = new ReadCache({ entries: 2, bytes: 1024 })
  cache.fill('a', text('1'), cache.generation)
  cache.fill('b', text('2'), cache.generation)
  cache.get('a')
  cache.fill('c', text('3'), cache.generation)
  assert.equal(cache.get('b'), undefined)
  assert.deepEqual(cache.get('a'), text('1'))
  assert.deepEqual(cache.get('c'), text('3'))
})

it('stays within its limits when every entry was read since it came in', () => {
  const cache = new ReadCache({ entries: 3, bytes: 1024 })
  for (const key of ['a', 'b', 'c']) cache.fill(key, text(key), cache.generation)
  for (const key of ['a', 'b', 'c']) cache.get(key)
  cache.fill('d', text('d'), cache.generation)
  assert.equal(cache.size, 3)
  assert.deepEqual(cache.get('d'), text('d'))
  // Each used entry got one more round; the oldest of them went first.
  assert.equal(cache.get('a'), undefined)
  cache.fill('e', text('e'), cache.generation)
  assert.equal(cache.size, 3)
  assert.deepEqual(cache.get('e'), text('e'))
})

it('getCached answers synchronously only what get would, never a value after its key was written or deleted', async () => {
  const physical = counting(new MemoryStorage())
  const barrier = new Barrier(physical)
  const key = randomBytes(32)
  await barrier.initialize(key)
  await barrier.unseal(key)
  assert.equal(barrier.getCached('a'), undefined, 'nothing read yet')
  await barrier.put('a', text('one'))
  assert.equal(barrier.getCached('a'), undefined, 'a write does not fill the cache')
  assert.deepEqual(await barrier.get('a'), text('one'))
  assert.deepEqual(barrier.getCached('a'), text('one'), 'a read fills it')

  // From the moment a write starts (not yet awaited) until after it lands, no synchronous hit is served.
  const writing = barrier.put('a', text('two'))
  assert.equal(barrier.getCached('a'), undefined, 'invalidated before the write')
  await writing
  assert.equal(barrier.getCached('a'), undefined, 'and after it')
  assert.deepEqual(await barrier.get('a'), text('two'))
  assert.deepEqual(barrier.getCached('a'), text('two'))

  const batch = barrier.batch([{ op: 'put', key: 'a', value: text('three') }])
  assert.equal(barrier.getCached('a'), undefined)
  await batch
  assert.deepEqual(await barrier.get('a'), text('three'))

  const deleting = barrier.delete('a')
  assert.equal(barrier.getCached('a'), undefined, 'a delete invalidates before it lands')
  await deleting
  assert.equal(await barrier.get('a'), undefined)
  assert.equal(barrier.getCached('a'), undefined, 'known absence is not a synchronous hit')

  // Through a storage view, as a mount sees it.
  const view = storageView(barrier, 'mount/')
  await view.put('k', text('v'))
  await view.get('k')
  assert.deepEqual(view.getCached?.('k'), text('v'))
  const viewWrite = view.put('k', text('w'))
  assert.equal(view.getCached?.('k'), undefined)
  await viewWrite
  assert.equal(view.getCached?.('k'), undefined)

  barrier.seal()
  assert.equal(barrier.getCached('mount/k'), undefined, 'nothing is served sealed')
  await barrier.unseal(key)
  assert.equal(barrier.getCached('mount/k'), undefined, 'sealing emptied the cache')
})

it('getJsonSharedCached is a hit only for cached bytes and shares what getJsonShared parsed', async () => {
  const barrier = new Barrier(new MemoryStorage())
  const key = randomBytes(32)
  await barrier.initialize(key)
  await barrier.unseal(key)
  await barrier.put('j', text('{"x":1}'))
  assert.equal(getJsonSharedCached(barrier, 'j'), undefined)
  const shared = await getJsonShared<{ x: number }>(barrier, 'j')
  assert.equal(getJsonSharedCached(barrier, 'j'), shared)
  await barrier.put('j', text('{"x":2}'))
  assert.equal(getJsonSharedCached(barrier, 'j'), undefined)
  assert.deepEqual(await getJsonShared(barrier, 'j'), { x: 2 })
  assert.deepEqual(getJsonSharedCached(barrier, 'j'), { x: 2 })
  assert.equal(getJsonSharedCached(new MemoryStorage(), 'j'), undefined, 'a storage without getCached')
})

it('knownAbsent answers only an absence a read found, never from the moment any write to the key starts', async () => {
  const barrier = new Barrier(new MemoryStorage())
  const key = randomBytes(32)
  await barrier.initialize(key)
  await barrier.unseal(key)
  assert.equal(barrier.knownAbsent('a'), false, 'nothing read yet')
  assert.equal(await barrier.get('a'), undefined)
  assert.equal(barrier.knownAbsent('a'), true, 'a read found it absent')

  // Each write path forgets the absence as it starts (not yet awaited), and a put does not bring it back.
  const putting = barrier.put('a', text('one'))
  assert.equal(barrier.knownAbsent('a'), false, 'put')
  await putting
  assert.equal(barrier.knownAbsent('a'), false)
  assert.deepEqual(await barrier.get('a'), text('one'))
  assert.equal(barrier.knownAbsent('a'), false, 'a cached value is not an absence')

  await barrier.delete('a')
  assert.equal(await barrier.get('a'), undefined)
  assert.equal(barrier.knownAbsent('a'), true)
  const batch = barrier.batch([
    { op: 'put', key: 'b', value: text('x') },
    { op: 'put', key: 'a', value: text('two') },
  ])
  assert.equal(barrier.knownAbsent('a'), false, 'batch')
  await batch
  assert.equal(barrier.knownAbsent('a'), false)

  // A delete of an absent key is a write too: the absence is read again afterwards, not assumed.
  await barrier.delete('a')
  assert.equal(await barrier.get('a'), undefined)
  assert.equal(barrier.knownAbsent('a'), true)
  const deleting = barrier.delete('a')
  assert.equal(barrier.knownAbsent('a'), false, 'delete')
  await deleting
  assert.equal(barrier.knownAbsent('a'), false)

  // Through a storage view, as a mount sees it; sealing forgets everything and answers nothing.
  const view = storageView(barrier, 'mount/')
  assert.equal(await view.get('gone'), undefined)
  assert.equal(view.knownAbsent?.('gone'), true)
  assert.equal(barrier.knownAbsent('mount/gone'), true)
  barrier.seal()
  assert.equal(barrier.knownAbsent('mount/gone'), false, 'nothing is answered sealed')
  await barrier.unseal(key)
  assert.equal(barrier.knownAbsent('mount/gone'), false, 'sealing emptied the cache')
})

it('getJsonCached answers a fresh copy of a cached entry, undefined for a known absence, else NOT_CACHED', async () => {
  const barrier = new Barrier(new MemoryStorage())
  const key = randomBytes(32)
  await barrier.initialize(key)
  await barrier.unseal(key)
  assert.equal(getJsonCached(barrier, 'j'), NOT_CACHED, 'never read')
  assert.equal(await barrier.get('j'), undefined)
  assert.equal(getJsonCached(barrier, 'j'), undefined, 'known absent')
  await barrier.put('j', text('{"x":1}'))
  assert.equal(getJsonCached(barrier, 'j'), NOT_CACHED, 'written since')
  const shared = await getJsonShared<{ x: number }>(barrier, 'j')
  const copy = getJsonCached<{ x: number }>(barrier, 'j')
  assert.deepEqual(copy, { x: 1 })
  assert.notEqual(copy, shared, 'a copy the caller may modify, not the shared frozen parse')
  assert.equal(Object.isFrozen(copy), false)
  assert.equal(getJsonCached(new MemoryStorage(), 'j'), NOT_CACHED, 'a storage without a cache')
})
