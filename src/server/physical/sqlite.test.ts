// SqliteStorage: the shared contract, plus large-table listing, group commit failure and reopen.
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import type { Logger, LogLevel } from '../../lib/logger.ts'
import { MemoryStorage } from './memory.ts'
import { prefixUpperBound, SqliteStorage } from './sqlite.ts'
import { runStorageContract } from './storage.contract.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => join(root, `db-${++counter}`, 'coffer.db')
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

runStorageContract('sqlite', async () => SqliteStorage.open(freshPath()))

const modeOf = (path: string): number => statSync(path).mode & 0o777

/** Run `fn` under `mask`, restoring the process umask afterwards. */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask)
  try {
    return await fn()
  } finally {
    process.umask(previous)
  }
}

function recordingLogger(
  lines: { level: LogLevel; message: string; context?: Record<string, unknown> }[],
): Logger {
  const logger: Logger = {
    log: (level, message, context) => void lines.push({ level, message, ...(context ? { context } : {}) }),
    child: () => logger,
  }
  return logger
}

describe('SqliteStorage file permissions', () => {
  it('creates the directory 0700 and the database, -wal and -shm files 0600 under umask 022', async () => {
    await withUmask(0o022, async () => {
      const dir = join(root, `perm-${++counter}`, 'nested')
      const path = join(dir, 'coffer.db')
      const storage = SqliteStorage.open(path)
      try {
        await storage.put('k', text('v'))
        assert.equal(modeOf(dir), 0o700)
        for (const file of [path, `${path}-wal`, `${path}-shm`]) {
          assert.ok(existsSync(file), file)
          assert.equal(modeOf(file).toString(8), '600', file)
        }
      } finally {
        await storage.close()
      }
    })
  })

  it('makes an existing group/world-readable database and its -wal/-shm owner-only, with a warning', async () => {
    await withUmask(0o022, async () => {
      const dir = join(root, `perm-${++counter}`)
      const path = join(dir, 'coffer.db')
      mkdirSync(dir)
      const created = SqliteStorage.open(path)
      await created.put('k', text('v'))
      await created.close()
      chmodSync(path, 0o644)
      // Leftovers of a crashed run: SQLite would reuse them with their old mode.
      writeFileSync(`${path}-wal`, '', { mode: 0o644 })
      writeFileSync(`${path}-shm`, '', { mode: 0o664 })
      const lines: { level: LogLevel; message: string; context?: Record<string, unknown> }[] = []
      const reopened = SqliteStorage.open(path, { logger: recordingLogger(lines) })
      try {
        assert.deepEqual(await reopened.get('k'), text('v'))
        for (const file of [path, `${path}-wal`, `${path}-shm`])
          assert.equal(modeOf(file).toString(8), '600', file)
        assert.deepEqual(
          lines.map((l) => [l.level, l.context?.['file']]),
          [
            ['warn', path],
            ['warn', `${path}-wal`],
            ['warn', `${path}-shm`],
          ],
        )
        assert.match(lines[0]!.message, /mode 0644\); now owner-only/)
      } finally {
        await reopened.close()
      }
    })
  })
})

describe('SqliteStorage', () => {
  it('creates the parent directory and keeps data across reopen', async () => {
    const path = freshPath()
    const first = SqliteStorage.open(path)
    assert.ok(existsSync(path))
    await first.put('persist/me', text('yes'))
    await first.close()
    const second = SqliteStorage.open(path)
    assert.deepEqual(await second.get('persist/me'), text('yes'))
    assert.deepEqual(await second.list(''), ['persist/'])
    await second.close()
  })

  it('commits writes queued before close', async () => {
    const path = freshPath()
    const storage = SqliteStorage.open(path)
    const pending = storage.put('late', text('v'))
    await storage.close()
    await pending
    const reopened = SqliteStorage.open(path)
    assert.deepEqual(await reopened.get('late'), text('v'))
    await reopened.close()
    await assert.rejects(storage.get('late'), /closed/)
    await assert.rejects(storage.put('x', text('v')), /closed/)
  })

  it('rejects invalid input for that caller only, not the rest of the group', async () => {
    const storage = SqliteStorage.open(freshPath())
    const good = storage.put('good', text('v'))
    const bad = storage.put('bad', 'not bytes' as unknown as Uint8Array)
    await assert.rejects(bad, TypeError)
    await good
    assert.deepEqual(await storage.get('good'), text('v'))
    await storage.close()
  })

  it('applies each batch atomically and rejects only the batch whose write fails', async () => {
    const path = freshPath()
    const storage = SqliteStorage.open(path)
    // Planted through a third connection while the storage is open: its connections share the file.
    const other = new DatabaseSync(path)
    other.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON kv WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    other.close()
    const results = await Promise.allSettled([
      storage.put('ok1', text('1')),
      storage.batch([
        { op: 'put', key: 'before-boom', value: text('x') },
        { op: 'put', key: 'boom', value: text('2') },
      ]),
      storage.put('ok2', text('3')),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    assert.match(String((results[1] as PromiseRejectedResult).reason), /refused/)
    assert.equal(await storage.get('before-boom'), undefined, 'the failed batch was rolled back whole')
    assert.deepEqual(await storage.get('ok1'), text('1'))
    assert.deepEqual(await storage.get('ok2'), text('3'))
    await storage.close()
  })

  it('lists a small folder beside 100,000 keys in another folder', async () => {
    const storage = SqliteStorage.open(freshPath())
    for (let start = 0; start < 100_000; start += 5000) {
      const ops = Array.from({ length: 5000 }, (_, i) => ({
        op: 'put' as const,
        key: `huge/${String(start + i).padStart(6, '0')}/leaf`,
        value: new Uint8Array([1]),
      }))
      await storage.batch(ops)
    }
    await storage.batch([
      { op: 'put', key: 'small/a', value: text('a') },
      { op: 'put', key: 'small/b/c', value: text('c') },
      { op: 'put', key: 'huge0', value: text('after the folder') },
      { op: 'put', key: 'hug', value: text('before the folder') },
    ])
    assert.deepEqual(await storage.list(''), ['hug', 'huge/', 'huge0', 'small/'])
    assert.deepEqual(await storage.list('small/'), ['a', 'b/'])
    const huge = await storage.list('huge/')
    assert.equal(huge.length, 100_000)
    assert.equal(huge[0], '000000/')
    assert.equal(huge[99_999], '099999/')
    assert.deepEqual(await storage.list('huge/012345/'), ['leaf'])
    await storage.close()
  })
})

describe('prefixUpperBound', () => {
  it('gives the first string after every string with the prefix', () => {
    assert.equal(prefixUpperBound(''), undefined)
    assert.equal(prefixUpperBound('a/'), 'a0')
    assert.equal(prefixUpperBound('ab'), 'ac')
    assert.equal(prefixUpperBound('a\ud7ff'), 'a\ue000')
    assert.equal(prefixUpperBound('a\u{10ffff}'), 'b')
    assert.equal(prefixUpperBound('\u{10ffff}'), undefined)
  })

  it('lists folders larger than one page, with subfolders straddling page boundaries, like MemoryStorage', async () => {
    const storage = SqliteStorage.open(freshPath())
    const memory = new MemoryStorage()
    const ops = []
    for (let i = 0; i < 1500; i++) {
      const key =
        i % 7 === 0 ? `f/k${String(i).padStart(5, '0')}/sub/${i % 13}` : `f/k${String(i).padStart(5, '0')}`
      ops.push({ op: 'put' as const, key, value: new Uint8Array([1]) })
    }
    await storage.batch(ops)
    await memory.batch(ops)
    const listed = await storage.list('f/')
    assert.equal(listed.length, 1500)
    assert.deepEqual(listed, await memory.list('f/'))
    await storage.close()
  })

  it('fails only the group whose write fails when the writer folds several groups into one commit', async () => {
    const path = freshPath()
    await SqliteStorage.open(path).close()
    const other = new DatabaseSync(path)
    other.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON kv WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    other.close()
    const storage = SqliteStorage.open(path)
    const writes = []
    for (let i = 0; i < 30; i++) writes.push(storage.put(i === 15 ? 'boom' : `k${i}`, text(String(i))))
    const results = await Promise.allSettled(writes)
    assert.deepEqual(
      results.map((r, i) => (i === 15 ? r.status === 'rejected' : r.status === 'fulfilled')),
      results.map(() => true),
    )
    for (let i = 0; i < 30; i++) if (i !== 15) assert.deepEqual(await storage.get(`k${i}`), text(String(i)))
    await storage.close()
  })
})
