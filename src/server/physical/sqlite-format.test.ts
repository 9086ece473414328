// The SQLite on-disk format is pinned: files written by earlier builds open and read back, and new files match them.
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import { readTerm } from '../../lib/sealed-value.ts'
import { Barrier } from '../barrier/barrier.ts'
import { SqliteStorage } from './sqlite.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-format-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => {
  const dir = join(root, `db-${++counter}`)
  mkdirSync(dir)
  return join(dir, 'coffer.db')
}
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

// The statements the SQLite storage has always written with, copied here as text on purpose: a change to the
// dialect that would alter the format fails these tests instead of silently following along.
const PINNED = {
  wal: 'PRAGMA journal_mode = WAL',
  schema: 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)',
  upsert: 'INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
}
const PINNED_MASTER = [
  { type: 'table', name: 'kv', sql: 'CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)' },
  { type: 'index', name: 'sqlite_autoindex_kv_1', sql: null },
]
const PINNED_PRAGMAS = {
  journal_mode: 'wal',
  page_size: 4096,
  user_version: 0,
  application_id: 0,
  auto_vacuum: 0,
  encoding: 'UTF-8',
}

function inspect(path: string) {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    const master = db
      .prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name')
      .all()
      .map((row) => ({ ...row }))
    const pragmas = Object.fromEntries(
      Object.keys(PINNED_PRAGMAS).map((name) => [
        name,
        Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0],
      ]),
    )
    const rows = db
      .prepare('SELECT key, typeof(key) AS keyType, value, typeof(value) AS valueType FROM kv ORDER BY key')
      .all() as { key: string; keyType: string; value: Uint8Array; valueType: string }[]
    return { master, pragmas, rows }
  } finally {
    db.close()
  }
}

describe('SQLite on-disk format', () => {
  it('opens a database written with the pinned statements and reads every row back', async () => {
    const path = freshPath()
    const old = new DatabaseSync(path)
    old.exec(PINNED.wal)
    old.exec(PINNED.schema)
    const upsert = old.prepare(PINNED.upsert)
    upsert.run('a/b/c', text('deep'))
    upsert.run('a/leaf', text('leaf'))
    upsert.run('ключ/ü', new Uint8Array([0, 1, 254, 255]))
    upsert.run('a/leaf', text('replaced'))
    old.close()

    const storage = SqliteStorage.open(path)
    try {
      assert.deepEqual(await storage.get('a/leaf'), text('replaced'))
      assert.deepEqual(await storage.get('a/b/c'), text('deep'))
      assert.deepEqual(await storage.get('ключ/ü'), new Uint8Array([0, 1, 254, 255]))
      assert.deepEqual(await storage.list(''), ['a/', 'ключ/'])
      assert.deepEqual(await storage.list('a/'), ['b/', 'leaf'])
      await storage.batch([
        { op: 'put', key: 'new', value: text('written now') },
        { op: 'delete', key: 'a/b/c' },
      ])
    } finally {
      await storage.close()
    }
    const after = inspect(path)
    assert.deepEqual(after.master, PINNED_MASTER)
    assert.deepEqual(
      after.rows.map((r) => [r.key, r.keyType, Buffer.from(r.value).toString(), r.valueType]),
      [
        ['a/leaf', 'text', 'replaced', 'blob'],
        ['new', 'text', 'written now', 'blob'],
        ['ключ/ü', 'text', '\u0000\u0001\ufffd\ufffd', 'blob'],
      ],
    )
  })

  it('creates a new database with exactly the schema and header settings of the pinned statements', async () => {
    const pinned = freshPath()
    const old = new DatabaseSync(pinned)
    old.exec(PINNED.wal)
    old.exec(PINNED.schema)
    old.close()
    const path = freshPath()
    const storage = SqliteStorage.open(path)
    await storage.put('k', text('v'))
    await storage.close()
    const made = inspect(path)
    assert.deepEqual(made.master, PINNED_MASTER)
    assert.deepEqual(made.master, inspect(pinned).master)
    assert.deepEqual(made.pragmas, PINNED_PRAGMAS)
    assert.deepEqual(inspect(pinned).pragmas, PINNED_PRAGMAS)
    assert.deepEqual(
      made.rows.map((r) => [r.key, r.keyType, r.valueType]),
      [['k', 'text', 'blob']],
    )
  })

  it('opens __fixtures__/sqlite-v1.db, written by an earlier build through the barrier, and unseals it', async () => {
    // Made at commit fe79c66 by SqliteStorage and Barrier (values sealed on the writer thread, two keyring
    // terms): unseal key 32 × 0x5a; 'logical/kv/gone' was written and deleted; raw/* bypassed the barrier.
    const path = freshPath()
    copyFileSync(new URL('./__fixtures__/sqlite-v1.db', import.meta.url), path)
    const before = inspect(path)
    assert.deepEqual(before.master, PINNED_MASTER)
    assert.deepEqual(before.pragmas, PINNED_PRAGMAS)

    const physical = SqliteStorage.open(path)
    try {
      const barrier = new Barrier(physical)
      assert.equal(await barrier.isInitialized(), true)
      await barrier.unseal(new Uint8Array(32).fill(0x5a))
      assert.deepEqual(await barrier.get('logical/kv/alpha'), text('term one value'))
      assert.deepEqual(await barrier.get('logical/kv/beta'), text('term two value'))
      assert.deepEqual(await barrier.get('logical/kv/nested/deep'), text('deep'))
      assert.deepEqual(await barrier.get('logical/kv/ключ-ü'), text('unicode key'))
      assert.equal(await barrier.get('logical/kv/gone'), undefined)
      assert.deepEqual(await barrier.list('logical/kv/'), ['alpha', 'beta', 'nested/', 'ключ-ü'])
      assert.equal(readTerm((await physical.get('logical/kv/alpha'))!), 1)
      assert.equal(readTerm((await physical.get('logical/kv/beta'))!), 2)
      assert.deepEqual(await physical.get('raw/clear'), text('stored in clear'))
      assert.deepEqual(await physical.get('raw/binary'), new Uint8Array([0, 1, 2, 254, 255]))
      // The current build writes into the old file, and reads its own write back after a reopen.
      await barrier.put('logical/kv/gamma', text('written by this build'))
      barrier.seal()
    } finally {
      await physical.close()
    }
    const reopened = SqliteStorage.open(path)
    try {
      const barrier = new Barrier(reopened, { sealOnWriter: false })
      await barrier.unseal(new Uint8Array(32).fill(0x5a))
      assert.deepEqual(await barrier.get('logical/kv/gamma'), text('written by this build'))
      assert.deepEqual(await barrier.get('logical/kv/alpha'), text('term one value'))
    } finally {
      await reopened.close()
    }
    assert.deepEqual(inspect(path).master, PINNED_MASTER)
  })
})
