// A throwaway database on the shared loopback PostgreSQL (trust auth): created with a random name, dropped after.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  name: string
  /** A connection URL for the database (user postgres, no password: the shared server trusts loopback). */
  url: string
  /** Runs one statement in the database. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>
  /** Drops the database and the roles tagged for it (see pgRoleTag), ending any session still connected. Safe to call twice. */
  drop(): Promise<void>
}

async function admin<T>(body: (client: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** The comment that marks a role as created for the test database `database` (a name or a connection URL). */
export function roleTagFor(database: string): string {
  const name = database.includes('://') ? new URL(database).pathname.slice(1) : database
  return `coffer-test:${name}`
}

/**
 * A statement tagging the dynamic role `{{name}}` with its test database, to add after a CREATE ROLE. Roles are
 * cluster-wide and outlive the database, and a lease the test never revokes (or cannot: a failing revocation
 * statement) would leave its role behind; drop() removes exactly the roles carrying its own tag, never another file's.
 */
export function pgRoleTag(database: string): string {
  return `COMMENT ON ROLE "{{name}}" IS '${roleTagFor(database)}';`
}

/** Drops every role tagged for `database`; a role still owning objects elsewhere would fail loudly, which is wanted. */
export async function dropTaggedRoles(database: string): Promise<string[]> {
  return admin(async (c) => {
    const tagged = await c.query<{ rolname: string }>(
      `SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d
         ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
       WHERE d.description = $1`,
      [roleTagFor(database)],
    )
    const names = tagged.rows.map((row) => row.rolname)
    for (const name of names) await c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(name)}`)
    return names
  })
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `coffer_test_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  const url = `postgres://postgres@127.0.0.1:5432/${name}`
  let dropped = false
  return {
    name,
    url,
    query: (sql, params = []) => admin((c) => c.query(sql, params), url),
    drop: async () => {
      if (dropped) return
      dropped = true
      // The database first: privileges granted inside it go with it, so its roles own nothing left to block DROP ROLE.
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
      await dropTaggedRoles(name)
    },
  }
}
