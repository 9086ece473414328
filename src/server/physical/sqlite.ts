// Embedded SQLite physical storage: WAL + synchronous=FULL, writes group-committed on a writer thread.
// The parts live in sqlite/: dialect.ts (schema, pragmas, SQL text), driver.ts (connections),
// group-commit.ts and writer.ts (the writer thread); this file puts them together as a Storage.
import { resolve } from 'node:path'
import type { Logger } from '../../lib/logger.ts'
import type { StorageOp } from '../../sdk/storage.ts'
import type { PhysicalStorage, StoredEntry } from './physical.ts'
import type { SealingStorage, SealKey } from './sealing.ts'
import { keyAfter, prefixUpperBound } from './sqlite/dialect.ts'
import {
  openReadConnection,
  openSnapshotConnection,
  prepareDatabaseFiles,
  type ReadConnection,
} from './sqlite/driver.ts'
import { GroupCommit } from './sqlite/group-commit.ts'
import { KeyFilter } from './sqlite/key-filter.ts'
import { collectEntries, sortedByKey } from './whole-store.ts'

export { prefixUpperBound }

export interface SqliteOptions {
  /** The writer thread's script; tests substitute a failing one. */
  writerUrl?: URL
  /** Told when an existing database file had to be made owner-only. */
  logger?: Logger
  /** Tests shrink these to exercise the key filter's growth and a scan running across many turns. */
  keyFilter?: { initialCapacity?: number; scanPage?: number }
  /** WAL frames ahead of the database file that start a checkpoint (tests shrink it to checkpoint often). */
  checkpointFrames?: number
  /** The checkpoint thread's script; tests substitute a failing one. */
  checkpointerUrl?: URL
}

/** Rows read inside one child folder before list() re-seeks past it. */
const SKIP_SCAN_READ_AHEAD = 8
const LIST_PAGE = 512
/** Keys read per page of a whole-store copy. */
const ENTRIES_PAGE = 4096
/** Keys added to the key filter per turn of the event loop while it is built at open. */
const KEY_SCAN_PAGE = 4096

export class SqliteStorage implements SealingStorage, PhysicalStorage {
  readonly #file: string
  readonly #reader: ReadConnection
  readonly #writer: GroupCommit
  /**
   * Every key this storage may hold (a Bloom filter): a get of a key it has never held, such as a write's
   * existence check on a new path, answers without a SQLite read. Exact because this instance is the file's only
   * writer (as the barrier's read cache already assumes) and adds each key before its put is queued; built from a
   * key scan at open, a page per turn, and consulted only once that scan is done (see key-filter.ts).
   */
  readonly #keys: KeyFilter
  #closed = false
  #closing: Promise<void> | undefined
  /** Set while replaceAll gathers its entries: writes made meanwhile wait for the replace, then follow it. */
  #replacing: Promise<void> | undefined

  private constructor(file: string, reader: ReadConnection, writer: GroupCommit, options: SqliteOptions) {
    this.#file = file
    this.#reader = reader
    this.#writer = writer
    this.#keys = new KeyFilter(options.keyFilter)
    // A failed scan leaves the filter incomplete: every get then reads SQLite, as it would without the filter.
    this.#scanKeys(options.keyFilter?.scanPage ?? KEY_SCAN_PAGE).catch(() => undefined)
  }

  /**
   * Add every key in the file to the key filter, a page per turn so a large store does not hold up the request
   * thread. The pages are not one snapshot, and need not be: a key the scan misses was deleted or written while it
   * ran, and every write since open has added its keys already.
   */
  async #scanKeys(page: number): Promise<void> {
    let from = ''
    for (;;) {
      if (this.#closed) return
      const rows = this.#reader.range(from, undefined, page)
      for (const [key] of rows) this.#keys.add(key)
      if (rows.length < page) break
      from = keyAfter(rows[rows.length - 1]![0])
      await new Promise((next) => setImmediate(next))
    }
    this.#keys.markComplete()
  }

  /** Whether the key filter is complete and how much memory it holds (tests and benchmarks). */
  keyFilterState(): { complete: boolean; bytes: number; layers: number } {
    return { complete: this.#keys.complete, bytes: this.#keys.bytes, layers: this.#keys.layers }
  }

  /** Open (creating if needed, owner-only) the database file at `path`, and its parent directory (0700). */
  static open(path: string, options: SqliteOptions = {}): SqliteStorage {
    // Reads and writes use two connections, which a private in-memory database cannot share.
    if (path === ':memory:' || path === '')
      throw new Error('sqlite storage needs a file path; use MemoryStorage')
    const file = resolve(path)
    prepareDatabaseFiles(file, (message, at) =>
      options.logger?.log('warn', `sqlite storage: ${message}`, { file: at }),
    )
    // The read connection creates and migrates the file, so it is ready before the writer thread opens it.
    const reader = openReadConnection(file)
    try {
      return new SqliteStorage(
        file,
        reader,
        new GroupCommit(file, options.writerUrl, {
          ...(options.checkpointFrames === undefined ? {} : { frames: options.checkpointFrames }),
          ...(options.checkpointerUrl === undefined ? {} : { checkpointerUrl: options.checkpointerUrl }),
        }),
        options,
      )
    } catch (error) {
      reader.close()
      throw error
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen()
    if (!this.#keys.mayHold(key)) return undefined
    return this.#reader.get(key)
  }

  /**
   * True when the key filter shows, without an await, that `key` is not stored (get would answer undefined from
   * the filter too): the barrier answers a new path's existence check with it, with no promise and no read-cache
   * entry. False when it cannot tell: the filter may hold the key, is still being built, or the storage is closed.
   */
  knownAbsent(key: string): boolean {
    return !this.#closed && !this.#keys.mayHold(key)
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

  /** Durable commits made so far and the batches they carried (see GroupCommit.stats). */
  commitStats(): { commits: number; batches: number } {
    return this.#writer.stats
  }

  setSealKey(key: SealKey | undefined): void {
    if (this.#closed) return
    this.#writer.setSealKey(key)
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen()
    const upper = prefixUpperBound(prefix)
    const out: string[] = []
    let from = prefix
    // Leaves come in pages (one native call per page, far cheaper than an iterator step per row). Inside a
    // child folder the scan reads on for a few rows (cheaper than a re-seek for small folders); past that it
    // re-seeks beyond the folder's subtree, so a folder holding millions of keys costs one index seek, not a
    // scan.
    let folder: string | undefined
    let skipped = 0
    for (;;) {
      let reseekAt: string | undefined
      const rows = this.#reader.range(from, upper, LIST_PAGE)
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
      from = keyAfter(rows[rows.length - 1]![0])
    }
    // SQLite orders by UTF-8 bytes; callers expect JavaScript's string order (as MemoryStorage gives).
    return out.sort()
  }

  /**
   * Every entry as of the first step, from a read-only connection of its own holding one read transaction (WAL
   * snapshot isolation), so get() on the shared read connection carries on undisturbed. Keys are read first and
   * sorted in JavaScript string order (SQLite orders by UTF-8 bytes), then each value is read in that order.
   */
  async *entries(): AsyncGenerator<StoredEntry> {
    this.#assertOpen()
    const snapshot = openSnapshotConnection(this.#file)
    try {
      const keys: string[] = []
      for (let after = ''; ; ) {
        const page = snapshot.keysAfter(after, ENTRIES_PAGE)
        keys.push(...page)
        if (page.length < ENTRIES_PAGE) break
        after = page[page.length - 1]!
      }
      // The empty key sorts first and `key > ''` skips it.
      const empty = snapshot.get('')
      if (empty !== undefined) keys.unshift('')
      for (const key of sortedByKey(keys)) {
        const value = snapshot.get(key)
        if (value === undefined) throw new Error('sqlite storage: a key vanished inside a read transaction')
        yield { key, value }
      }
    } finally {
      snapshot.close()
    }
  }

  /**
   * Gather every entry (a throwing iterable changes nothing), then replace the table in one durable transaction on
   * the writer thread, after the writes queued before this call; writes made from now on wait for it.
   */
  replaceAll(entries: AsyncIterable<StoredEntry>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('sqlite storage is closed'))
    const previous = this.#replacing ?? Promise.resolve()
    const run = previous.then(async () => {
      const collected = await collectEntries(entries)
      // Before the replace is queued, as for every put: the new keys may be read as soon as it commits.
      for (const { key } of collected) if (typeof key === 'string') this.#keys.add(key)
      return this.#writer.replace(collected)
    })
    const gate = run.then(
      () => undefined,
      () => undefined,
    )
    this.#replacing = gate
    void gate.then(() => {
      if (this.#replacing === gate) this.#replacing = undefined
    })
    return run
  }

  /** Commit queued writes, stop the writer thread and close both connections; later calls reject. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async #shutdown(): Promise<void> {
    try {
      await this.#writer.flush()
    } finally {
      this.#reader.close()
      await this.#writer.stop()
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('sqlite storage is closed')
  }

  #enqueue(ops: StorageOp[], seal: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('sqlite storage is closed'))
    // Into the key filter before the write is queued (a key that is not a string is refused by the queue).
    for (const op of ops) if (op.op === 'put' && typeof op.key === 'string') this.#keys.add(op.key)
    const replacing = this.#replacing
    if (replacing !== undefined) return replacing.then(() => this.#writer.enqueue(ops, seal))
    return this.#writer.enqueue(ops, seal)
  }
}
