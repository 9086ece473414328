// MySQL/MariaDB plugin (mysql-database-plugin and its aurora/rds/legacy names): a mysql2 pool per config.
import mysql from 'mysql2/promise'
import { InvalidRequestError } from '../../../../sdk/errors.ts'
import { formatExpiration, renderStatements } from '../templating.ts'
import { renderConnectionUrl } from './connection-url.ts'
import type { ConnectionSettings, DatabaseConnection, DatabasePlugin, NewUser } from './plugin.ts'

/**
 * Go's MySQL DSN `[user[:password]@][net[(addr)]]/dbname[?params]`, which Vault configs use; the user part ends at
 * the last '@' before the last '/', so a password may hold '@' or ':'.
 */
export function parseMysqlDsn(dsn: string): mysql.PoolOptions {
  if (/^mysql:\/\//i.test(dsn)) {
    try {
      const url = new URL(dsn)
      return {
        host: url.hostname,
        port: url.port ? Number(url.port) : 3306,
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1) || undefined,
      }
    } catch {
      throw new InvalidRequestError('connection_url is not a valid mysql:// URL')
    }
  }
  const slash = dsn.lastIndexOf('/')
  if (slash === -1)
    throw new InvalidRequestError('connection_url must look like user:password@tcp(host:port)/dbname')
  const head = dsn.slice(0, slash)
  const [database = '', query = ''] = dsn.slice(slash + 1).split('?', 2)
  const at = head.lastIndexOf('@')
  const credentials = at === -1 ? '' : head.slice(0, at)
  const address = at === -1 ? head : head.slice(at + 1)
  const colon = credentials.indexOf(':')
  const user = colon === -1 ? credentials : credentials.slice(0, colon)
  const password = colon === -1 ? '' : credentials.slice(colon + 1)
  const options: mysql.PoolOptions = { user, password, ...(database ? { database } : {}) }
  const net = /^(\w*)(?:\((.*)\))?$/.exec(address)
  if (!net) throw new InvalidRequestError('connection_url has an unreadable address; use tcp(host:port)')
  const [, protocol = '', addr = ''] = net
  if (protocol === 'unix') options.socketPath = addr
  else if (protocol === '' || protocol === 'tcp') {
    const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(addr)
    if (!m) throw new InvalidRequestError('connection_url has an unreadable host:port')
    options.host = m[1]?.replace(/^\[|\]$/g, '') || '127.0.0.1'
    options.port = m[2] ? Number(m[2]) : 3306
  } else throw new InvalidRequestError(`connection_url uses an unsupported network "${protocol}"`)
  for (const pair of query.split('&').filter(Boolean)) {
    const [key, value = ''] = pair.split('=')
    if (key === 'tls' && value !== 'false') options.ssl = { rejectUnauthorized: value !== 'skip-verify' }
  }
  return options
}

const quoteString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`

class MysqlConnection implements DatabaseConnection {
  readonly #pool: mysql.Pool

  constructor(settings: ConnectionSettings) {
    const rendered = renderConnectionUrl(
      settings.connectionUrl.trim(),
      settings.username,
      settings.password,
      !settings.disableEscaping,
    )
    this.#pool = mysql.createPool({
      ...parseMysqlDsn(rendered),
      connectionLimit: settings.maxOpenConnections,
      maxIdle: settings.maxIdleConnections,
      idleTimeout: settings.maxConnectionLifetime > 0 ? settings.maxConnectionLifetime * 1000 : 60_000,
      connectTimeout: 10_000,
      multipleStatements: false,
    })
  }

  async verify(): Promise<void> {
    await this.#pool.query('SELECT 1')
  }

  /** MySQL commits DDL implicitly, so statements run one by one on one connection. */
  async #run(queries: string[]): Promise<void> {
    const conn = await this.#pool.getConnection()
    try {
      for (const query of queries) await conn.query(query)
    } finally {
      conn.release()
    }
  }

  async newUser(user: NewUser): Promise<void> {
    // A role written for a Redis config that became SQL since: nothing to run would hand out a user that is not there.
    if (user.statements.length === 0) throw new InvalidRequestError('empty creation statements')
    const vars = {
      name: user.username,
      username: user.username,
      password: user.password,
      expiration: formatExpiration(user.expiration),
    }
    try {
      await this.#run(renderStatements(user.statements, vars))
    } catch (error) {
      // Statements that ran before the failure are not rolled back by MySQL; the role's rollback statements are.
      const rollback =
        user.rollbackStatements.length > 0
          ? renderStatements(user.rollbackStatements, vars)
          : [`DROP USER IF EXISTS ${quoteString(user.username)}@'%'`]
      await this.#run(rollback).catch(() => {})
      throw error
    }
  }

  async renewUser(username: string, expiration: Date, statements: string[]): Promise<void> {
    if (statements.length === 0) return
    await this.#run(
      renderStatements(statements, { name: username, username, expiration: formatExpiration(expiration) }),
    )
  }

  async deleteUser(username: string, statements: string[]): Promise<void> {
    if (statements.length > 0) {
      await this.#run(renderStatements(statements, { name: username, username }))
      return
    }
    // The default: drop every account of that name, then end the sessions it still has open.
    const [hosts] = await this.#pool.query<mysql.RowDataPacket[]>(
      'SELECT Host FROM mysql.user WHERE User = ?',
      [username],
    )
    for (const row of hosts)
      await this.#run([`DROP USER IF EXISTS ${quoteString(username)}@${quoteString(String(row['Host']))}`])
    const [sessions] = await this.#pool.query<mysql.RowDataPacket[]>(
      'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?',
      [username],
    )
    for (const row of sessions) await this.#pool.query(`KILL ${Number(row['ID'])}`).catch(() => {})
  }

  async setPassword(username: string, password: string, statements: string[], self: boolean): Promise<void> {
    const vars = { name: username, username, password }
    if (statements.length > 0) {
      await this.#run(renderStatements(statements, vars))
      return
    }
    let host = '%'
    if (self) {
      // The root account's host is not known ('root'@'localhost' on most installs): ask which account we are.
      // (MariaDB accepts ALTER USER CURRENT_USER() but leaves the password unchanged, so the account is named.)
      const [rows] = await this.#pool.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS me')
      const me = String(rows[0]?.['me'] ?? '')
      host = me.slice(me.lastIndexOf('@') + 1)
    }
    await this.#run([
      `ALTER USER ${quoteString(username)}@${quoteString(host)} IDENTIFIED BY ${quoteString(password)}`,
    ])
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}

function mysqlPlugin(defaultUsernameTemplate: string): DatabasePlugin {
  return {
    kind: 'mysql',
    defaultUsernameTemplate,
    validate(settings) {
      if (settings.connectionUrl.trim() === '')
        throw new InvalidRequestError('connection_url cannot be empty')
      parseMysqlDsn(renderConnectionUrl(settings.connectionUrl.trim(), settings.username, settings.password))
    },
    open: (settings) => new MysqlConnection(settings),
  }
}

/** MySQL 5.7+ and MariaDB allow 32-character user names. */
export const mysqlPluginDefault = mysqlPlugin(
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}',
)
/** mysql-legacy-database-plugin: servers before 5.7 allow 16. */
export const mysqlPluginLegacy = mysqlPlugin(
  '{{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}',
)
