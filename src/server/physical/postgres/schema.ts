// Brings a PostgreSQL database to this build's schema on open, and refuses one written by a newer build.
import type pg from 'pg'
import { MIGRATIONS, metaSchema, SCHEMA_VERSION, type Statements, type Tables } from './dialect.ts'

/** A database this build must not open; the message says why and what to do. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError'
}

function parseVersion(raw: string | undefined, t: Tables): number {
  if (raw === undefined) return 0
  const version = Number(raw)
  if (!Number.isSafeInteger(version) || version < 0)
    throw new SchemaError(`table ${t.metaName} records an unreadable schema version`)
  return version
}

function refuseNewer(version: number, t: Tables): void {
  if (version > SCHEMA_VERSION)
    throw new SchemaError(
      `table ${t.name} was written by a newer Coffer (schema version ${version}; this build knows up to ` +
        `${SCHEMA_VERSION}); upgrade Coffer instead of opening it with this build`,
    )
}

/**
 * Create the tables when missing and run the migrations the recorded version lacks, in one transaction
 * under an advisory lock, so nodes starting together migrate once. Returns the version now recorded.
 */
export async function migrate(client: pg.PoolClient, t: Tables, sql: Statements): Promise<number> {
  await client.query('BEGIN')
  try {
    await client.query(sql.lockSchema, [`coffer schema ${t.name}`])
    await client.query(metaSchema(t))
    const found = parseVersion((await client.query(sql.readVersion)).rows[0]?.value, t)
    refuseNewer(found, t)
    for (let version = found; version < SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version]!(t)) await client.query(statement)
    }
    if (found !== SCHEMA_VERSION) await client.query(sql.writeVersion, [String(SCHEMA_VERSION)])
    await client.query('COMMIT')
    return SCHEMA_VERSION
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/**
 * skip_create_table: the operator owns the schema. The table must exist; a recorded version (the meta
 * table is optional here) must be exactly this build's, since nothing will migrate it.
 */
export async function checkSchema(client: pg.PoolClient, t: Tables, sql: Statements): Promise<number> {
  const present = async (name: string) => (await client.query(sql.exists, [name])).rows[0]?.present === true
  if (!(await present(t.kv)))
    throw new SchemaError(
      `table ${t.name} does not exist and skip_create_table is set; create it (docs/storage-postgresql.md) or unset skip_create_table`,
    )
  if (!(await present(t.meta))) return SCHEMA_VERSION
  const found = parseVersion((await client.query(sql.readVersion)).rows[0]?.value, t)
  refuseNewer(found, t)
  if (found !== 0 && found < SCHEMA_VERSION)
    throw new SchemaError(
      `table ${t.name} is at schema version ${found} and needs migrating to ${SCHEMA_VERSION}, which skip_create_table forbids; unset it for one start`,
    )
  return found === 0 ? SCHEMA_VERSION : found
}
