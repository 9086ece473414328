// SqliteStorage's key filter: never says "absent" for a stored key (while built, growing, raced, after a replace).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import { KeyFilter } from './sqlite/key-filter.ts'
import { SqliteStorage } from './sqlite.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-keys-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => join(root, `db-${++counter}`, 'coffer.db')
const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Keys of every shape a store holds: KV-like paths, hex hashes, the empty key, astral and lone-surrogate text. */
function awkwardKeys(count: number): string[] {
  const out = ['', '/', '\u0000', '\ud800', 'é', '😀', 'x'.repeat(2000)]
  for (let i = 0; out.length < count; i++) {
    out.push(`logical/5f0c/versions/${(i * 2654435761).toString(16)}/${i % 7}`)
    out.push(`sys/token/id/${i}😀${String.fromCharCode(i % 0xffff)}`)
  }
  return out.slice(0, count)
}

async function waitComplete(storage: SqliteStorage): Promise<void> {
  while (!storage.keyFilterState().complete) await nextTurn()
}

/** Every key in the file, read with a connection of the test's own. */
function keysOnDisk(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    return (db.prepare('SELECT key FROM kv').all() as { key: string }[]).map((row) => row.key)
  } finally {
    db.close()
  }
}

describe('KeyFilter', () => {
  it('holds every key added, across many layers, and answers "maybe" for all until complete', () => {
    const filter = new KeyFilter({ initialCapacity: 4 })
    const keys = awkwardKeys(30_000)
    assert.equal(filter.mayHold('never added'), true)
    for (const key of keys) filter.add(key)
    assert.ok(filter.layers > 8, `${filter.layers} layers`)
    filter.markComplete()
    assert.deepEqual(
      keys.filter((key) => !filter.mayHold(key)),
      [],
    )
  })

  it('hashes each key afresh after another key: the last hash is reused only for an equal key', () => {
    const filter = new KeyFilter({ initialCapacity: 1024 })
    const other = new KeyFilter({ initialCapacity: 1024 })
    filter.markComplete()
    other.markComplete()
    const a = 'logical/5f0c/metadata/bench/w-1'
    const b = 'logical/5f0c/metadata/bench/w-2'
    assert.equal(filter.mayHold(a), false)
    filter.add(b)
    assert.equal(filter.mayHold(a), false)
    assert.equal(filter.mayHold(b), true)
    // An equal key built as a different string, and the same key in another filter.
    assert.equal(filter.mayHold(['logical/5f0c/metadata/bench', 'w-2'].join('/')), true)
    assert.equal(other.mayHold(b), false)
    other.add(a)
    assert.equal(other.mayHold(a), true)
    assert.equal(filter.mayHold(a), false)
  })

  it('answers "absent" for nearly every key never added', () => {
    const filter = new KeyFilter({ initialCapacity: 1024 })
    for (const key of awkwardKeys(20_000)) filter.add(key)
    filter.markComplete()
    let maybe = 0
    for (let i = 0; i < 20_000; i++) if (filter.mayHold(`logical/5f0c/metadata/absent-${i}`)) maybe++
    // ~1 % per layer at capacity; the growth to 32,768 keys leaves the layers part-empty.
    assert.ok(maybe < 600, `${maybe} false positives in 20,000`)
  })
})

describe('SqliteStorage key filter', { timeout: 60_000 }, () => {
  it('knows a key absent only once the filter is complete, and never once a put of it is queued', async () => {
    const path = freshPath()
    const first = SqliteStorage.open(path)
    await first.put('stored', text('v'))
    await first.put('stored too', text('v'))
    await first.close()
    // A page of one key per turn: the scan is still under way when open returns.
    const storage = SqliteStorage.open(path, { keyFilter: { scanPage: 1 } })
    try {
      assert.equal(storage.keyFilterState().complete, false)
      // Still being built: it cannot tell.
      assert.equal(storage.knownAbsent('never'), false)
      await waitComplete(storage)
      assert.equal(storage.knownAbsent('never'), true)
      assert.equal(storage.knownAbsent('stored'), false)
      const put = storage.put('never', text('now'))
      assert.equal(storage.knownAbsent('never'), false)
      await put
      assert.deepEqual(await storage.get('never'), text('now'))
    } finally {
      await storage.close()
    }
    assert.equal(storage.knownAbsent('other'), false)
  })

  it('finds every key of a reopened file while the filter is built, grows and is raced by writes', async () => {
    const path = freshPath()
    const first = SqliteStorage.open(path)
    const existing = awkwardKeys(3000)
    await first.batch(existing.map((key) => ({ op: 'put' as const, key, value: text(`old:${key}`) })))
    await first.close()

    // A tiny first layer and scan page: the scan spans hundreds of turns and the filter grows many times.
    const storage = SqliteStorage.open(path, { keyFilter: { initialCapacity: 2, scanPage: 7 } })
    try {
      assert.equal(storage.keyFilterState().complete, false)
      const missing: string[] = []
      const written: string[] = []
      let turn = 0
      while (!storage.keyFilterState().complete || turn < 50) {
        turn++
        // A new key put and read in the same turn (the read may come before or after the commit), one put and
        // read after it is acknowledged, one old key rewritten, one deleted and put back, and old keys read.
        const fresh = `new/${turn}/${'k'.repeat(turn % 5)}`
        const racing = storage.put(`race/${turn}`, text('r'))
        const raced = storage.get(`race/${turn}`)
        const old = existing[(turn * 37) % existing.length]!
        const ops = [
          storage.put(fresh, text(fresh)),
          storage.put(old, text(`old:${old}`)),
          storage.delete(existing[(turn * 11) % existing.length]!),
        ]
        await Promise.all([racing, ...ops])
        await storage.put(existing[(turn * 11) % existing.length]!, text('back'))
        written.push(fresh, `race/${turn}`)
        const seen = await raced
        if (seen !== undefined && new TextDecoder().decode(seen) !== 'r') missing.push(`race/${turn} wrong`)
        for (const key of [fresh, `race/${turn}`, existing[(turn * 13) % existing.length]!])
          if ((await storage.get(key)) === undefined) missing.push(key)
      }
      assert.deepEqual(missing, [])
      assert.ok(storage.keyFilterState().layers > 5, `${storage.keyFilterState().layers} layers`)
      // Complete: every key in the file, read independently, is found.
      const onDisk = keysOnDisk(path)
      assert.equal(onDisk.length, existing.length + written.length)
      const notFound: string[] = []
      for (const key of onDisk) if ((await storage.get(key)) === undefined) notFound.push(key)
      assert.deepEqual(notFound, [])
      assert.equal(await storage.get('new/0/never'), undefined)
    } finally {
      await storage.close()
    }
  })

  it('finds a key once its racing put is acknowledged, for many concurrent first writes', async () => {
    const storage = SqliteStorage.open(freshPath())
    try {
      await waitComplete(storage)
      const stale: string[] = []
      await Promise.all(
        Array.from({ length: 400 }, async (_, i) => {
          const key = `first/${i}`
          // The existence check of a create racing the create itself, as two requests for one new path make.
          const before = storage.get(key)
          const put = storage.put(key, text(`${i}`))
          const during = storage.get(key)
          await put
          for (const seen of [await before, await during])
            if (seen !== undefined && new TextDecoder().decode(seen) !== `${i}`) stale.push(`${key} wrong`)
          if ((await storage.get(key)) === undefined) stale.push(key)
        }),
      )
      assert.deepEqual(stale, [])
    } finally {
      await storage.close()
    }
  })

  it('finds the keys a whole-store replace brought in', async () => {
    const storage = SqliteStorage.open(freshPath())
    try {
      await waitComplete(storage)
      await storage.put('before', text('b'))
      async function* restored() {
        for (let i = 0; i < 500; i++) yield { key: `restored/${i}`, value: text(`${i}`) }
      }
      await storage.replaceAll(restored())
      assert.equal(await storage.get('before'), undefined)
      for (let i = 0; i < 500; i++) assert.deepEqual(await storage.get(`restored/${i}`), text(`${i}`))
    } finally {
      await storage.close()
    }
  })

  it('answers for a never-stored key without reading SQLite once complete', async () => {
    // Shows the read is really skipped: a row written behind the storage's back (which Coffer never does; it is
    // the file's only writer) is not seen under a key the filter has never held, and is seen under one it has.
    const path = freshPath()
    const storage = SqliteStorage.open(path)
    try {
      await waitComplete(storage)
      await storage.put('held', text('v1'))
      const db = new DatabaseSync(path)
      try {
        db.prepare('INSERT INTO kv(key, value) VALUES (?, ?)').run('behind/its/back', text('x'))
        db.prepare('UPDATE kv SET value = ? WHERE key = ?').run(text('v2'), 'held')
      } finally {
        db.close()
      }
      assert.equal(await storage.get('behind/its/back'), undefined)
      assert.deepEqual(await storage.get('held'), text('v2'))
    } finally {
      await storage.close()
    }
  })
})
