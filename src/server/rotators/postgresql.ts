// PostgreSQL for the rotators: pg logins, ALTER ROLE … PASSWORD, and a clone that is a member of the original role.
import pg from 'pg'
import type { Credentials, DatabaseDriver, Session } from './database.ts'

class PostgresSession implements Session {
  readonly client: pg.Client
  constructor(client: pg.Client) {
    this.client = client
  }

  async check(): Promise<void> {
    await this.client.query('SELECT now()')
  }

  async changeOwnPassword(username: string, password: string): Promise<void> {
    await this.setPassword(username, password)
  }

  async userExists(username: string): Promise<boolean> {
    const found = await this.client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])
    return (found.rowCount ?? 0) > 0
  }

  /**
   * As the template does: a login role that is a member of the original, so it inherits every privilege the
   * original has now or is granted later. One transaction: no half-made clone is left behind.
   */
  async createClone(original: string, clone: string, password: string): Promise<void> {
    const c = this.client
    await c.query('BEGIN')
    try {
      // Utility statements take no bind parameters: identifiers and the password are quoted by pg's escaping.
      await c.query(
        `CREATE ROLE ${c.escapeIdentifier(clone)} WITH LOGIN PASSWORD ${c.escapeLiteral(password)}`,
      )
      await c.query(`GRANT ${c.escapeIdentifier(original)} TO ${c.escapeIdentifier(clone)}`)
      await c.query('COMMIT')
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {})
      throw error
    }
  }

  async setPassword(username: string, password: string): Promise<void> {
    const c = this.client
    await c.query(`ALTER ROLE ${c.escapeIdentifier(username)} WITH PASSWORD ${c.escapeLiteral(password)}`)
  }

  /** Not needed: a clone is made in one transaction, and a concurrent CREATE ROLE waits for it to commit. */
  exclusively<T>(_key: string, work: () => Promise<T>): Promise<T> {
    return work()
  }

  async close(): Promise<void> {
    await this.client.end()
  }
}

export const postgresql: DatabaseDriver = {
  label: 'PostgreSQL',
  engines: ['postgres', 'postgresql', 'aurora-postgresql'],
  defaultPort: 5432,
  async login(credentials: Credentials): Promise<Session> {
    const client = new pg.Client({
      host: credentials.host,
      port: credentials.port,
      user: credentials.username,
      password: credentials.password,
      database: credentials.dbname ?? 'postgres',
      connectionTimeoutMillis: 10_000,
    })
    // A connection dropped later surfaces on the next query; the event itself must not crash the process.
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    return new PostgresSession(client)
  },
}
