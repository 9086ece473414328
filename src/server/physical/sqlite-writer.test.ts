// SqliteStorage's writer thread: read-your-writes, group order, flushing on close, and a dying writer.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { SqliteStorage } from './sqlite.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-writer-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => join(root, `db-${++counter}`, 'coffer.db')
const text = (value: string): Uint8Array => new TextEncoder().encode(value)
/** One event-loop turn: whatever was queued before has been handed to the writer thread as a group. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const FAILING_WRITER = new URL('./__fixtures__/failing-writer.ts', import.meta.url)

describe('SqliteStorage writer thread', { timeout: 20_000 }, () => {
  it('shows each acknowledged write to the next read, with many writers in flight', async () => {
    const storage = SqliteStorage.open(freshPath())
    try {
      const stale: string[] = []
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          for (let round = 0; round < 5; round++) {
            const key = `ryw/${i}`
            const value = `${i}:${round}`
            await storage.put(key, text(value))
            const seen = await storage.get(key)
            if (seen === undefined || new TextDecoder().decode(seen) !== value) stale.push(`${key}@${round}`)
            if (round === 2) await nextTurn()
          }
        }),
      )
      assert.deepEqual(stale, [])
      assert.equal((await storage.list('ryw/')).length, 100)
    } finally {
      await storage.close()
    }
  })

  it('sees new commits after a listing that abandoned its cursor part-way', async () => {
    const storage = SqliteStorage.open(freshPath())
    try {
      // More than the read-ahead inside one folder, so list() breaks out of its iterator and re-seeks.
      await storage.batch(
        Array.from({ length: 40 }, (_, i) => ({ op: 'put' as const, key: `f/deep/${i}`, value: text('v') })),
      )
      assert.deepEqual(await storage.list('f/'), ['deep/'])
      await storage.put('f/late', text('late'))
      assert.deepEqual(await storage.get('f/late'), text('late'))
      assert.deepEqual(await storage.list('f/'), ['deep/', 'late'])
    } finally {
      await storage.close()
    }
  })

  it('commits groups in the order they were queued and settles callers in that order', async () => {
    const storage = SqliteStorage.open(freshPath())
    try {
      const settled: number[] = []
      const writes: Promise<void>[] = []
      for (let i = 0; i < 60; i++) {
        writes.push(storage.put('same', text(String(i))).then(() => void settled.push(i)))
        // Spread the writes over turns so some queue while an earlier group is in flight.
        if (i % 7 === 0) await nextTurn()
      }
      writes.push(storage.delete('gone').then(() => void settled.push(60)))
      await Promise.all(writes)
      assert.deepEqual(
        settled,
        Array.from({ length: 61 }, (_, i) => i),
      )
      assert.deepEqual(await storage.get('same'), text('59'))
    } finally {
      await storage.close()
    }
  })

  it('close() commits the group in flight and every group still queued behind it', async () => {
    const path = freshPath()
    const storage = SqliteStorage.open(path)
    const first = storage.batch(
      Array.from({ length: 500 }, (_, i) => ({ op: 'put' as const, key: `a/${i}`, value: text('a') })),
    )
    await nextTurn() // the first group is now with the writer thread
    const queued = Array.from({ length: 50 }, (_, i) => storage.put(`b/${i}`, text(`b${i}`)))
    await storage.close()
    await Promise.all([first, ...queued])
    await assert.rejects(storage.put('after', text('x')), /closed/)
    const reopened = SqliteStorage.open(path)
    try {
      assert.equal((await reopened.list('a/')).length, 500)
      assert.equal((await reopened.list('b/')).length, 50)
      assert.deepEqual(await reopened.get('b/49'), text('b49'))
    } finally {
      await reopened.close()
    }
  })

  it('rejects every waiting caller with a clear error when the writer thread throws', async () => {
    const path = freshPath()
    const storage = SqliteStorage.open(path, { writerUrl: FAILING_WRITER })
    const first = storage.put('boom', text('1'))
    await nextTurn()
    const queued = storage.put('queued', text('2'))
    await assert.rejects(first, /sqlite writer thread failed: writer blew up/)
    await assert.rejects(queued, /sqlite writer thread failed/)
    await assert.rejects(storage.put('later', text('3')), /sqlite writer thread failed/)
    assert.equal(await storage.get('boom'), undefined, 'reads still work')
    await storage.close()
  })

  it('rejects waiting callers when the writer thread exits', async () => {
    const storage = SqliteStorage.open(freshPath(), { writerUrl: FAILING_WRITER })
    await assert.rejects(
      storage.put('exit', text('1')),
      /sqlite writer thread exited unexpectedly \(code 3\)/,
    )
    await assert.rejects(storage.delete('x'), /exited unexpectedly/)
    await storage.close()
  })

  it('refuses an in-memory database, which two connections cannot share', () => {
    assert.throws(() => SqliteStorage.open(':memory:'), /needs a file path/)
  })
})
