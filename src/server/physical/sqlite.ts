// Embedded SQLite physical storage: durable (WAL + synchronous=FULL) with group-committed writes.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { Storage, StorageOp } from '../../sdk/storage.ts'

interface PendingWrite {
  ops: StorageOp[]
  resolve: () => void
  reject: (error: unknown) => void
}

interface Statements {
  get: StatementSync
  put: StatementSync
  delete: StatementSync
  /** Keys in [from, to) in order; listing walks it and re-seeks past each child folder. */
  rangeBounded: StatementSync
  rangeOpen: StatementSync
}

/**
 * The smallest string that sorts (by UTF-8 bytes, SQLite's BINARY collation) after every string
 * starting with `prefix`; undefined when no such bound exists (empty prefix).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix)
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!
    let next = last + 1
    // Lone surrogates are not valid UTF-8; the next encodable code point follows the surrogate block.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next)
  }
  return undefined
}

/** Rows read inside one child folder before list() re-seeks past it. */
const SKIP_SCAN_READ_AHEAD = 8

export class SqliteStorage implements Storage {
  readonly #db: DatabaseSync
  readonly #stmts: Statements
  #queue: PendingWrite[] = []
  #flushScheduled = false
  #closed = false

  private constructor(db: DatabaseSync) {
    this.#db = db
    const prepare = (sql: string, arrays = false): StatementSync => {
      const stmt = db.prepare(sql)
      if (arrays) stmt.setReturnArrays(true)
      return stmt
    }
    this.#stmts = {
      get: prepare('SELECT value FROM kv WHERE key = ?', true),
      put: prepare(
        'INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      delete: prepare('DELETE FROM kv WHERE key = ?'),
      rangeBounded: prepare('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key', true),
      rangeOpen: prepare('SELECT key FROM kv WHERE key >= ? ORDER BY key', true),
    }
  }

  /** Open (creating if needed) the database file at `path`, and its parent directory. */
  static open(path: string): SqliteStorage {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = new DatabaseSync(path, { timeout: 5000 })
    try {
      // Coffer is the only user of its file: an exclusive lock keeps the WAL index in memory (no shared-memory
      // locking on every read) and stops a second server from opening the same database.
      db.exec('PRAGMA locking_mode = EXCLUSIVE')
      db.exec('PRAGMA journal_mode = WAL')
      // FULL fsyncs the WAL on every commit, so an acknowledged write survives power loss and kill -9.
      db.exec('PRAGMA synchronous = FULL')
      // A rowid table with the key index beside it: inserts of ~1 KiB values run several times faster than in a
      // WITHOUT ROWID table, whose leaves hold only a few such rows and split constantly.
      db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)')
      return new SqliteStorage(db)
    } catch (error) {
      db.close()
      throw error
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen()
    const row = this.#stmts.get.get(key) as unknown as [Uint8Array] | undefined
    return row === undefined ? undefined : row[0]
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.#enqueue([{ op: 'put', key, value }])
  }

  delete(key: string): Promise<void> {
    return this.#enqueue([{ op: 'delete', key }])
  }

  batch(ops: StorageOp[]): Promise<void> {
    return this.#enqueue(ops)
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen()
    const upper = prefixUpperBound(prefix)
    const out: string[] = []
    let from = prefix
    // Leaves stream from one cursor. Inside a child folder the cursor reads on for a few rows
    // (cheaper than a re-seek for small folders); past that it re-seeks beyond the folder's
    // subtree, so a folder holding millions of keys costs one index seek, not a scan.
    for (;;) {
      let reseekAt: string | undefined
      let folder: string | undefined
      let skipped = 0
      const rows =
        upper === undefined
          ? this.#stmts.rangeOpen.iterate(from)
          : this.#stmts.rangeBounded.iterate(from, upper)
      for (const [key] of rows as Iterable<[string]>) {
        if (folder !== undefined && key.startsWith(folder)) {
          if (++skipped < SKIP_SCAN_READ_AHEAD) continue
          reseekAt = prefixUpperBound(folder)
          break
        }
        const rest = key.slice(prefix.length)
        const slash = rest.indexOf('/')
        if (slash === -1) {
          folder = undefined
          out.push(rest)
          continue
        }
        folder = prefix + rest.slice(0, slash + 1)
        skipped = 0
        out.push(rest.slice(0, slash + 1))
      }
      if (reseekAt === undefined) break
      from = reseekAt
    }
    // SQLite orders by UTF-8 bytes; callers expect JavaScript's string order (as MemoryStorage gives).
    return out.sort()
  }

  /** Commit queued writes, then close the database; later calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#flush()
    this.#closed = true
    this.#db.close()
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('sqlite storage is closed')
  }

  #enqueue(ops: StorageOp[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('sqlite storage is closed'))
    // Validate before queueing so one caller's bad input cannot fail the whole group.
    for (const op of ops) {
      if (typeof op.key !== 'string') return Promise.reject(new TypeError('storage key must be a string'))
      if (op.op === 'put' && !(op.value instanceof Uint8Array)) {
        return Promise.reject(new TypeError(`storage value for ${op.key} must be a Uint8Array`))
      }
    }
    const snapshot = ops.map((op) => (op.op === 'put' ? { ...op, value: op.value.slice() } : { ...op }))
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ops: snapshot, resolve, reject })
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  /** Commit every queued write in one transaction: one fsync for the whole group. */
  #flush(): void {
    this.#flushScheduled = false
    const group = this.#queue
    this.#queue = []
    if (group.length === 0) return
    try {
      this.#db.exec('BEGIN IMMEDIATE')
      try {
        for (const pending of group) {
          for (const op of pending.ops) {
            if (op.op === 'put') this.#stmts.put.run(op.key, op.value)
            else this.#stmts.delete.run(op.key)
          }
        }
        this.#db.exec('COMMIT')
      } catch (error) {
        try {
          if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
        } catch {
          // The original failure is what callers need; SQLite has already aborted the transaction.
        }
        throw error
      }
    } catch (error) {
      for (const pending of group) pending.reject(error)
      return
    }
    for (const pending of group) pending.resolve()
  }
}
