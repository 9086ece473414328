// Real databases for rotation tests: a throwaway SCRAM PostgreSQL cluster, the loopback MariaDB and Redis, each with a grant to probe.
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createClient } from 'redis'
import { type PgCluster, startPgCluster } from './pg-cluster.ts'
import { MARIADB, PG_CLUSTER, REDIS, type Requirement } from './requirements.ts'

export interface TestDatabase {
  /** For test names: "PostgreSQL", "MariaDB", "Redis". */
  name: string
  /** The rotators' name prefix: postgresql, mysql, redis. */
  rotatorPrefix: string
  requirements: Requirement[]
  /** The secret JSON's fixed part: engine, host, port (and dbname). */
  base: Record<string, unknown>
  master: { username: string; password: string }
  /** Whether SQL identifiers reach statements (a username with quotes is a useful injection probe). */
  quotesInNames: boolean
  start(): Promise<void>
  stop(): Promise<void>
  /** A user holding the probe grant; `selfRotating` adds what changing its own password needs (Redis). */
  createUser(username: string, password: string, options?: { selfRotating?: boolean }): Promise<void>
  /** Removes the user if it exists. */
  dropUser(username: string): Promise<void>
  /** Whether username/password logs in and can use the probe grant. */
  works(username: string, password: string): Promise<boolean>
  /** Whether a login with these credentials is accepted at all. */
  logsIn(username: string, password: string): Promise<boolean>
  /** Whether `username` exists (for checking that an injection attempt created or dropped nothing). */
  exists(username: string): Promise<boolean>
  /** An application's connection: logs in (rejecting when refused) and runs the probe query on demand. */
  open(username: string, password: string): Promise<AppConnection>
}

export interface AppConnection {
  query(): Promise<void>
  close(): Promise<void>
}

const suffix = () => randomBytes(3).toString('hex')

export function postgresDatabase(): TestDatabase & { cluster(): PgCluster } {
  let cluster: PgCluster
  const table = `rt_probe_${suffix()}`
  const connect = async (user: string, password: string) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: cluster.port,
      user,
      password,
      database: 'postgres',
      connectionTimeoutMillis: 10_000,
    })
    client.on('error', () => {})
    await client.connect()
    return client
  }
  const attempt = async (user: string, password: string, sql: string) => {
    let client: pg.Client | undefined
    try {
      client = await connect(user, password)
      await client.query(sql)
      return true
    } catch {
      return false
    } finally {
      await client?.end().catch(() => {})
    }
  }
  const ident = (name: string) => pg.escapeIdentifier(name)
  return {
    name: 'PostgreSQL',
    rotatorPrefix: 'postgresql',
    requirements: [PG_CLUSTER],
    get base() {
      return { engine: 'postgres', host: '127.0.0.1', port: cluster.port, dbname: 'postgres' }
    },
    get master() {
      return { username: cluster.superuser, password: cluster.superPassword }
    },
    quotesInNames: true,
    cluster: () => cluster,
    start: async () => {
      cluster = await startPgCluster()
      await cluster.query(`CREATE TABLE ${table} (n int); INSERT INTO ${table} VALUES (1)`)
    },
    stop: async () => {
      await cluster?.remove()
    },
    createUser: async (username, password) => {
      await cluster.query(`CREATE ROLE ${ident(username)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`)
      await cluster.query(`GRANT SELECT ON ${table} TO ${ident(username)}`)
    },
    dropUser: async (username) => {
      if ((await cluster.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 0)
        return
      await cluster.query(`DROP OWNED BY ${ident(username)}`)
      await cluster.query(`DROP ROLE ${ident(username)}`)
    },
    works: (username, password) => attempt(username, password, `SELECT n FROM ${table}`),
    logsIn: (username, password) => attempt(username, password, 'SELECT 1'),
    exists: async (username) =>
      ((await cluster.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount ?? 0) > 0,
    open: async (username, password) => {
      const client = await connect(username, password)
      return {
        query: async () => {
          await client.query(`SELECT n FROM ${table}`)
        },
        close: () => client.end(),
      }
    },
  }
}

export function mariaDatabase(): TestDatabase {
  const table = `rt_probe_${suffix()}`
  const root = () => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
  const asRoot = async (sql: string, values: unknown[] = []) => {
    const conn = await root()
    try {
      return (await conn.query(sql, values))[0]
    } finally {
      await conn.end()
    }
  }
  const attempt = async (user: string, password: string, sql: string) => {
    let conn: mysql.Connection | undefined
    try {
      conn = await mysql.createConnection({
        host: '127.0.0.1',
        port: 3306,
        user,
        password,
        connectTimeout: 10_000,
      })
      await conn.query(sql)
      return true
    } catch {
      return false
    } finally {
      await conn?.end().catch(() => {})
    }
  }
  return {
    name: 'MariaDB',
    rotatorPrefix: 'mysql',
    requirements: [MARIADB],
    base: { engine: 'mariadb', host: '127.0.0.1', port: 3306, dbname: 'test' },
    master: { username: 'root', password: '' },
    quotesInNames: true,
    start: async () => {
      await asRoot(`CREATE TABLE test.${table} (n int)`)
      await asRoot(`INSERT INTO test.${table} VALUES (1)`)
    },
    stop: async () => {
      await asRoot(`DROP TABLE IF EXISTS test.${table}`)
    },
    createUser: async (username, password) => {
      await asRoot('CREATE USER ?@? IDENTIFIED BY ?', [username, '%', password])
      await asRoot(`GRANT SELECT ON test.${table} TO ?@?`, [username, '%'])
    },
    dropUser: async (username) => {
      await asRoot('DROP USER IF EXISTS ?@?', [username, '%'])
    },
    works: (username, password) => attempt(username, password, `SELECT n FROM test.${table}`),
    logsIn: (username, password) => attempt(username, password, 'SELECT 1'),
    exists: async (username) =>
      ((await asRoot('SELECT 1 FROM mysql.user WHERE User = ?', [username])) as unknown[]).length > 0,
    open: async (username, password) => {
      const conn = await mysql.createConnection({
        host: '127.0.0.1',
        port: 3306,
        user: username,
        password,
        connectTimeout: 10_000,
      })
      conn.on('error', () => {})
      return {
        query: async () => {
          await conn.query(`SELECT n FROM test.${table}`)
        },
        close: () => conn.end(),
      }
    },
  }
}

export function redisDatabase(): TestDatabase {
  const prefix = `rt_probe_${suffix()}`
  const connect = async (username: string, password: string) => {
    const client = createClient({
      socket: { host: '127.0.0.1', port: 6379, connectTimeout: 10_000, reconnectStrategy: false },
      username,
      password,
      disableOfflineQueue: true,
    })
    client.on('error', () => {})
    await client.connect()
    return client
  }
  const asDefault = async (args: string[]) => {
    const client = await connect('default', '')
    try {
      return await client.sendCommand(args)
    } finally {
      await client.close()
    }
  }
  const attempt = async (username: string, password: string, args: string[]) => {
    try {
      const client = await connect(username, password)
      try {
        await client.sendCommand(args)
        return true
      } finally {
        await client.close()
      }
    } catch {
      return false
    }
  }
  return {
    name: 'Redis',
    rotatorPrefix: 'redis',
    requirements: [REDIS],
    base: { engine: 'redis', host: '127.0.0.1', port: 6379 },
    master: { username: 'default', password: '' },
    quotesInNames: false,
    start: async () => {
      await asDefault(['SET', `${prefix}:key`, '1'])
    },
    stop: async () => {
      await asDefault(['DEL', `${prefix}:key`])
    },
    createUser: async (username, password, options = {}) => {
      await asDefault([
        'ACL',
        'SETUSER',
        username,
        'on',
        `>${password}`,
        `~${prefix}:*`,
        '+get',
        '+ping',
        ...(options.selfRotating ? ['+acl|setuser'] : []),
      ])
    },
    dropUser: async (username) => {
      await asDefault(['ACL', 'DELUSER', username])
    },
    works: (username, password) => attempt(username, password, ['GET', `${prefix}:key`]),
    logsIn: (username, password) => attempt(username, password, ['PING']),
    exists: async (username) => (await asDefault(['ACL', 'GETUSER', username])) !== null,
    open: async (username, password) => {
      const client = await connect(username, password)
      return {
        query: async () => {
          await client.sendCommand(['GET', `${prefix}:key`])
        },
        close: () => client.close(),
      }
    },
  }
}
