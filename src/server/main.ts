// `coffer server`: flag parsing, the startup banner, and shutdown on SIGINT/SIGTERM.
import type { LogLevel } from '../lib/logger.ts'
import { loadConfig } from './config/load-config.ts'
import { lockoutDisabledFromEnv } from './config/user-lockout-config.ts'
import { type RunningServer, type StartOptions, startServer } from './start-server.ts'

export { startServer }

const BOOLEAN_FLAGS = new Set(['dev', 'dev-no-store-token', 'dev-inmem'])
const VALUE_FLAGS = new Set([
  'config',
  'dev-listen-address',
  'dev-root-token-id',
  'dev-aws-access-key-id',
  'dev-aws-secret-access-key',
  'dev-data-dir',
  'log-level',
])

export const SERVER_USAGE = `Usage: coffer server [options]

  Start a Coffer server: from a config file (Vault's HCL or JSON), or in dev mode (unsealed, in-process
  unseal key, KV v2 at secret/; never for production).

  -config=FILE                     The server config file
  -log-level=LEVEL                 debug, info, warn or error (default info)
  -dev                             Dev mode
  -dev-listen-address=HOST:PORT    Dev mode's listener (default 127.0.0.1:8200)
  -dev-root-token-id=ID            Dev mode's root token, instead of a random one
  -dev-no-store-token              Do not write the root token to ~/.coffer-token
  -dev-inmem                       Keep dev mode's data in memory only
  -dev-data-dir=DIR                Where dev mode keeps its data and unseal key (default ./.coffer/dev)
  -dev-aws-access-key-id=ID        Dev mode's AWS access key ID (with the secret key below)
  -dev-aws-secret-access-key=KEY   Dev mode's AWS secret access key`

const HELP_FLAGS = new Set(['-h', '-help', '--help'])

function parseServerFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg)
    if (!m) throw new Error(`unexpected argument "${arg}"\n\n${SERVER_USAGE}`)
    const name = m[1]!
    if (BOOLEAN_FLAGS.has(name)) flags.set(name, m[2] ?? 'true')
    else if (VALUE_FLAGS.has(name)) {
      const value = m[2] ?? args[++i]
      if (value === undefined) throw new Error(`flag -${name} needs a value`)
      flags.set(name, value)
    } else throw new Error(`unknown flag -${name}\n\n${SERVER_USAGE}`)
  }
  return flags
}

/** Parses the flags and starts the server; with -h (as `vault server -h`) prints the usage and starts nothing. */
export async function runServerCommand(
  args: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningServer | undefined> {
  if (args.some((arg) => HELP_FLAGS.has(arg))) {
    out(SERVER_USAGE)
    return undefined
  }
  const flags = parseServerFlags(args)
  const dev = flags.get('dev') === 'true'
  const logLevel = (flags.get('log-level') ?? 'info') as LogLevel
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new Error(`-log-level must be debug, info, warn or error`)
  const configPath = flags.get('config')
  if (!dev && !configPath) throw new Error('either -dev or -config=<file> is required')
  const options: StartOptions = {
    dev,
    logLevel,
    storeToken: dev && flags.get('dev-no-store-token') !== 'true',
    inmem: flags.get('dev-inmem') === 'true',
  }
  if (configPath) options.config = loadConfig(configPath)
  const lockoutDisabled = lockoutDisabledFromEnv(process.env['COFFER_DISABLE_USER_LOCKOUT'])
  if (lockoutDisabled !== undefined) options.disableUserLockout = lockoutDisabled
  const listen = flags.get('dev-listen-address')
  if (listen) options.listenAddress = listen
  const rootTokenId = flags.get('dev-root-token-id')
  if (rootTokenId) options.devRootTokenId = rootTokenId
  const awsKeyId = flags.get('dev-aws-access-key-id')
  if (awsKeyId) options.devAwsAccessKeyId = awsKeyId
  const awsSecret = flags.get('dev-aws-secret-access-key')
  if (awsSecret) options.devAwsSecretAccessKey = awsSecret
  const dataDir = flags.get('dev-data-dir')
  if (dataDir) options.dataDir = dataDir

  const server = await startServer(options)
  out('==> Coffer server started! Log data will stream in below:')
  out('')
  out(`             Api Address: ${server.address}`)
  out(`                 Storage: ${server.core.storageType}`)
  out(`                 Version: ${(await import('../lib/version.ts')).COFFER_VERSION}`)
  out('')
  if (dev) {
    out('WARNING! dev mode is enabled: the server is unsealed, the root token is printed below, and the')
    out('unseal key is kept beside the data. Never run dev mode in production.')
    out('')
    out('You may need to set the following environment variables:')
    out('')
    out(`    $ export VAULT_ADDR='${server.address}' VAULT_TOKEN='${server.rootToken}'`)
    if (server.awsKeys) {
      out(
        `    $ export AWS_ACCESS_KEY_ID='${server.awsKeys.accessKeyId}' AWS_SECRET_ACCESS_KEY='${server.awsKeys.secretAccessKey}' AWS_ENDPOINT_URL='${server.address}' AWS_REGION='us-east-1' AWS_DEFAULT_REGION='us-east-1'`,
      )
    }
    out('')
    out(`Unseal Key: ${server.unsealKey}`)
    out(`Root Token: ${server.rootToken}`)
    out('')
  } else if (!server.core.initialized) {
    out('The server is not initialised yet: run `coffer operator init`.')
  } else {
    out('The server is sealed: run `coffer operator unseal` with enough key shares.')
  }
  const stop = () => {
    out('==> Coffer shutdown triggered')
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  // logrotate sends SIGHUP after moving the audit log; reopening starts a fresh file at the configured path.
  process.on('SIGHUP', () => {
    if (!server.core.sealed) void server.core.services.audit.reopen()
  })
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return server
}
