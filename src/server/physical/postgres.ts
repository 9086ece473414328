// PostgreSQL physical storage: a bounded pg pool, writes group-committed, listing by re-seeking past subtrees.
// The parts live in postgres/: dialect.ts (schema, statement text, key order), driver.ts (pool, TLS, errors),
// schema.ts (create, migrate, version check) and group-commit.ts; this file puts them together.
import type pg from 'pg'
import type { Logger } from '../../lib/logger.ts'
import { StandbyError } from '../../sdk/errors.ts'
import type { StorageOp } from '../../sdk/storage.ts'
import type { PhysicalStorage, StoredEntry } from './physical.ts'
import { ChangeLog, type ChangesSince, EVERYTHING } from './postgres/change-log.ts'
import {
  DEFAULT_TABLE,
  jsOrder,
  prefixUpperBound,
  type Statements,
  statements,
  type Tables,
  tables,
  unstorableKey,
} from './postgres/dialect.ts'
import { createDriver, type Driver } from './postgres/driver.ts'
import { type Change, GroupCommit } from './postgres/group-commit.ts'
import { checkSchema, migrate } from './postgres/schema.ts'

export const DEFAULT_MAX_PARALLEL = 16

export interface PostgresOptions {
  /** A libpq-style URL (postgres://user:password@host:port/db?sslmode=…); never shown in errors. */
  connectionUrl: string
  /** The key/value table, optionally schema-qualified; its meta table is `<table>_meta`. */
  table?: string
  /** Most connections open at once. */
  maxParallel?: number
  /** Most connections kept open while idle; defaults to maxParallel. */
  maxIdleConnections?: number
  /** The operator created the table: do not create or migrate anything, only check. */
  skipCreateTable?: boolean
  logger?: Logger
  /** HA: record every write's keys in a change log that standbys follow to keep their caches fresh. */
  changeLog?: boolean
}

/** Rows read per range query while listing; inside a child folder only a few are read before re-seeking past it. */
const LIST_PAGE = 256
const SKIP_SCAN_READ_AHEAD = 8
/** Keys per page while a whole-store copy reads its key list, and values fetched per query afterwards. */
const COPY_KEY_PAGE = 10_000
const COPY_VALUE_CHUNK = 500
/** Entries per INSERT while replaceAll writes. */
const REPLACE_CHUNK = 500

/** A fresh Uint8Array (not a Buffer view into pg's pooled memory) holding `value`'s bytes. */
const own = (value: Uint8Array): Uint8Array => new Uint8Array(value)

/** A query run first in every write transaction under HA (see PostgresHaBackend.fenceStatement). */
export interface WriteFence {
  text: string
  values: unknown[]
}

export class PostgresStorage implements PhysicalStorage {
  readonly #driver: Driver
  readonly #sql: Statements
  readonly #writer: GroupCommit
  readonly #tables: Tables
  #closed = false
  #fence: WriteFence | undefined
  readonly #changeLog: ChangeLog | undefined
  #closing: Promise<void> | undefined

  private constructor(driver: Driver, t: Tables, changeLog: ChangeLog | undefined) {
    this.#driver = driver
    this.#changeLog = changeLog
    this.#tables = t
    this.#sql = statements(t)
    this.#writer = new GroupCommit((change) => this.#applyChange(change))
  }

  /** Connect, create and migrate the schema (or only check it, with skipCreateTable), and refuse a newer one. */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
    const t = tables(options.table ?? DEFAULT_TABLE)
    const maxParallel = options.maxParallel ?? DEFAULT_MAX_PARALLEL
    const driver = createDriver({
      connectionUrl: options.connectionUrl,
      maxParallel,
      maxIdleConnections: options.maxIdleConnections ?? maxParallel,
      ...(options.logger ? { logger: options.logger } : {}),
    })
    const sql = statements(t)
    try {
      await driver.withClient((client) =>
        options.skipCreateTable ? checkSchema(client, t, sql) : migrate(client, t, sql),
      )
    } catch (error) {
      await driver.end().catch(() => {})
      if (
        error instanceof Error &&
        (error.name === 'SchemaError' || error.message.startsWith('postgresql storage'))
      )
        throw error
      throw driver.describe(error, 'cannot prepare the schema')
    }
    const changeLog = options.changeLog ? new ChangeLog(t) : undefined
    if (changeLog) {
      try {
        await driver.withClient(async (client) => {
          await client.query('BEGIN')
          try {
            // Nodes starting together would race on CREATE TABLE IF NOT EXISTS: one at a time.
            await client.query("SELECT pg_advisory_xact_lock(hashtext('coffer change log'))")
            await changeLog.ensure(client)
            await client.query('COMMIT')
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {})
            throw error
          }
        })
      } catch (error) {
        await driver.end().catch(() => {})
        throw driver.describe(error, 'cannot prepare the change log')
      }
    }
    return new PostgresStorage(driver, t, changeLog)
  }

  /**
   * HA standbys: the keys written since change `since` (see ChangeLog), read in one statement; undefined when this
   * storage keeps no change log.
   */
  async changesSince(since: number): Promise<ChangesSince | undefined> {
    if (this.#changeLog === undefined) return undefined
    this.#assertOpen()
    try {
      return await this.#changeLog.since(this.#driver.pool, since)
    } catch (error) {
      throw this.#driver.describe(error, 'cannot read the change log')
    }
  }

  /** The configured table name, as opened. */
  get table(): string {
    return this.#tables.name
  }

  /** Group-commit counters: transactions committed for writes, and the batches they carried. */
  get commitStats(): { groups: number; batches: number } {
    return this.#writer.stats
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen()
    // A key PostgreSQL cannot hold is not stored.
    if (unstorableKey(key) !== undefined) return undefined
    const rows = await this.#query<{ value: Buffer }>(this.#sql.get, [key], 'read failed')
    return rows[0] === undefined ? undefined : own(rows[0].value)
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.batch([{ op: 'put', key, value }])
  }

  delete(key: string): Promise<void> {
    return this.batch([{ op: 'delete', key }])
  }

  batch(ops: StorageOp[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('postgresql storage is closed'))
    return this.#writer.enqueue(ops)
  }

  async list(prefix: string): Promise<string[]> {
    this.#assertOpen()
    if (unstorableKey(prefix) !== undefined) return []
    const out = await this.#children(prefix, prefix, true, 0)
    // The index walks code point order; callers expect JavaScript's string order (as MemoryStorage gives).
    return out.sort(jsOrder)
  }

  async listPage(prefix: string, after: string | undefined, limit: number): Promise<string[]> {
    this.#assertOpen()
    if (unstorableKey(prefix) !== undefined) return []
    if (after === undefined || after === '') {
      // '' is a real entry (the key equal to prefix) only before every other; starting after it skips it.
      return after === ''
        ? this.#children(prefix, prefix, false, limit)
        : this.#children(prefix, prefix, true, limit)
    }
    if (unstorableKey(after) !== undefined) return []
    // After a folder, resume past its whole subtree; after a leaf, just past that key.
    if (after.endsWith('/')) {
      const past = prefixUpperBound(prefix + after)
      return past === undefined ? [] : this.#children(prefix, past, true, limit)
    }
    return this.#children(prefix, prefix + after, false, limit)
  }

  /**
   * One level under `prefix`, from `from` on, in code point order, at most `limit` entries (0: all). Leaves
   * come a page per query; inside a child folder the scan reads a few rows on, then re-seeks past the
   * folder's subtree, so a folder holding a million keys costs one index seek, not a million rows.
   */
  async #children(prefix: string, from: string, inclusive: boolean, limit: number): Promise<string[]> {
    const upper = prefixUpperBound(prefix) ?? null
    const out: string[] = []
    let folder: string | undefined
    let skipped = 0
    for (;;) {
      const rows = await this.#query<{ key: string }>(
        inclusive ? this.#sql.rangeFrom : this.#sql.rangeAfter,
        [from, upper, LIST_PAGE],
        'list failed',
      )
      let reseekAt: string | undefined
      for (const { key } of rows) {
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
        } else {
          folder = prefix + rest.slice(0, slash + 1)
          skipped = 0
          out.push(rest.slice(0, slash + 1))
        }
        if (limit > 0 && out.length >= limit) return out
      }
      if (reseekAt !== undefined) {
        from = reseekAt
        inclusive = true
        folder = undefined
        continue
      }
      if (rows.length < LIST_PAGE) return out
      from = rows[rows.length - 1]!.key
      inclusive = false
    }
  }

  /**
   * One REPEATABLE READ, read-only transaction on one connection: every key first (keys are small; values
   * are not held), sorted in JavaScript order, then the values in chunks, all from the same snapshot.
   */
  async *entries(): AsyncIterable<StoredEntry> {
    this.#assertOpen()
    const { client, release } = await this.#driver.borrow()
    let broken = true
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const keys: string[] = []
      let after: string | null = null
      for (;;) {
        const page: { key: string }[] = (
          await client.query<{ key: string }>(this.#sql.keysAfter, [after, COPY_KEY_PAGE])
        ).rows
        for (const row of page) keys.push(row.key)
        if (page.length < COPY_KEY_PAGE) break
        after = page[page.length - 1]!.key
      }
      keys.sort(jsOrder)
      for (let i = 0; i < keys.length; i += COPY_VALUE_CHUNK) {
        const chunk = keys.slice(i, i + COPY_VALUE_CHUNK)
        const rows = await client.query<{ key: string; value: Buffer }>(this.#sql.valuesOf, [chunk])
        const values = new Map(rows.rows.map((row) => [row.key, row.value]))
        for (const key of chunk) {
          const value = values.get(key)
          // The snapshot cannot lose a row it listed; a miss would be a bug worth failing loudly on.
          if (value === undefined)
            throw new Error('postgresql storage: a listed key vanished from its snapshot')
          yield { key, value: own(value) }
        }
      }
      await client.query('COMMIT')
      broken = false
    } catch (error) {
      throw error instanceof Error && error.message.startsWith('postgresql storage')
        ? error
        : this.#driver.describe(error, 'copying entries failed')
    } finally {
      if (broken) {
        // Also reached when the consumer stops early: end the snapshot before the connection goes back.
        broken = !(await client.query('ROLLBACK').then(
          () => true,
          () => false,
        ))
      }
      release(broken)
    }
  }

  /** DELETE everything and insert `source` in chunks, in one transaction; queued writes go first, later ones wait. */
  replaceAll(source: AsyncIterable<StoredEntry>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('postgresql storage is closed'))
    return this.#writer.exclusive(() =>
      this.#driver.withClient(async (client) => {
        await client.query('BEGIN')
        try {
          const fence = this.#fence
          if (fence !== undefined) {
            const check = await client.query<{ refused: boolean }>(fence.text, fence.values)
            if (check.rows.some((row) => row.refused)) throw new StandbyError()
          }
          await client.query(this.#sql.deleteAll)
          let chunk = new Map<string, Uint8Array>()
          const insert = async () => {
            if (chunk.size === 0) return
            await client.query(this.#sql.insertMany, [[...chunk.keys()], [...chunk.values()]])
            chunk = new Map()
          }
          for await (const entry of source) {
            const why = unstorableKey(entry.key)
            if (why !== undefined) throw new TypeError(why)
            if (!(entry.value instanceof Uint8Array))
              throw new TypeError(`storage value for ${entry.key} must be a Uint8Array`)
            chunk.set(entry.key, own(entry.value))
            if (chunk.size >= REPLACE_CHUNK) await insert()
          }
          await insert()
          await this.#changeLog?.record(client, [EVERYTHING])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        }
      }),
    )
  }

  /** Commit queued writes, then close every connection; later calls reject. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= this.#writer.flush().finally(() => this.#driver.end())
    return this.#closing
  }

  /**
   * HA fencing: from now on every write transaction first runs `fence` (a query returning one row with a boolean
   * `refused`, taking a row lock that keeps another node from taking over until the transaction ends) and commits
   * only when it is not refused. Undefined lifts it.
   */
  setWriteFence(fence: WriteFence | undefined): void {
    this.#fence = fence
  }

  /** One group as one statement: its own transaction, committed (durably) before the promise resolves. */
  async #applyChange(change: Change): Promise<void> {
    const values = [change.putKeys, change.putValues, change.deleteKeys]
    const fence = this.#fence
    const log = this.#changeLog
    if (fence === undefined && log === undefined) {
      await this.#query(this.#sql.apply, values, 'write failed')
      return
    }
    await this.#fenced(fence, async (client) => {
      await client.query(this.#sql.apply, values)
      await log?.record(client, [...change.putKeys, ...change.deleteKeys])
    })
  }

  /** Run `body` in a transaction that commits only when the fence lets this node write. */
  async #fenced(
    fence: WriteFence | undefined,
    body: (client: pg.PoolClient) => Promise<unknown>,
  ): Promise<void> {
    try {
      await this.#driver.withClient(async (client) => {
        await client.query('BEGIN')
        try {
          if (fence !== undefined) {
            const check = await client.query<{ refused: boolean }>(fence.text, fence.values)
            if (check.rows.some((row) => row.refused)) throw new StandbyError()
          }
          await body(client)
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        }
      })
    } catch (error) {
      if (error instanceof StandbyError) throw error
      throw error instanceof Error && error.message.startsWith('postgresql storage')
        ? error
        : this.#driver.describe(error, 'write failed')
    }
  }

  async #query<Row extends Record<string, unknown>>(
    text: string,
    values: unknown[],
    doing: string,
  ): Promise<Row[]> {
    try {
      return await this.#driver.withClient(async (client) => (await client.query<Row>(text, values)).rows)
    } catch (error) {
      throw error instanceof Error && error.message.startsWith('postgresql storage')
        ? error
        : this.#driver.describe(error, doing)
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('postgresql storage is closed')
  }
}
