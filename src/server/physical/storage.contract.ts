// The shared behaviour every physical Storage must show; each backend's test file runs it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Storage } from '../../sdk/storage.ts'

export type ClosableStorage = Storage & { close(): Promise<void> }

const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

async function fill(storage: Storage, keys: string[]): Promise<void> {
  await storage.batch(keys.map((key) => ({ op: 'put' as const, key, value: text(key) })))
}

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
