// A private, throwaway PostgreSQL cluster (initdb + pg_ctl) with SCRAM password checks, for tests the shared trust server cannot prove.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface PgCluster {
  readonly port: number
  /** The bootstrap superuser (`postgres`) and its password, set over the socket after initdb. */
  readonly superuser: string
  readonly superPassword: string
  /** A Coffer connection_url for this cluster with {{username}}/{{password}} placeholders. */
  readonly connectionUrl: string
  /** A superuser client over the unix socket (trusted there), for setting up and checking roles. */
  admin(): Promise<pg.Client>
  /** Runs one statement as the superuser over the socket. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>
  /** Logs in over TCP (SCRAM): 'ok', or the SQLSTATE / error code of the failure (28P01 = wrong password). */
  login(user: string, password: string): Promise<string>
  start(): Promise<void>
  stop(): Promise<void>
  restart(): Promise<void>
  /** Stops the server (immediately) and deletes every file of the cluster. Safe to call twice. */
  remove(): Promise<void>
}

/** The directory holding initdb/pg_ctl, newest version first, or undefined when PostgreSQL's server is not installed. */
export function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : undefined
}

const asRoot = process.getuid?.() === 0

/** Why a cluster cannot be made here, or undefined when it can. */
export function pgClusterUnavailable(): string | undefined {
  if (!findPgBin()) return 'initdb not found under /usr/lib/postgresql/*/bin'
  if (asRoot) {
    if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no "postgres" OS user to run initdb as'
    if (spawnSync('runuser', ['--help']).status !== 0) return 'runuser is not available'
  }
  return undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Runs a PostgreSQL tool as the postgres OS user when we are root (initdb and postgres refuse to run as root). */
function run(bin: string, tool: string, args: string[]): void {
  const [cmd, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
    : [join(bin, tool), args]
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 })
  if (result.status !== 0)
    throw new Error(`${tool} ${args[0] ?? ''} failed (${result.status}): ${result.stderr || result.stdout}`)
}

const live = new Set<() => void>()
// A crashed or failed test file still removes its clusters: stop them immediately and delete their files on exit.
process.once('exit', () => {
  for (const cleanup of live) cleanup()
})

/** initdb a new cluster in a temp dir, configure SCRAM on 127.0.0.1, start it and set the superuser's password. */
/** With `tls`, the cluster also serves TLS with this certificate and key (PEM files, copied into its data). */
export async function startPgCluster(
  options: { tls?: { cert: string; key: string } } = {},
): Promise<PgCluster> {
  const bin = findPgBin()
  if (!bin) throw new Error('initdb not found under /usr/lib/postgresql/*/bin')
  const dir = mkdtempSync(join(tmpdir(), 'coffer-pg-'))
  const data = join(dir, 'data')
  const socketDir = join(dir, 'sock')
  const logFile = join(dir, 'server.log')
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o700)
  let running = false
  const stopNow = () => {
    if (running) run(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w'])
    running = false
  }
  const cleanup = () => {
    try {
      stopNow()
    } catch {}
    rmSync(dir, { recursive: true, force: true })
  }
  live.add(cleanup)
  try {
    run(bin, 'initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
    ])
    run(bin, 'pg_ctl', ['--help']) // fails early when the tool cannot run as the postgres user
    // The bootstrap superuser is trusted over the socket only (to set its password); TCP always checks passwords.
    writeFileSync(
      join(data, 'pg_hba.conf'),
      'local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
    )
    const port = await freePort()
    const runAsPostgres = (file: string) => {
      if (asRoot) spawnSync('chown', ['postgres:postgres', file])
    }
    mkdirSync(socketDir, { mode: 0o700 })
    runAsPostgres(socketDir)
    runAsPostgres(join(data, 'pg_hba.conf'))
    const tlsSettings: string[] = []
    if (options.tls) {
      // The server reads its key only when the key file is private to the user it runs as.
      for (const [from, name, mode] of [
        [options.tls.cert, 'server.crt', 0o644],
        [options.tls.key, 'server.key', 0o600],
      ] as const) {
        writeFileSync(join(data, name), readFileSync(from), { mode })
        runAsPostgres(join(data, name))
      }
      tlsSettings.push('ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'")
    }
    const settings = [
      ...tlsSettings,
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${socketDir}'`,
      "password_encryption = 'scram-sha-256'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 40',
      "shared_buffers = '16MB'",
    ]
    writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`)
    runAsPostgres(join(data, 'postgresql.auto.conf'))
    const superPassword = randomBytes(18).toString('base64url')

    const start = async () => {
      run(bin, 'pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '60'])
      running = true
    }
    const stop = async () => {
      run(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'])
      running = false
    }
    const admin = async () => {
      const client = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' })
      client.on('error', () => {})
      await client.connect()
      return client
    }
    const query = async (sql: string, params: unknown[] = []) => {
      const client = await admin()
      try {
        return await client.query(sql, params)
      } finally {
        await client.end().catch(() => {})
      }
    }
    await start()
    await query(`ALTER ROLE postgres PASSWORD '${superPassword}'`)

    let removed = false
    return {
      port,
      superuser: 'postgres',
      superPassword,
      connectionUrl: `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres?sslmode=disable`,
      admin,
      query,
      login: async (user, password) => {
        const client = new pg.Client({
          host: '127.0.0.1',
          port,
          user,
          password,
          database: 'postgres',
          connectionTimeoutMillis: 10_000,
        })
        client.on('error', () => {})
        try {
          await client.connect()
          await client.query('SELECT 1')
          return 'ok'
        } catch (error) {
          const code = (error as { code?: string }).code
          return code ?? (error instanceof Error ? error.message : String(error))
        } finally {
          await client.end().catch(() => {})
        }
      },
      start,
      stop,
      restart: async () => {
        await stop()
        await start()
      },
      remove: async () => {
        if (removed) return
        removed = true
        live.delete(cleanup)
        cleanup()
      },
    }
  } catch (error) {
    live.delete(cleanup)
    cleanup()
    throw error
  }
}
