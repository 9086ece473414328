// The shared behaviour every physical Storage must show; each backend's test file runs it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Storage } from '../../sdk/storage.ts'
import type { PhysicalStorage, StoredEntry } from './physical.ts'

export type ClosableStorage = PhysicalStorage

const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

async function fill(storage: Storage, keys: string[]): Promise<void> {
  await storage.batch(keys.map((key) => ({ op: 'put' as const, key, value: text(key) })))
}

async function all(storage: PhysicalStorage): Promise<[string, string][]> {
  const out: [string, string][] = []
  for await (const { key, value } of storage.entries()) out.push([key, new TextDecoder().decode(value)])
  return out
}

async function* stream(entries: [string, string][]): AsyncGenerator<StoredEntry> {
  for (const [key, value] of entries) yield { key, value: text(value) }
}

/** An entry stream that fails after `good` entries, as a truncated snapshot would. */
async function* failingAfter(good: number): AsyncGenerator<StoredEntry> {
  for (let i = 0; i < good; i++) yield { key: `new/${i}`, value: text('new') }
  throw new Error('the source broke off')
}

/** Keys whose JavaScript order differs from their UTF-8 byte order (a surrogate pair sorts below U+E000-U+FFFF). */
const UNICODE_KEYS = ['a', 'a/b', 'emoji/😀', 'emoji/\uffff', 'emoji/\ue000', 'z', 'ü', '']

export function runStorageContract(name: string, open: () => Promise<ClosableStorage>): void {
  const withStorage = async (body: (storage: ClosableStorage) => Promise<void>): Promise<void> => {
    const storage = await open()
    try {
      await body(storage)
    } finally {
      await storage.close()
    }
  }

  describe(`${name} storage contract`, () => {
    it('returns undefined for a missing key', () =>
      withStorage(async (s) => {
        assert.equal(await s.get('missing'), undefined)
        assert.equal(await s.get(''), undefined)
      }))

    it('round-trips binary values, including empty values and zero bytes', () =>
      withStorage(async (s) => {
        const all = new Uint8Array(256).map((_, i) => i)
        await s.put('bin/all', all)
        await s.put('bin/empty', new Uint8Array(0))
        await s.put('bin/zeros', bytes(0, 0, 0, 1, 0))
        assert.deepEqual(await s.get('bin/all'), all)
        const empty = await s.get('bin/empty')
        assert.ok(empty instanceof Uint8Array, 'an empty value is stored, not missing')
        assert.equal(empty.byteLength, 0)
        assert.deepEqual(await s.get('bin/zeros'), bytes(0, 0, 0, 1, 0))
      }))

    it('does not alias the caller buffer', () =>
      withStorage(async (s) => {
        const value = bytes(1, 2, 3)
        const pending = s.put('alias', value)
        value[0] = 9
        await pending
        assert.deepEqual(await s.get('alias'), bytes(1, 2, 3))
      }))

    it('overwrites an existing key', () =>
      withStorage(async (s) => {
        await s.put('k', text('one'))
        await s.put('k', text('two'))
        assert.deepEqual(await s.get('k'), text('two'))
        assert.deepEqual(await s.list(''), ['k'])
      }))

    it('deletes keys, and deleting a missing key is not an error', () =>
      withStorage(async (s) => {
        await s.put('a', text('1'))
        await s.put('b', text('2'))
        await s.delete('a')
        await s.delete('never-there')
        assert.equal(await s.get('a'), undefined)
        assert.deepEqual(await s.get('b'), text('2'))
        assert.deepEqual(await s.list(''), ['b'])
      }))

    it('lists one level: folders end in "/", deduplicated and sorted', () =>
      withStorage(async (s) => {
        await fill(s, ['z', 'b/c/d', 'b/x', 'a', 'b/y/z', 'c/', 'c/d', 'ab', 'a-b/c', 'a/b'])
        assert.deepEqual(await s.list(''), ['a', 'a-b/', 'a/', 'ab', 'b/', 'c/', 'z'])
        assert.deepEqual(await s.list('b/'), ['c/', 'x', 'y/'])
        assert.deepEqual(await s.list('b/c/'), ['d'])
        assert.deepEqual(await s.list('c/'), ['', 'd'])
        assert.deepEqual(await s.list('nothing/'), [])
      }))

    it('lists a prefix that is itself a key without including that key', () =>
      withStorage(async (s) => {
        await fill(s, ['app', 'app/one', 'app/two/three', 'apple', 'app0'])
        assert.deepEqual(await s.list('app/'), ['one', 'two/'])
        assert.deepEqual(await s.list(''), ['app', 'app/', 'app0', 'apple'])
      }))

    it('lists deeply nested folders and skips over large subtrees', () =>
      withStorage(async (s) => {
        const deep = Array.from({ length: 50 }, (_, i) => `n/big/${String(i).padStart(2, '0')}/leaf`)
        await fill(s, [...deep, 'n/a', 'n/big0', 'n/big.x', 'n/c/d/e/f'])
        assert.deepEqual(await s.list('n/'), ['a', 'big.x', 'big/', 'big0', 'c/'])
        assert.deepEqual(await s.list('n/c/d/e/'), ['f'])
        assert.equal((await s.list('n/big/')).length, 50)
      }))

    it('stores, lists and sorts unicode keys', () =>
      withStorage(async (s) => {
        const keys = ['ü/é', 'ü/a', 'emoji/😀', 'emoji/\uffff', 'emoji/z', '日本/語', 'ascii']
        for (const key of keys) await s.put(key, text(`v:${key}`))
        for (const key of keys) assert.deepEqual(await s.get(key), text(`v:${key}`))
        assert.deepEqual(await s.list(''), ['ascii', 'emoji/', 'ü/', '日本/'])
        assert.deepEqual(await s.list('ü/'), ['a', 'é'])
        assert.deepEqual(await s.list('emoji/'), ['z', '😀', '\uffff'])
        assert.deepEqual(await s.list('日本/'), ['語'])
      }))

    it('applies a large batch so that all of it is visible once it resolves', () =>
      withStorage(async (s) => {
        await s.put('batch/old', text('old'))
        const ops = Array.from({ length: 1000 }, (_, i) => ({
          op: 'put' as const,
          key: `batch/${String(i).padStart(4, '0')}`,
          value: text(String(i)),
        }))
        await s.batch([...ops, { op: 'delete', key: 'batch/old' }])
        const listed = await s.list('batch/')
        assert.equal(listed.length, 1000)
        assert.equal(listed.includes('old'), false)
        assert.deepEqual(await s.get('batch/0999'), text('999'))
        assert.deepEqual(await s.get('batch/0000'), text('0'))
      }))

    it('applies a batch in order: the last op on a key wins', () =>
      withStorage(async (s) => {
        await s.batch([
          { op: 'put', key: 'x', value: text('1') },
          { op: 'delete', key: 'x' },
          { op: 'put', key: 'y', value: text('1') },
          { op: 'put', key: 'y', value: text('2') },
        ])
        assert.equal(await s.get('x'), undefined)
        assert.deepEqual(await s.get('y'), text('2'))
      }))

    it('accepts 200 concurrent writers, all readable afterwards', () =>
      withStorage(async (s) => {
        const keys = Array.from({ length: 200 }, (_, i) => `c/${i}`)
        await Promise.all(keys.map((key) => s.put(key, text(key))))
        for (const key of keys) assert.deepEqual(await s.get(key), text(key))
        assert.equal((await s.list('c/')).length, 200)
      }))

    it('entries(): every entry, with its exact bytes, sorted in JavaScript string order', () =>
      withStorage(async (s) => {
        assert.deepEqual(await all(s), [])
        await fill(s, UNICODE_KEYS)
        await s.put('bin', bytes(0, 255, 0))
        const got = await all(s)
        const expected = [...UNICODE_KEYS, 'bin'].sort()
        assert.deepEqual(
          got.map(([key]) => key),
          expected,
        )
        for (const [key, value] of got) if (key !== 'bin') assert.equal(value, key)
        const raw = []
        for await (const entry of s.entries()) if (entry.key === 'bin') raw.push(entry.value)
        assert.deepEqual(raw, [bytes(0, 255, 0)])
      }))

    it('entries(): a large store comes back complete', () =>
      withStorage(async (s) => {
        const keys = Array.from({ length: 5000 }, (_, i) => `k/${String(i).padStart(5, '0')}`)
        await fill(s, keys)
        const got = await all(s)
        assert.equal(got.length, 5000)
        assert.deepEqual(
          got.map(([key]) => key),
          keys,
        )
      }))

    it('entries(): one point in time while writes land during the iteration', () =>
      withStorage(async (s) => {
        const before = Array.from({ length: 50 }, (_, i) => `p/${String(i).padStart(2, '0')}`)
        await fill(s, before)
        const iterator = s.entries()[Symbol.asyncIterator]()
        const first = await iterator.next()
        assert.equal(first.done, false)
        // Changes committed after the first step: new keys, deletions and overwrites, before and after the cursor.
        await s.batch([
          { op: 'put', key: 'p/00a', value: text('late') },
          { op: 'put', key: 'p/zz', value: text('late') },
          { op: 'delete', key: 'p/30' },
          { op: 'put', key: 'p/40', value: text('changed') },
        ])
        await Promise.all(Array.from({ length: 20 }, (_, i) => s.put(`q/${i}`, text('late'))))
        const seen = [first.value!.key]
        const values = new Map([[first.value!.key, new TextDecoder().decode(first.value!.value)]])
        for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
          seen.push(step.value.key)
          values.set(step.value.key, new TextDecoder().decode(step.value.value))
        }
        assert.deepEqual(seen, before)
        assert.equal(values.get('p/40'), 'p/40')
        // The shared read path sees the new state meanwhile and afterwards.
        assert.deepEqual(await s.get('p/40'), text('changed'))
        assert.equal(await s.get('p/30'), undefined)
      }))

    it('entries(): stopping early releases the iteration', () =>
      withStorage(async (s) => {
        await fill(s, ['a', 'b', 'c'])
        for await (const entry of s.entries()) if (entry.key === 'a') break
        await s.put('d', text('d'))
        assert.deepEqual(
          (await all(s)).map(([key]) => key),
          ['a', 'b', 'c', 'd'],
        )
      }))

    it('replaceAll(): afterwards exactly the given entries are stored', () =>
      withStorage(async (s) => {
        await fill(s, ['old/1', 'old/2', 'keep'])
        await s.replaceAll(
          stream([
            ['keep', 'replaced'],
            ['new/a', 'A'],
            ['new/b/c', 'C'],
            ['emoji/😀', 'E'],
          ]),
        )
        assert.deepEqual(await all(s), [
          ['emoji/😀', 'E'],
          ['keep', 'replaced'],
          ['new/a', 'A'],
          ['new/b/c', 'C'],
        ])
        assert.equal(await s.get('old/1'), undefined)
        assert.deepEqual(await s.get('keep'), text('replaced'))
        assert.deepEqual(await s.list(''), ['emoji/', 'keep', 'new/'])
        assert.deepEqual(await s.list('new/'), ['a', 'b/'])
        await s.replaceAll(stream([]))
        assert.deepEqual(await all(s), [])
      }))

    it('replaceAll(): an entry stream that throws part-way leaves the old contents untouched', () =>
      withStorage(async (s) => {
        await fill(s, ['old/1', 'old/2'])
        await assert.rejects(s.replaceAll(failingAfter(100)), /the source broke off/)
        assert.deepEqual(await all(s), [
          ['old/1', 'old/1'],
          ['old/2', 'old/2'],
        ])
        await s.put('after', text('after'))
        assert.deepEqual(await s.get('after'), text('after'))
      }))

    it('replaceAll(): earlier writes land before it, later writes after it', () =>
      withStorage(async (s) => {
        const earlier = s.put('earlier', text('wiped'))
        const replaced = s.replaceAll(stream([['base', 'base']]))
        const later = s.put('later', text('kept'))
        const laterDelete = s.delete('base')
        await Promise.all([earlier, replaced, later, laterDelete])
        assert.deepEqual(await all(s), [['later', 'kept']])
      }))

    it('keeps the order of a put then a delete issued in the same tick', () =>
      withStorage(async (s) => {
        const put = s.put('order', text('v'))
        const del = s.delete('order')
        const again = s.put('order2', text('first'))
        const last = s.put('order2', text('second'))
        await Promise.all([put, del, again, last])
        assert.equal(await s.get('order'), undefined)
        assert.deepEqual(await s.get('order2'), text('second'))
      }))
  })
}
