// Embedded SQLite physical storage: WAL + synchronous=FULL, writes group-committed on a writer thread.
import { resolve } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { Worker } from 'node:worker_threads'
import type { Logger } from '../../lib/logger.ts'
import { preparePrivateFile, restrictToOwner } from '../../lib/private-file.ts'
import type { SealingStorage, SealKey, StorageOp } from '../../sdk/storage.ts'
import type {
  CommitRequest,
  GroupResult,
  WriterData,
  WriterFailure,
  WriterReply,
  WriterRequest,
} from './sqlite-writer.ts'

interface Waiter {
  resolve: () => void
  reject: (error: Error) => void
}

interface ReadStatements {
  get: StatementSync
  /** Keys in [from, to) in order; listing walks it and re-seeks past each child folder. */
  rangeBounded: StatementSync
  rangeOpen: StatementSync
}

export interface SqliteOptions {
  /** The writer thread's script; tests substitute a failing one. */
  writerUrl?: URL
  /** Told when an existing database file had to be made owner-only. */
  logger?: Logger
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
const LIST_PAGE = 512
const WRITER_URL = new URL('./sqlite-writer.ts', import.meta.url)

/**
 * Writes gathered for the next commit, packed as the writer thread takes them: values are copied once, on
 * arrival (so callers may reuse their buffers), into one buffer that is transferred, not cloned.
 */
class WriteGroup {
  readonly keys: string[] = []
  readonly lengths: number[] = []
  readonly waiters: Waiter[] = []
  readonly batches: number[] = []
  /** Per batch: 1 when its put values are plaintext for the writer thread to seal. */
  readonly seal: number[] = []
  #bytes = new Uint8Array(4096)
  #used = 0

  add(ops: StorageOp[], waiter: Waiter, seal: boolean): void {
    let needed = this.#used
    for (const op of ops) if (op.op === 'put') needed += op.value.byteLength
    if (needed > this.#bytes.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.byteLength * 2))
      grown.set(this.#bytes.subarray(0, this.#used))
      this.#bytes = grown
    }
    for (const op of ops) {
      this.keys.push(op.key)
      if (op.op === 'put') {
        this.#bytes.set(op.value, this.#used)
        this.#used += op.value.byteLength
        this.lengths.push(op.value.byteLength)
      } else this.lengths.push(-1)
    }
    this.waiters.push(waiter)
    this.batches.push(ops.length)
    this.seal.push(seal ? 1 : 0)
  }

  request(seq: number): CommitRequest {
    return {
      type: 'commit',
      seq,
      keys: this.keys,
      lengths: this.lengths,
      data: this.#bytes.buffer,
      batches: this.batches,
      seal: this.seal,
    }
  }
}

function writerError(failure: WriterFailure): Error {
  const { message, ...details } = failure
  return Object.assign(new Error(message), details)
}

export class SqliteStorage implements SealingStorage {
  readonly #db: DatabaseSync
  readonly #stmts: ReadStatements
  readonly #worker: Worker
  /** Writes arriving now; sent as the next group once nothing is in flight. */
  #pending = new WriteGroup()
  /** The one group the writer thread is committing, if any. */
  /** Groups sent to the writer thread and not yet answered, oldest first. */
  #inFlight: { seq: number; waiters: Waiter[] }[] = []
  #seq = 0
  /** Set once the writer thread is gone (crashed or exited); every later write rejects with it. */
  #failure: Error | undefined
  #closed = false
  #flushScheduled = false
  #closing: Promise<void> | undefined
  #writerClosing = false
  #writerGone!: Promise<void>

  private constructor(db: DatabaseSync, path: string, writerUrl: URL) {
    this.#db = db
    const prepare = (sql: string): StatementSync => {
      const stmt = db.prepare(sql)
      stmt.setReturnArrays(true)
      return stmt
    }
    this.#stmts = {
      get: prepare('SELECT value FROM kv WHERE key = ?'),
      rangeBounded: prepare('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?'),
      rangeOpen: prepare('SELECT key FROM kv WHERE key >= ? ORDER BY key LIMIT ?'),
    }
    this.#worker = new Worker(writerUrl, { workerData: { path } satisfies WriterData })
    // Idle, the writer thread must not keep the process alive; it is ref'd while a commit is in flight.
    this.#worker.unref()
    this.#worker.on('message', (reply: WriterReply) => this.#onReply(reply))
    this.#worker.on('error', (error) =>
      this.#fail(new Error(`sqlite writer thread failed: ${error.message}`, { cause: error })),
    )
    this.#worker.on('messageerror', (error) =>
      this.#fail(new Error(`sqlite writer thread sent an unreadable message: ${error.message}`)),
    )
    this.#writerGone = new Promise((resolveGone) => {
      this.#worker.on('exit', (code) => {
        if (!this.#writerClosing)
          this.#fail(new Error(`sqlite writer thread exited unexpectedly (code ${code})`))
        resolveGone()
      })
    })
  }

  /** Open (creating if needed, owner-only) the database file at `path`, and its parent directory (0700). */
  static open(path: string, options: SqliteOptions = {}): SqliteStorage {
    // Reads and writes use two connections, which a private in-memory database cannot share.
    if (path === ':memory:' || path === '')
      throw new Error('sqlite storage needs a file path; use MemoryStorage')
    const file = resolve(path)
    // Keys (KV paths, token accessors, usernames) are stored in clear, so the files are owner-only. The
    // database file is made 0600 before SQLite opens it; SQLite gives the -wal and -shm files it creates the
    // database file's mode, and ones left by an earlier run are tightened here too.
    const warn = (message: string, at: string) =>
      options.logger?.log('warn', `sqlite storage: ${message}`, { file: at })
    preparePrivateFile(file, warn)
    for (const suffix of ['-wal', '-shm']) restrictToOwner(file + suffix, warn)
    const db = new DatabaseSync(file, { timeout: 5000 })
    try {
      // WAL lets this read connection and the writer thread's connection work side by side; readers see each
      // commit as soon as it is made. The mode is stored in the file, so the writer inherits it.
      db.exec('PRAGMA journal_mode = WAL')
      // A rowid table with the key index beside it: inserts of ~1 KiB values run several times faster than in a
      // WITHOUT ROWID table, whose leaves hold only a few such rows and split constantly.
      db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)')
      // Every write goes through the writer thread; this connection only reads.
      db.exec('PRAGMA query_only = ON')
      // Random point reads over a table larger than the 2 MiB default cache run ~15% faster with 64 MiB
      // (bench-writes.ts --gets); pages are only held once read. mmap measured a little faster still but
      // turns a disk I/O error into SIGBUS, so it stays off.
      db.exec('PRAGMA cache_size = -65536')
      return new SqliteStorage(db, file, options.writerUrl ?? WRITER_URL)
    } catch (error) {
      db.close()
      throw error
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen()
    // get() resets the statement, so no read transaction outlives the call and the next one sees every commit.
    const row = this.#stmts.get.get(key) as unknown as [Uint8Array] | undefined
    return row === undefined ? undefined : row[0]
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.#enqueue([{ op: 'put', key, value }], false)
  }

  delete(key: string): Promise<void> {
    return this.#enqueue([{ op: 'delete', key }], false)
  }

  batch(ops: StorageOp[]): Promise<void> {
    return this.#enqueue(ops, false)
  }

  /**
   * The writer thread seals these values (AES-256-GCM, barrier format): the request thread's share of a
   * durable write drops by the cost of the encryption, which the writer does while it waits on fsync anyway.
   */
  sealAndBatch(ops: StorageOp[]): Promise<void> {
    return this.#enqueue(ops, true)
  }

  setSealKey(key: SealKey | undefined): void {
    if (this.#closed || this.#failure !== undefined) return
    // Writes already queued go first, so each is sealed under the key that was current when it was made.
    if (this.#pending.waiters.length > 0) this.#send()
    if (key === undefined) {
      this.#worker.postMessage({ type: 'seal-key' } satisfies WriterRequest)
      return
    }
    // A copy in its own ArrayBuffer (a Buffer's slice would share, and transfer, a pooled one) is moved, not
    // cloned, so no second copy of the key stays behind on this thread.
    const copy = new Uint8Array(key.key)
    this.#worker.postMessage({ type: 'seal-key', term: key.term, key: copy } satisfies WriterRequest, [
      copy.buffer,
    ])
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen()
    const upper = prefixUpperBound(prefix)
    const out: string[] = []
    let from = prefix
    // Leaves come in pages from all() (one native call per page, far cheaper than an iterator step per
    // row, and no cursor left open to pin an old snapshot). Inside a child folder the scan reads on for a
    // few rows (cheaper than a re-seek for small folders); past that it re-seeks beyond the folder's
    // subtree, so a folder holding millions of keys costs one index seek, not a scan.
    let folder: string | undefined
    let skipped = 0
    for (;;) {
      let reseekAt: string | undefined
      const rows = (upper === undefined
        ? this.#stmts.rangeOpen.all(from, LIST_PAGE)
        : this.#stmts.rangeBounded.all(from, upper, LIST_PAGE)) as unknown as [string][]
      for (const [key] of rows) {
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
      if (reseekAt !== undefined) {
        from = reseekAt
        folder = undefined
        continue
      }
      if (rows.length < LIST_PAGE) break
      // The next page starts just after the last key seen (a NUL suffix is the smallest greater key).
      from = `${rows[rows.length - 1]![0]}\u0000`
    }
    // SQLite orders by UTF-8 bytes; callers expect JavaScript's string order (as MemoryStorage gives).
    return out.sort()
  }

  /** Commit queued writes, stop the writer thread and close both connections; later calls reject. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async #shutdown(): Promise<void> {
    try {
      if (this.#pending.waiters.length > 0 && this.#failure === undefined) this.#send()
      // Groups commit in order, so once the last one settles every earlier write has too.
      const last = this.#inFlight.at(-1)?.waiters
      if (last !== undefined)
        await new Promise<void>((done) => last.push({ resolve: done, reject: () => done() }))
    } finally {
      this.#db.close()
      if (this.#failure === undefined) {
        this.#writerClosing = true
        this.#worker.ref()
        this.#worker.postMessage({ type: 'close' } satisfies WriterRequest)
        await this.#writerGone
      }
      await this.#worker.terminate()
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('sqlite storage is closed')
  }

  #enqueue(ops: StorageOp[], seal: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('sqlite storage is closed'))
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    // Validate before queueing so one caller's bad input cannot fail the whole group.
    for (const op of ops) {
      if (typeof op.key !== 'string') return Promise.reject(new TypeError('storage key must be a string'))
      if (op.op === 'put' && !(op.value instanceof Uint8Array)) {
        return Promise.reject(new TypeError(`storage value for ${op.key} must be a Uint8Array`))
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.add(ops, { resolve, reject }, seal)
      // An idle writer gets the batch at once, so it starts committing while this thread is still handling the
      // other requests of the turn; those gather into one message per turn while a commit is in flight. The
      // writer folds every message that arrives during a commit into the next one.
      if (this.#inFlight.length === 0) this.#send()
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => {
          this.#flushScheduled = false
          if (this.#pending.waiters.length > 0 && this.#failure === undefined) this.#send()
        })
      }
    })
  }

  /** Hand the pending group to the writer thread: one message, values transferred. */
  #send(): void {
    const group = this.#pending
    this.#pending = new WriteGroup()
    const seq = ++this.#seq
    this.#inFlight.push({ seq, waiters: group.waiters })
    const request = group.request(seq)
    this.#worker.ref()
    this.#worker.postMessage(request satisfies WriterRequest, [request.data])
  }

  #onReply(reply: WriterReply): void {
    if (reply.type === 'closed') return
    const settled: { waiters: Waiter[]; failed: GroupResult['failed'] }[] = []
    for (const result of reply.results) {
      const group = this.#inFlight.shift()
      if (group === undefined || group.seq !== result.seq) {
        this.#fail(new Error(`sqlite writer thread answered group ${result.seq}, expected ${group?.seq}`))
        return
      }
      settled.push({ waiters: group.waiters, failed: result.failed })
    }
    if (this.#inFlight.length === 0 && !this.#writerClosing) this.#worker.unref()
    for (const { waiters, failed } of settled) {
      waiters.forEach((waiter, index) => {
        const failure = failed.find((f) => f.index === index)
        if (failure) waiter.reject(writerError(failure.error))
        else waiter.resolve()
      })
    }
  }

  /** The writer thread is gone: every caller still waiting, and every later write, gets `error`. */
  #fail(error: Error): void {
    if (this.#failure !== undefined) return
    this.#failure = error
    const waiters = [...this.#inFlight.flatMap((group) => group.waiters), ...this.#pending.waiters]
    this.#inFlight = []
    this.#pending = new WriteGroup()
    for (const waiter of waiters) waiter.reject(error)
  }
}
