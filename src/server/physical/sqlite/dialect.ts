// The SQLite dialect: schema, migrations, pragmas, statement text and key order; no connections (see driver.ts).
//
// Everything here is part of the on-disk format: a database written by an earlier build must open unchanged,
// and __fixtures__/sqlite-v1.db (read back by sqlite-format.test.ts) pins it. A PostgreSQL backend brings its
// own dialect and driver beside this pair.

/** The one table: every key with its (barrier-sealed, or clear for core/seal-config) value. */
export const TABLE = 'kv'

/**
 * Statements that bring any earlier database up to the current schema, run in order on every open; each must
 * be idempotent. No schema version is stored (PRAGMA user_version stays 0): writing one would change the file
 * header of databases that need no migration. The first change that needs a version adds it then.
 */
export const MIGRATIONS: readonly string[] = [
  // A rowid table with the key index beside it: inserts of ~1 KiB values run several times faster than in a
  // WITHOUT ROWID table, whose leaves hold only a few such rows and split constantly.
  `CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, value BLOB NOT NULL)`,
]

/**
 * Run before the migrations on the first connection to open the file. WAL lets the read connection and the
 * writer thread's connection work side by side; readers see each commit as soon as it is made. The mode is
 * stored in the file, so the writer's connection inherits it.
 */
export const FILE_PRAGMAS: readonly string[] = ['PRAGMA journal_mode = WAL']

/** The request thread's connection, after the migrations. */
export const READ_PRAGMAS: readonly string[] = [
  // Every write goes through the writer thread; this connection only reads.
  'PRAGMA query_only = ON',
  // Random point reads over a table larger than the 2 MiB default cache run ~15% faster with 64 MiB
  // (bench/sqlite-writes.ts --gets); pages are only held once read. mmap measured a little faster still but
  // turns a disk I/O error into SIGBUS, so it stays off.
  'PRAGMA cache_size = -65536',
]

/** The writer thread's connection. */
export const WRITE_PRAGMAS: readonly string[] = [
  // FULL fsyncs the WAL on every commit: an acknowledged write survives power loss and kill -9.
  'PRAGMA synchronous = FULL',
  // No checkpoint inside commits: the checkpoint thread copies the WAL into the database file on a connection of its
  // own, concurrently with commits (checkpoints.ts decides when, at CHECKPOINT_FRAMES). Connection settings, not stored
  // in the file: the on-disk format does not change.
  'PRAGMA wal_autocheckpoint = 0',
  // Once a checkpoint has let the WAL start over, a file grown past this by a burst is truncated back.
  'PRAGMA journal_size_limit = 67108864',
]

/** The checkpoint thread's connection. */
export const CHECKPOINT_PRAGMAS: readonly string[] = [
  // The database file is fsynced at the end of each checkpoint, before the WAL may start over.
  'PRAGMA synchronous = FULL',
]

/**
 * Frames the WAL may hold beyond the last checkpoint before one is started: ~40 MiB of 4 KiB pages, ten times
 * SQLite's default. Writes under random keys (hashed KV version keys, token hashes) dirty the same interior and
 * table pages commit after commit; each checkpoint copies every page once however often it was rewritten, so a
 * longer interval copies and fsyncs far less per write (docs/performance.md, the write path).
 */
export const CHECKPOINT_FRAMES = 10_000

/** Statement text; `?` placeholders in the order given. */
export const SQL = {
  /** (key) → [value] */
  get: `SELECT value FROM ${TABLE} WHERE key = ?`,
  /** (from, to, limit) → [key]…: keys in [from, to), in key order. */
  rangeBounded: `SELECT key FROM ${TABLE} WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`,
  /** (from, limit) → [key]…: keys from `from` on, in key order. */
  rangeOpen: `SELECT key FROM ${TABLE} WHERE key >= ? ORDER BY key LIMIT ?`,
  /** (key, value) */
  upsert: `INSERT INTO ${TABLE}(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
  /** (key) */
  delete: `DELETE FROM ${TABLE} WHERE key = ?`,
  /** Every row: the first step of a whole-store replace, inside its transaction. */
  clear: `DELETE FROM ${TABLE}`,
  /** (after, limit) → [key]…: keys strictly after `after`, in key order (a whole-store copy's pages). */
  keysAfter: `SELECT key FROM ${TABLE} WHERE key > ? ORDER BY key LIMIT ?`,
  /** → {busy, log, checkpointed}: copy what it can of the WAL without waiting on readers or the writer. */
  checkpoint: 'PRAGMA wal_checkpoint(PASSIVE)',
  /** IMMEDIATE takes the write lock up front, so a commit never fails half-way for want of it. */
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
} as const

/**
 * The smallest string that sorts (by UTF-8 bytes, SQLite's BINARY collation of the key column) after every
 * string starting with `prefix`; undefined when no such bound exists (empty prefix).
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

/** The smallest key greater than `key` in BINARY order: where the next page of a range starts. */
export function keyAfter(key: string): string {
  return `${key}\u0000`
}
