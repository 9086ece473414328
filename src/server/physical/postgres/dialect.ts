// The PostgreSQL dialect: schema, migrations, the recorded schema version, statement text and key order; no connections.
//
// Key order: the key column is TEXT COLLATE "C", which compares the UTF-8 bytes (memcmp), the same order as
// SQLite's BINARY collation and as Unicode code points. JavaScript's string order (UTF-16 code units) differs
// only between astral characters (surrogate pairs) and U+E000..U+FFFF, so anything promised "in JavaScript
// order" is sorted in JavaScript after it leaves the database.
import { prefixUpperBound } from '../sqlite/dialect.ts'

export { prefixUpperBound }

/** The schema this build writes. A database recording a higher version was written by a newer build: refused. */
export const SCHEMA_VERSION = 1

export const DEFAULT_TABLE = 'coffer_kv_store'
export const DEFAULT_HA_TABLE = 'coffer_ha_locks'

/** A table name as configured: an identifier, optionally schema-qualified; room is left for the `_meta` suffix. */
const TABLE_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]{0,57}\.)?[A-Za-z_][A-Za-z0-9_]{0,57}$/

export function isValidTableName(name: string): boolean {
  return TABLE_NAME.test(name)
}

/** Quoted identifiers for the key/value table and its meta table (`<table>_meta`, same schema). */
export interface Tables {
  /** The configured name, unquoted, as the operator wrote it: for messages and to_regclass. */
  name: string
  kv: string
  meta: string
  /** The meta table's name as to_regclass takes it. */
  metaName: string
}

export function tables(name: string): Tables {
  if (!isValidTableName(name)) throw new Error(`invalid postgresql table name: ${JSON.stringify(name)}`)
  const parts = name.split('.')
  const quote = (part: string) => `"${part}"`
  const meta = [...parts.slice(0, -1), `${parts.at(-1)}_meta`]
  return { name, kv: parts.map(quote).join('.'), meta: meta.map(quote).join('.'), metaName: meta.join('.') }
}

/**
 * The meta table holds the schema version as a row, created (idempotently) before the migrations run, so the
 * version is read and written in the same transaction as the migrations it describes.
 */
export function metaSchema(t: Tables): string {
  return `CREATE TABLE IF NOT EXISTS ${t.meta} (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)`
}

/**
 * MIGRATIONS[i] brings a database from version i to version i + 1; each statement is idempotent, so a
 * table an operator created by hand (skip_create_table, then turned off) is adopted as it is.
 */
export const MIGRATIONS: readonly ((t: Tables) => string[])[] = [
  (t) => [
    `CREATE TABLE IF NOT EXISTS ${t.kv} (key TEXT COLLATE "C" PRIMARY KEY, value BYTEA NOT NULL)`,
    // Values are barrier ciphertext and do not compress: EXTERNAL stores large ones out of line without
    // spending CPU on a compression attempt that cannot succeed.
    `ALTER TABLE ${t.kv} ALTER COLUMN value SET STORAGE EXTERNAL`,
  ],
]

/** Statement text; `$n` placeholders as documented per statement. */
export function statements(t: Tables) {
  return {
    /** ($1 key) → value */
    get: `SELECT value FROM ${t.kv} WHERE key = $1`,
    /** ($1 from, inclusive; $2 to, exclusive or NULL for no bound; $3 limit) → key… in key order. */
    rangeFrom: `SELECT key FROM ${t.kv} WHERE key >= $1 AND ($2::text IS NULL OR key < $2) ORDER BY key LIMIT $3`,
    /** ($1 after, exclusive; $2 to, exclusive or NULL; $3 limit) → key… in key order. */
    rangeAfter: `SELECT key FROM ${t.kv} WHERE key > $1 AND ($2::text IS NULL OR key < $2) ORDER BY key LIMIT $3`,
    /** ($1 after, exclusive, or NULL from the start; $2 limit) → key… in key order, for whole-store copies. */
    keysAfter: `SELECT key FROM ${t.kv} WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2`,
    /** ($1 keys text[]) → key, value */
    valuesOf: `SELECT key, value FROM ${t.kv} WHERE key = ANY($1::text[])`,
    /**
     * ($1 put keys text[], $2 put values bytea[], $3 delete keys text[]): one statement, so one round trip
     * and its own transaction. The key sets are disjoint (a group is collapsed per key first), so the delete
     * and the upsert never touch the same row.
     */
    apply: `WITH deleted AS (DELETE FROM ${t.kv} WHERE key = ANY($3::text[]))
      INSERT INTO ${t.kv} (key, value) SELECT * FROM unnest($1::text[], $2::bytea[])
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    /** ($1 keys text[], $2 values bytea[]): plain insert, for replaceAll after its DELETE. */
    insertMany: `INSERT INTO ${t.kv} (key, value) SELECT * FROM unnest($1::text[], $2::bytea[])
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    deleteAll: `DELETE FROM ${t.kv}`,
    /** → value: the recorded schema version, when there is one. */
    readVersion: `SELECT value FROM ${t.meta} WHERE name = 'schema_version'`,
    /** ($1 version as text) */
    writeVersion: `INSERT INTO ${t.meta} (name, value) VALUES ('schema_version', $1)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    /** ($1 regclass text) → whether the relation exists */
    exists: 'SELECT to_regclass($1) IS NOT NULL AS present',
    /** ($1 lock id text): serialises schema changes between nodes starting at once. */
    lockSchema: 'SELECT pg_advisory_xact_lock(hashtext($1))',
  } as const
}

export type Statements = ReturnType<typeof statements>

/**
 * Why `key` cannot be stored, or undefined when it can. PostgreSQL text holds no NUL, and a lone surrogate
 * would be silently replaced by U+FFFD on its way to UTF-8, storing a different key than the caller named.
 */
export function unstorableKey(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'storage key must be a string'
  if (key.includes('\u0000')) return 'storage key must not contain a NUL character'
  if (!key.isWellFormed()) return 'storage key must be well-formed UTF-16 (no lone surrogates)'
  return undefined
}

/** JavaScript string order, the order the Storage contract promises (the database gives code point order). */
export function jsOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
