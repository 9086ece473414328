// Embedded SQLite physical storage: WAL + synchronous=FULL, writes group-committed on a writer thread.
// The parts live in sqlite/: dialect.ts (schema, pragmas, SQL text), driver.ts (connections),
// group-commit.ts and writer.ts (the writer thread); this file puts them together as a Storage.
import { resolve } from 'node:path'
import type { Logger } from '../../lib/logger.ts'
import type { StorageOp } from '../../sdk/storage.ts'
import type { SealingStorage, SealKey } from './sealing.ts'
import { keyAfter, prefixUpperBound } from './sqlite/dialect.ts'
import { openReadConnection, prepareDatabaseFiles, type ReadConnection } from './sqlite/driver.ts'
import { GroupCommit } from './sqlite/group-commit.ts'

export { prefixUpperBound }

export interface SqliteOptions {
  /** The writer thread's script; tests substitute a failing one. */
  writerUrl?: URL
  /** Told when an existing database file had to be made owner-only. */
  logger?: Logger
}

/** Rows read inside one child folder before list() re-seeks past it. */
const SKIP_SCAN_READ_AHEAD = 8
const LIST_PAGE = 512

export class SqliteStorage implements SealingStorage {
  readonly #reader: ReadConnection
  readonly #writer: GroupCommit
  #closed = false
  #closing: Promise<void> | undefined

  private constructor(reader: ReadConnection, writer: GroupCommit) {
    this.#reader = reader
    this.#writer = writer
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
      return new SqliteStorage(reader, new GroupCommit(file, options.writerUrl))
    } catch (error) {
      reader.close()
      throw error
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen()
    return this.#reader.get(key)
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
    return this.#writer.enqueue(ops, seal)
  }
}
