// SqliteStorage's checkpoints: run on their own thread while the store is open, and the WAL starts over after each.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { SqliteStorage } from './sqlite.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-checkpoint-'))
after(() => rmSync(root, { recursive: true, force: true }))
const text = (value: string): Uint8Array => new TextEncoder().encode(value)
/** A WAL frame: a 4 KiB page and its 24-byte header. */
const FRAME = 4096 + 24
const FAILING_CHECKPOINTER = new URL('./__fixtures__/failing-checkpointer.ts', import.meta.url)

it('copies the WAL into the database file while open and lets the WAL start over', {
  timeout: 120_000,
}, async () => {
  const path = join(root, 'checkpointed.db')
  const storage = SqliteStorage.open(path, { checkpointFrames: 32 })
  let writes = 1500
  try {
    // One commit at a time: each adds at least two frames. Until the checkpoint thread has started, the WAL grows;
    // from the first checkpoint on, only a checkpoint puts rows into the database file (until the last connection
    // closes, nothing else does).
    let i = 0
    const put = (): Promise<void> => storage.put(`k/${i}`, text(`value-${i++}`.padEnd(300, '.')))
    while (statSync(path).size < 100 * 4096 && i < 20_000) await put()
    assert.ok(i < 20_000, 'no checkpoint in 20,000 commits')
    const walBefore = statSync(`${path}-wal`).size
    // Without the WAL starting over, these would add more than 3,000 frames to it.
    for (let n = 0; n < writes; n++) await put()
    const grown = Math.ceil((statSync(`${path}-wal`).size - walBefore) / FRAME)
    assert.ok(grown < 500, `the WAL grew by ${grown} frames`)
    for (const k of [0, 1, Math.floor(i / 2), i - 1])
      assert.deepEqual(await storage.get(`k/${k}`), text(`value-${k}`.padEnd(300, '.')))
    writes = i
  } finally {
    await storage.close()
  }
  const reopened = SqliteStorage.open(path)
  try {
    assert.equal((await reopened.list('k/')).length, writes)
  } finally {
    await reopened.close()
  }
})

it('falls back to SQLite checkpointing inside commits when the checkpoint thread fails', {
  timeout: 120_000,
}, async () => {
  const path = join(root, 'fallback.db')
  const storage = SqliteStorage.open(path, { checkpointFrames: 32, checkpointerUrl: FAILING_CHECKPOINTER })
  try {
    let i = 0
    const put = (): Promise<void> => storage.put(`k/${i}`, text(`value-${i++}`.padEnd(300, '.')))
    // The checkpoint thread dies on start; from then on the commit that crosses 32 frames checkpoints.
    while (statSync(path).size < 100 * 4096 && i < 20_000) await put()
    assert.ok(i < 20_000, 'no checkpoint in 20,000 commits')
    const walBefore = statSync(`${path}-wal`).size
    for (let n = 0; n < 1500; n++) await put()
    const grown = Math.ceil((statSync(`${path}-wal`).size - walBefore) / FRAME)
    assert.ok(grown < 500, `the WAL grew by ${grown} frames`)
    assert.deepEqual(await storage.get(`k/${i - 1}`), text(`value-${i - 1}`.padEnd(300, '.')))
  } finally {
    await storage.close()
  }
})
