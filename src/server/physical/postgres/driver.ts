// The PostgreSQL driver: a bounded pg pool from a connection URL (TLS as libpq reads sslmode), and errors that never carry the URL or password.
import pg from 'pg'
import type { Logger } from '../../../lib/logger.ts'

export interface PoolSettings {
  connectionUrl: string
  /** Most connections open at once (max_parallel). */
  maxParallel: number
  /** Most connections kept open while idle (max_idle_connections); the rest close when released. */
  maxIdleConnections: number
  logger?: Logger
}

/** A connection pool and the one way to borrow from it. */
export interface Driver {
  readonly pool: pg.Pool
  /** Run `body` on one pooled connection; a connection that failed is discarded, not reused. */
  withClient<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T>
  /** A connection held until `release` (for a transaction spanning many awaits); `broken` discards it. */
  borrow(): Promise<{ client: pg.PoolClient; release(broken?: boolean): void }>
  /** `error` with the connection URL and password removed, prefixed with what was being done. */
  describe(error: unknown, doing: string): Error
  end(): Promise<void>
}

/**
 * sslmode as libpq (psql, pgx, OpenBao) reads it: require encrypts without checking the certificate (or
 * checks the chain when sslrootcert is given), verify-ca checks the chain, verify-full also the host name.
 * The pg package otherwise treats require and verify-ca as verify-full and warns on stderr; its libpq mode
 * is switched on in the URL unless the operator chose either way there.
 */
export function withLibpqSslModes(connectionUrl: string): string {
  let url: URL
  try {
    url = new URL(connectionUrl)
  } catch {
    return connectionUrl
  }
  if (!url.searchParams.has('sslmode') || url.searchParams.has('uselibpqcompat')) return connectionUrl
  url.searchParams.set('uselibpqcompat', 'true')
  return url.toString()
}

/** The strings an error message must never show: the URL as given and its password, raw and decoded. */
function secretsOf(connectionUrl: string): string[] {
  const secrets = [connectionUrl]
  try {
    const url = new URL(connectionUrl)
    if (url.password !== '') secrets.push(url.password, decodeURIComponent(url.password))
    for (const [name, value] of url.searchParams) if (name === 'password' && value !== '') secrets.push(value)
  } catch {}
  return secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length)
}

/** Where the pool connects, for messages: host, port and database, never user or password. */
export function describeTarget(connectionUrl: string): string {
  try {
    const url = new URL(connectionUrl)
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || ''}`
  } catch {
    return 'the configured server'
  }
}

export function createDriver(settings: PoolSettings): Driver {
  const secrets = secretsOf(settings.connectionUrl)
  const target = describeTarget(settings.connectionUrl)
  const redact = (text: string): string =>
    secrets.reduce((out, secret) => out.split(secret).join('***'), text)
  const pool = new pg.Pool({
    connectionString: withLibpqSslModes(settings.connectionUrl),
    max: settings.maxParallel,
    // A server that never answers fails the open (or a request) instead of hanging it.
    connectionTimeoutMillis: 15_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'coffer',
  })
  // A pooled connection that dies while idle (a server restart) is dropped by the pool; without a listener
  // the error event would end the process.
  pool.on('error', (error) =>
    settings.logger?.log('warn', 'postgresql storage: an idle connection failed', {
      error: redact(error.message),
    }),
  )
  pool.on('connect', (client) => {
    // An acknowledged write must be durable: a server (or role) with synchronous_commit = off would lose the
    // last commits on a crash, so such sessions are put back to on. Stronger settings (remote_apply…) stay.
    client
      .query(
        "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'",
      )
      .catch(() => {})
  })

  const describe = (error: unknown, doing: string): Error => {
    const message = error instanceof Error ? error.message : String(error)
    const code = (error as { code?: unknown } | undefined)?.code
    const wrapped = new Error(`postgresql storage (${target}): ${doing}: ${redact(message)}`)
    if (typeof code === 'string') Object.assign(wrapped, { code })
    return wrapped
  }

  return {
    pool,
    describe,
    async withClient(body) {
      let client: pg.PoolClient
      try {
        client = await pool.connect()
      } catch (error) {
        throw describe(error, 'cannot connect')
      }
      let broken: Error | undefined
      // A checked-out client has no pool listener: its connection dying would otherwise be an uncaught error.
      const onError = (error: Error) => {
        broken = error
      }
      client.on('error', onError)
      try {
        return await body(client)
      } catch (error) {
        // A query error with a SQLSTATE leaves the connection usable; anything else (a socket error) does not.
        const code = (error as { code?: unknown }).code
        if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|57P)/.test(code))
          broken = error as Error
        throw error
      } finally {
        client.removeListener('error', onError)
        client.release(broken ?? pool.idleCount >= settings.maxIdleConnections)
      }
    },
    async borrow() {
      let client: pg.PoolClient
      try {
        client = await pool.connect()
      } catch (error) {
        throw describe(error, 'cannot connect')
      }
      let released = false
      let failed = false
      const onError = () => {
        failed = true
      }
      client.on('error', onError)
      return {
        client,
        release: (broken = false) => {
          if (released) return
          released = true
          client.removeListener('error', onError)
          client.release(broken || failed || pool.idleCount >= settings.maxIdleConnections)
        },
      }
    },
    end: () => pool.end(),
  }
}
