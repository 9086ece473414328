// PostgresStorage under load: group commit, per-key order in a group, a failing batch alone, large folders, listPage, copies.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/pg-database.ts'
import { describeUnless, POSTGRES, unmet } from '../../../test/helpers/requirements.ts'
import type { StoredEntry } from './physical.ts'
import { PostgresStorage } from './postgres.ts'

const skip = await unmet(POSTGRES)
let db: TestDatabase
let tableCounter = 0
const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const decode = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value)

async function withStorage(body: (s: PostgresStorage) => Promise<void>): Promise<void> {
  const storage = await PostgresStorage.open({
    connectionUrl: db.url,
    table: `w_${++tableCounter}`,
    maxParallel: 4,
  })
  try {
    await body(storage)
  } finally {
    await storage.close()
  }
}

async function collect(entries: AsyncIterable<StoredEntry>): Promise<[string, string][]> {
  const out: [string, string][] = []
  for await (const entry of entries) out.push([entry.key, decode(entry.value)!])
  return out
}

async function* generate(entries: [string, string][], failAt = -1): AsyncIterable<StoredEntry> {
  for (const [index, [key, value]] of entries.entries()) {
    if (index === failAt) throw new Error('source failed mid-way')
    yield { key, value: text(value) }
  }
}

describeUnless(skip, 'PostgresStorage writes and reads', () => {
  before(async () => {
    db = await createTestDatabase()
  })
  after(() => db?.drop())

  it('commits 50 concurrent puts in fewer transactions than puts', () =>
    withStorage(async (s) => {
      const start = s.commitStats
      await Promise.all(Array.from({ length: 50 }, (_, i) => s.put(`g/${i}`, text(String(i)))))
      const end = s.commitStats
      assert.equal(end.batches - start.batches, 50)
      assert.ok(end.groups - start.groups < 50, `50 puts took ${end.groups - start.groups} transactions`)
      assert.equal((await s.list('g/')).length, 50)
    }))

  it('gathers writes arriving during a commit into the next group', () =>
    withStorage(async (s) => {
      const start = s.commitStats
      const first = s.put('first', text('1'))
      // Issued after the first group has been handed to PostgreSQL: they wait, then commit together.
      await new Promise((resolve) => setImmediate(resolve))
      const later = Array.from({ length: 30 }, (_, i) => s.put(`later/${i}`, text('x')))
      await Promise.all([first, ...later])
      assert.ok(s.commitStats.groups - start.groups <= 3)
    }))

  it('applies ops on one key in arrival order within a group', () =>
    withStorage(async (s) => {
      await s.put('gone', text('old'))
      const writes = [
        s.put('k', text('1')),
        s.batch([
          { op: 'put', key: 'k', value: text('2') },
          { op: 'put', key: 'j', value: text('1') },
        ]),
        s.delete('j'),
        s.put('k', text('3')),
        s.put('gone', text('new')),
        s.delete('gone'),
        s.delete('back'),
        s.put('back', text('again')),
      ]
      await Promise.all(writes)
      assert.equal(decode(await s.get('k')), '3')
      assert.equal(await s.get('j'), undefined)
      assert.equal(await s.get('gone'), undefined)
      assert.equal(decode(await s.get('back')), 'again')
    }))

  it('fails only the batch PostgreSQL refuses; the rest of its group commits', () =>
    withStorage(async (s) => {
      // Random text does not compress, so this key is past the btree's row size limit: a server-side refusal.
      const huge = randomBytes(6000).toString('hex')
      const good = Array.from({ length: 20 }, (_, i) => s.put(`ok/${i}`, text('v')))
      const bad = s.batch([
        { op: 'put', key: 'bad/neighbour', value: text('v') },
        { op: 'put', key: huge, value: text('v') },
      ])
      const more = s.put('ok/last', text('v'))
      await assert.rejects(bad, (error: Error) => {
        assert.match(error.message, /^postgresql storage .*write failed/)
        return true
      })
      await Promise.all([...good, more])
      assert.equal((await s.list('ok/')).length, 21)
      assert.equal(await s.get('bad/neighbour'), undefined, 'a refused batch is all-or-nothing')
    }))

  it('refuses keys PostgreSQL cannot store exactly, without touching the group', () =>
    withStorage(async (s) => {
      await assert.rejects(s.put('nul\u0000key', text('v')), TypeError)
      await assert.rejects(s.put('lone\ud800', text('v')), TypeError)
      assert.equal(await s.get('nul\u0000key'), undefined)
      assert.deepEqual(await s.list('lone\ud800/'), [])
    }))

  it('lists a 20k-key folder with large subfolders correctly', () =>
    withStorage(async (s) => {
      const ops = []
      for (const folder of ['a', 'b', 'c', 'd', 'e'])
        for (let i = 0; i < 3900; i++)
          ops.push({
            op: 'put' as const,
            key: `big/${folder}/${String(i).padStart(5, '0')}/x`,
            value: text('v'),
          })
      const leaves = Array.from({ length: 500 }, (_, i) => `leaf${String(i).padStart(4, '0')}`)
      for (const leaf of leaves) ops.push({ op: 'put' as const, key: `big/${leaf}`, value: text('v') })
      ops.push(
        { op: 'put' as const, key: 'big0', value: text('v') },
        { op: 'put' as const, key: 'bif', value: text('v') },
      )
      await s.batch(ops)
      assert.deepEqual(await s.list('big/'), ['a/', 'b/', 'c/', 'd/', 'e/', ...leaves])
      assert.equal((await s.list('big/c/')).length, 3900)
      assert.deepEqual(await s.list(''), ['bif', 'big/', 'big0'])
    }))

  it('pages a folder with listPage: pages concatenate to list, resuming after leaves and folders', () =>
    withStorage(async (s) => {
      const keys = ['p/a', 'p/b/1', 'p/b/2', 'p/b0', 'p/c', 'p/d/x/y', 'p/e', 'p/\uffff', 'p/😀', 'p/', 'q']
      await s.batch(keys.map((key) => ({ op: 'put' as const, key, value: text('v') })))
      const all = await s.list('p/')
      const pages: string[] = []
      let last: string | undefined
      for (;;) {
        const page = await s.listPage('p/', last, 3)
        assert.ok(page.length <= 3)
        pages.push(...page)
        if (page.length < 3) break
        last = page.at(-1)
      }
      // Code point order: U+FFFF before the astral emoji; JavaScript order has them the other way round.
      assert.deepEqual(pages, ['', 'a', 'b/', 'b0', 'c', 'd/', 'e', '\uffff', '😀'])
      assert.deepEqual([...pages].sort(), all)
      assert.deepEqual(await s.listPage('p/', 'b/', 2), ['b0', 'c'])
      assert.deepEqual(await s.listPage('p/', 'b', 2), ['b/', 'b0'])
      assert.deepEqual(await s.listPage('p/', undefined, 0), pages)
      assert.deepEqual(await s.listPage('p/', '😀', 5), [])
      assert.deepEqual(await s.listPage('p/', '', 1), ['a'])
    }))

  it('copies entries as one point in time while writes continue, in JavaScript order', () =>
    withStorage(async (s) => {
      const original: [string, string][] = Array.from({ length: 1500 }, (_, i) => [
        `copy/${String(i).padStart(4, '0')}`,
        `v${i}`,
      ])
      original.push(['copy/\uffff', 'bmp'], ['copy/😀', 'astral'])
      await s.batch(original.map(([key, value]) => ({ op: 'put', key, value: text(value) })))
      const iterator = s.entries()[Symbol.asyncIterator]()
      const first = await iterator.next()
      // Written after the copy began: none of it may show up in the copy.
      await Promise.all([
        s.put('copy/0000', text('changed')),
        s.delete('copy/1499'),
        s.put('copy/new', text('new')),
        s.batch(
          Array.from({ length: 100 }, (_, i) => ({
            op: 'put' as const,
            key: `copy/late/${i}`,
            value: text('x'),
          })),
        ),
      ])
      const copied: [string, string][] = [[first.value!.key, decode(first.value!.value)!]]
      for (;;) {
        const next = await iterator.next()
        if (next.done) break
        copied.push([next.value.key, decode(next.value.value)!])
      }
      const expected = [...original].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      assert.deepEqual(copied, expected)
      assert.deepEqual(copied.slice(-2), [
        ['copy/😀', 'astral'],
        ['copy/\uffff', 'bmp'],
      ])
      assert.equal(decode(await s.get('copy/0000')), 'changed')
    }))

  it('releases a copy abandoned part-way, and the store stays usable', () =>
    withStorage(async (s) => {
      await s.batch(
        Array.from({ length: 10 }, (_, i) => ({ op: 'put' as const, key: `a/${i}`, value: text('v') })),
      )
      for (let round = 0; round < 6; round++) {
        for await (const _ of s.entries()) break
      }
      await s.put('a/after', text('v'))
      assert.equal((await collect(s.entries())).length, 11)
    }))

  it('replaces everything atomically: a source failing mid-way leaves the old contents', () =>
    withStorage(async (s) => {
      const old: [string, string][] = Array.from({ length: 50 }, (_, i) => [`old/${i}`, `o${i}`])
      await s.batch(old.map(([key, value]) => ({ op: 'put', key, value: text(value) })))
      const before = await collect(s.entries())
      const replacement: [string, string][] = Array.from({ length: 1800 }, (_, i) => [
        `new/${String(i).padStart(4, '0')}`,
        `n${i}`,
      ])
      await assert.rejects(s.replaceAll(generate(replacement, 1700)), /source failed mid-way/)
      assert.deepEqual(await collect(s.entries()), before)

      await s.replaceAll(generate(replacement))
      assert.deepEqual(await collect(s.entries()), replacement)
    }))

  it('orders replaceAll after writes queued before it and before writes queued after it', () =>
    withStorage(async (s) => {
      const earlier = s.put('earlier', text('v'))
      const replaced = s.replaceAll(generate([['kept', 'v']]))
      const later = s.put('later', text('v'))
      await Promise.all([earlier, replaced, later])
      assert.deepEqual(
        (await collect(s.entries())).map(([key]) => key),
        ['kept', 'later'],
      )
    }))

  it('commits queued writes on close; a reopened store has them', async () => {
    const table = `w_${++tableCounter}`
    const first = await PostgresStorage.open({ connectionUrl: db.url, table })
    const pending = Array.from({ length: 20 }, (_, i) => first.put(`c/${i}`, text('v')))
    await first.close()
    await Promise.all(pending)
    await assert.rejects(first.put('x', text('v')), /closed/)
    const second = await PostgresStorage.open({ connectionUrl: db.url, table })
    try {
      assert.equal((await second.list('c/')).length, 20)
    } finally {
      await second.close()
    }
  })
})
