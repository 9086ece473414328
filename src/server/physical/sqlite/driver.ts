// The SQLite driver's connections (node:sqlite): the request thread's read connection and the writer thread's write connection.
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { preparePrivateFile, restrictToOwner } from '../../../lib/private-file.ts'
import { CHECKPOINT_PRAGMAS, FILE_PRAGMAS, MIGRATIONS, READ_PRAGMAS, SQL, WRITE_PRAGMAS } from './dialect.ts'

/** How long a connection waits on the other's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000

/**
 * Make the database file (and its parent directory, 0700) exist owner-only before SQLite opens it. Keys (KV
 * paths, token accessors, usernames) are stored in clear. SQLite gives the -wal and -shm files it creates the
 * database file's mode, and ones left by an earlier run are tightened here too.
 */
export function prepareDatabaseFiles(file: string, warn: (message: string, file: string) => void): void {
  preparePrivateFile(file, warn)
  for (const suffix of ['-wal', '-shm']) restrictToOwner(file + suffix, warn)
}

function prepareArrays(db: DatabaseSync, sql: string): StatementSync {
  const stmt = db.prepare(sql)
  stmt.setReturnArrays(true)
  return stmt
}

/** The request thread's connection: point reads and key ranges, never writes. */
export interface ReadConnection {
  get(key: string): Uint8Array | undefined
  /** Up to `limit` keys from `from` (inclusive) to `to` (exclusive; undefined: no bound), in key order. */
  range(from: string, to: string | undefined, limit: number): [string][]
  close(): void
}

/** Open the read connection, switching the file to WAL and migrating the schema first (the writer relies on it). */
export function openReadConnection(file: string): ReadConnection {
  const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS })
  try {
    for (const sql of [...FILE_PRAGMAS, ...MIGRATIONS, ...READ_PRAGMAS]) db.exec(sql)
    const get = prepareArrays(db, SQL.get)
    const rangeBounded = prepareArrays(db, SQL.rangeBounded)
    const rangeOpen = prepareArrays(db, SQL.rangeOpen)
    return {
      // get() and all() reset the statement, so no read transaction outlives the call and the next one sees
      // every commit; all() returns a page in one native call, and leaves no cursor to pin an old snapshot.
      get: (key) => (get.get(key) as unknown as [Uint8Array] | undefined)?.[0],
      range: (from, to, limit) =>
        (to === undefined ? rangeOpen.all(from, limit) : rangeBounded.all(from, to, limit)) as unknown as [
          string,
        ][],
      close: () => db.close(),
    }
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * A read-only connection holding one read transaction: in WAL mode every read in it sees the database as it was
 * at the first one, whatever commits meanwhile, and the shared read connection's point reads are not disturbed.
 * Used for whole-store copies (snapshots, migrations); close() ends the transaction.
 */
export interface SnapshotConnection {
  /** Up to `limit` keys strictly after `after`, in key (UTF-8 byte) order. */
  keysAfter(after: string, limit: number): string[]
  get(key: string): Uint8Array | undefined
  close(): void
}

export function openSnapshotConnection(file: string): SnapshotConnection {
  const db = new DatabaseSync(file, { readOnly: true, timeout: BUSY_TIMEOUT_MS })
  try {
    const keysAfter = prepareArrays(db, SQL.keysAfter)
    const get = prepareArrays(db, SQL.get)
    // A deferred BEGIN takes its snapshot at the first read, which follows at once.
    db.exec('BEGIN')
    keysAfter.all('', 1)
    return {
      keysAfter: (after, limit) =>
        (keysAfter.all(after, limit) as unknown as [string][]).map((row) => row[0]),
      get: (key) => (get.get(key) as unknown as [Uint8Array] | undefined)?.[0],
      close: () => {
        try {
          if (db.isTransaction) db.exec('COMMIT')
        } finally {
          db.close()
        }
      },
    }
  } catch (error) {
    db.close()
    throw error
  }
}

/** The checkpoint thread's connection: copies committed WAL frames into the database file, never writes rows. */
export interface CheckpointConnection {
  /** A PASSIVE checkpoint: frames in the WAL, and how many of them the database file now holds. */
  checkpoint(): { log: number; checkpointed: number }
  close(): void
}

export function openCheckpointConnection(file: string): CheckpointConnection {
  const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS })
  try {
    for (const sql of CHECKPOINT_PRAGMAS) db.exec(sql)
    const checkpoint = db.prepare(SQL.checkpoint)
    return {
      checkpoint: () => {
        const row = checkpoint.get() as { log: number; checkpointed: number }
        return { log: row.log, checkpointed: row.checkpointed }
      },
      close: () => db.close(),
    }
  } catch (error) {
    db.close()
    throw error
  }
}

/** The writer thread's connection: the only one that writes. */
export interface WriteConnection {
  put(key: string, value: Uint8Array): void
  delete(key: string): void
  /** Delete every row (only inside `transaction`, as the first step of a whole-store replace). */
  clear(): void
  /** Run `body` in one transaction: every write in it commits (one fsync) or none does; rethrows its error. */
  transaction(body: () => void): void
  /** A PASSIVE checkpoint on this connection, between transactions (see checkpoints.ts). */
  checkpoint(): { log: number; checkpointed: number }
  /** Let SQLite checkpoint inside the commit that takes the WAL past `frames` (its own scheme). */
  autocheckpoint(frames: number): void
  close(): void
}

/** Open the write connection on a file the read connection has already switched to WAL and migrated. */
export function openWriteConnection(file: string): WriteConnection {
  const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS })
  for (const sql of WRITE_PRAGMAS) db.exec(sql)
  const upsert = db.prepare(SQL.upsert)
  const remove = db.prepare(SQL.delete)
  const clear = db.prepare(SQL.clear)
  const checkpoint = db.prepare(SQL.checkpoint)
  return {
    put: (key, value) => void upsert.run(key, value),
    delete: (key) => void remove.run(key),
    clear: () => void clear.run(),
    transaction(body) {
      db.exec(SQL.begin)
      try {
        body()
        db.exec(SQL.commit)
      } catch (error) {
        try {
          if (db.isTransaction) db.exec(SQL.rollback)
        } catch {
          // The original failure is what callers need; SQLite has already aborted the transaction.
        }
        throw error
      }
    },
    checkpoint: () => {
      const row = checkpoint.get() as { log: number; checkpointed: number }
      return { log: row.log, checkpointed: row.checkpointed }
    },
    autocheckpoint: (frames) => db.exec(`PRAGMA wal_autocheckpoint = ${Math.trunc(frames)}`),
    // Closing the last connection checkpoints the WAL, on the thread that closes it.
    close: () => db.close(),
  }
}
