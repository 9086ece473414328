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
  /** Drops the database, ending any session still connected to it. Safe to call twice. */
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
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  }
}
