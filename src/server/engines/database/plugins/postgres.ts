// PostgreSQL plugin (postgresql-database-plugin): a pg.Pool per config; each user change runs in one transaction.
import pg from 'pg'
import { InvalidRequestError } from '../../../../sdk/errors.ts'
import { formatExpiration, renderStatements } from '../templating.ts'
import { renderConnectionUrl } from './connection-url.ts'
import type { ConnectionSettings, DatabaseConnection, DatabasePlugin, NewUser } from './plugin.ts'
import { scramSha256Verifier } from './scram.ts'

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`

/** libpq accepts URLs and `key=value` strings; pg takes URLs, so a key/value string is turned into options. */
function poolConfig(settings: ConnectionSettings): pg.PoolConfig {
  const rendered = renderConnectionUrl(
    settings.connectionUrl,
    settings.username,
    settings.password,
    !settings.disableEscaping,
  )
  const base: pg.PoolConfig = {
    max: settings.maxOpenConnections,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    ...(settings.maxConnectionLifetime > 0 ? { maxLifetimeSeconds: settings.maxConnectionLifetime } : {}),
  }
  if (/^postgres(ql)?:\/\//i.test(rendered.trim())) {
    try {
      new URL(rendered.trim())
    } catch {
      throw new InvalidRequestError('connection_url is not a valid PostgreSQL URL')
    }
    return { ...base, connectionString: rendered.trim() }
  }
  const options: Record<string, string> = {}
  for (const m of rendered.matchAll(/(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/g)) {
    const raw = m[2]!
    options[m[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
  }
  if (Object.keys(options).length === 0)
    throw new InvalidRequestError('connection_url must be a postgresql:// URL or libpq key=value pairs')
  const known = new Set([
    'host',
    'hostaddr',
    'port',
    'dbname',
    'user',
    'password',
    'sslmode',
    'connect_timeout',
  ])
  const unknown = Object.keys(options).filter((key) => !known.has(key))
  if (unknown.length > 0)
    throw new InvalidRequestError(`connection_url has unsupported keys: ${unknown.join(', ')}`)
  return {
    ...base,
    host: options['host'] ?? options['hostaddr'],
    port: options['port'] ? Number(options['port']) : undefined,
    database: options['dbname'],
    user: options['user'],
    password: options['password'],
    ssl: options['sslmode'] && options['sslmode'] !== 'disable' ? { rejectUnauthorized: false } : undefined,
  }
}

class PostgresConnection implements DatabaseConnection {
  readonly #pool: pg.Pool
  readonly #scram: boolean

  constructor(settings: ConnectionSettings) {
    this.#pool = new pg.Pool(poolConfig(settings))
    this.#scram = settings.passwordAuthentication === 'scram-sha-256'
    // An idle client's error (the server restarting) must not crash the process; the next query reconnects.
    this.#pool.on('error', () => {})
  }

  async verify(): Promise<void> {
    await this.#pool.query('SELECT 1')
  }

  async #transaction(queries: string[]): Promise<void> {
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      for (const query of queries) await client.query(query)
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  /** What {{password}} becomes in statements: the password itself, or its SCRAM verifier. */
  #passwordForDatabase(password: string): string {
    return this.#scram ? scramSha256Verifier(password) : password
  }

  async newUser(user: NewUser): Promise<void> {
    // A role written for a Redis config that became SQL since: nothing to run would hand out a user that is not there.
    if (user.statements.length === 0) throw new InvalidRequestError('empty creation statements')
    const vars = {
      name: user.username,
      username: user.username,
      password: this.#passwordForDatabase(user.password),
      expiration: formatExpiration(user.expiration),
    }
    try {
      await this.#transaction(renderStatements(user.statements, vars))
    } catch (error) {
      if (user.rollbackStatements.length > 0)
        await this.#transaction(renderStatements(user.rollbackStatements, vars)).catch(() => {})
      throw error
    }
  }

  async renewUser(username: string, expiration: Date, statements: string[]): Promise<void> {
    const vars = { name: username, username, expiration: formatExpiration(expiration) }
    const queries =
      statements.length > 0
        ? renderStatements(statements, vars)
        : [`ALTER ROLE ${quoteIdent(username)} VALID UNTIL ${quoteLiteral(vars.expiration)}`]
    await this.#transaction(queries)
  }

  async deleteUser(username: string, statements: string[]): Promise<void> {
    if (statements.length > 0) {
      await this.#transaction(renderStatements(statements, { name: username, username }))
      return
    }
    // The default: nobody can log in as the user any more, its open sessions end, and what it owned stays.
    const exists = await this.#pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])
    if (exists.rowCount === 0) return
    const role = quoteIdent(username)
    await this.#transaction([
      `ALTER ROLE ${role} NOLOGIN`,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${quoteLiteral(username)}`,
      `REASSIGN OWNED BY ${role} TO CURRENT_USER`,
      `DROP OWNED BY ${role}`,
      `DROP ROLE IF EXISTS ${role}`,
    ])
  }

  async setPassword(username: string, plain: string, statements: string[]): Promise<void> {
    const password = this.#passwordForDatabase(plain)
    const queries =
      statements.length > 0
        ? renderStatements(statements, { name: username, username, password })
        : [`ALTER ROLE ${quoteIdent(username)} WITH PASSWORD ${quoteLiteral(password)}`]
    await this.#transaction(queries)
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}

export const postgresPlugin: DatabasePlugin = {
  kind: 'postgres',
  defaultUsernameTemplate:
    '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}',
  validate(settings) {
    if (settings.connectionUrl.trim() === '') throw new InvalidRequestError('connection_url cannot be empty')
    poolConfig(settings)
  },
  open: (settings) => new PostgresConnection(settings),
}
