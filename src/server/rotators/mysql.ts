// MySQL and MariaDB for the rotators: mysql2 logins, each flavour's own-password statement, and a clone made from SHOW GRANTS.
import { createHash } from 'node:crypto'
import mysql from 'mysql2/promise'
import type { Credentials, DatabaseDriver, Session } from './database.ts'

/** A string literal in either sql_mode: backslashes are escape characters unless NO_BACKSLASH_ESCAPES is on. */
export function quoteString(text: string, backslashEscapes: boolean): string {
  const body = backslashEscapes
    ? text.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')
    : text.replace(/'/g, "''")
  return `'${body}'`
}

/** An account name as SHOW GRANTS prints it: `user`@`host`. */
function grantee(user: string, host: string): string {
  return `\`${user.replace(/`/g, '``')}\`@\`${host.replace(/`/g, '``')}\``
}

/**
 * The GRANT statements of `original`@`host` re-addressed to `clone`@`host`: the grantee replaced, any
 * IDENTIFIED … clause (the original's password hash) dropped.
 */
export function cloneGrants(grants: string[], original: string, clone: string, host: string): string[] {
  const from = grantee(original, host)
  const to = grantee(clone, host)
  return grants.map((grant) =>
    grant
      .split(from)
      .join(to)
      .replace(/ IDENTIFIED (BY PASSWORD '[^']*'|VIA .*?)(?= WITH |$)/, ''),
  )
}

class MysqlSession implements Session {
  readonly conn: mysql.Connection
  /** MariaDB and MySQL change a user's own password with different statements. */
  readonly mariadb: boolean
  /** The session's sql_mode: how a string literal is escaped. */
  readonly backslashEscapes: boolean
  constructor(conn: mysql.Connection, mariadb: boolean, backslashEscapes: boolean) {
    this.conn = conn
    this.mariadb = mariadb
    this.backslashEscapes = backslashEscapes
  }

  #literal(text: string): string {
    return quoteString(text, this.backslashEscapes)
  }

  #account(user: string, host: string): string {
    return `${this.#literal(user)}@${this.#literal(host)}`
  }

  async #hosts(user: string): Promise<string[]> {
    const [rows] = await this.conn.query<mysql.RowDataPacket[]>(
      'SELECT Host FROM mysql.user WHERE User = ?',
      [user],
    )
    return rows.map((row) => String(row['Host']))
  }

  async check(): Promise<void> {
    await this.conn.query('SELECT NOW()')
  }

  /**
   * MariaDB lets any user run SET PASSWORD = PASSWORD(…) on itself but wants CREATE USER for ALTER USER; MySQL 8
   * removed PASSWORD() and lets a user ALTER USER its own account.
   */
  async changeOwnPassword(_username: string, password: string): Promise<void> {
    if (this.mariadb) await this.conn.query(`SET PASSWORD = PASSWORD(${this.#literal(password)})`)
    else await this.conn.query(`ALTER USER CURRENT_USER() IDENTIFIED BY ${this.#literal(password)}`)
  }

  async userExists(username: string): Promise<boolean> {
    return (await this.#hosts(username)).length > 0
  }

  /** For each host the original may log in from: the same account name for the clone, with the original's grants. */
  async createClone(original: string, clone: string, password: string): Promise<void> {
    const hosts = await this.#hosts(original)
    if (hosts.length === 0) throw Object.assign(new Error(`no user ${original}`), { code: 'NO_SUCH_USER' })
    const made: string[] = []
    try {
      for (const host of hosts) {
        await this.conn.query(
          `CREATE USER ${this.#account(clone, host)} IDENTIFIED BY ${this.#literal(password)}`,
        )
        made.push(host)
        const [rows] = await this.conn.query<mysql.RowDataPacket[]>(
          `SHOW GRANTS FOR ${this.#account(original, host)}`,
        )
        const grants = rows.map((row) => String(Object.values(row)[0]))
        for (const grant of cloneGrants(grants, original, clone, host)) await this.conn.query(grant)
      }
    } catch (error) {
      // MySQL commits each statement: undo the clone so a retry does not find it with part of the grants.
      for (const host of made)
        await this.conn.query(`DROP USER IF EXISTS ${this.#account(clone, host)}`).catch(() => {})
      throw error
    }
  }

  async setPassword(username: string, password: string): Promise<void> {
    for (const host of await this.#hosts(username))
      await this.conn.query(
        `ALTER USER ${this.#account(username, host)} IDENTIFIED BY ${this.#literal(password)}`,
      )
  }

  /**
   * A named lock (GET_LOCK) for `key`: without it a concurrent invocation could find the clone created but its
   * grants not yet copied. The lock is the session's and goes with it if the connection drops.
   */
  async exclusively<T>(key: string, work: () => Promise<T>): Promise<T> {
    const name = `coffer-rotation:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`
    const [rows] = await this.conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS got', [name])
    if (Number(rows[0]?.['got']) !== 1)
      throw Object.assign(new Error('lock wait timed out'), { code: 'LOCK_TIMEOUT' })
    try {
      return await work()
    } finally {
      await this.conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => {})
    }
  }

  async close(): Promise<void> {
    await this.conn.end()
  }
}

export const mysqlDriver: DatabaseDriver = {
  label: 'MySQL/MariaDB',
  engines: ['mysql', 'mariadb', 'aurora-mysql', 'aurora'],
  defaultPort: 3306,
  async login(credentials: Credentials): Promise<Session> {
    const conn = await mysql.createConnection({
      host: credentials.host,
      port: credentials.port,
      user: credentials.username,
      password: credentials.password,
      ...(credentials.dbname ? { database: credentials.dbname } : {}),
      connectTimeout: 10_000,
      multipleStatements: false,
    })
    conn.on('error', () => {})
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v, @@SESSION.sql_mode AS m')
      const version = String(rows[0]?.['v'] ?? '')
      const mode = String(rows[0]?.['m'] ?? '')
      return new MysqlSession(conn, /mariadb/i.test(version), !/NO_BACKSLASH_ESCAPES/i.test(mode))
    } catch (error) {
      await conn.end().catch(() => {})
      throw error
    }
  },
}
