// Where the CLI finds its server, TLS settings and token: flags, then VAULT_* / COFFER_* variables, then the token file.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { VaultClient } from '../client/index.ts'
import { parseDuration } from '../lib/duration.ts'
import { writePrivateFile } from '../lib/private-file.ts'
import type { FlagReader, FlagSpec } from './flags.ts'
import { UsageError } from './flags.ts'

const DEFAULT_ADDRESS = 'http://127.0.0.1:8200'
/** Vault's token helper file: `coffer login` writes it so vault, Terraform and `cat ~/.vault-token` see the token. */
export const TOKEN_FILE = '.vault-token'
/** Written by `coffer server -dev` and by earlier Coffer versions' login; still read. */
const COFFER_TOKEN_FILE = '.coffer-token'

export const HTTP_FLAGS: readonly FlagSpec[] = [
  {
    name: 'address',
    kind: 'string',
    usage: 'Server address; defaults to VAULT_ADDR, COFFER_ADDR, then ' + DEFAULT_ADDRESS,
  },
  {
    name: 'ca-cert',
    kind: 'string',
    usage: 'PEM file of the CA that signed the server certificate (VAULT_CACERT)',
  },
  {
    name: 'ca-path',
    kind: 'string',
    usage: 'Directory of PEM CA certificates to trust (VAULT_CAPATH)',
  },
  {
    name: 'client-cert',
    kind: 'string',
    usage: 'PEM client certificate presented to the server, for cert auth (VAULT_CLIENT_CERT)',
  },
  {
    name: 'client-key',
    kind: 'string',
    usage: 'PEM private key of -client-cert (VAULT_CLIENT_KEY)',
  },
  {
    name: 'tls-server-name',
    kind: 'string',
    usage: 'Name to expect in the server certificate and send as SNI (VAULT_TLS_SERVER_NAME)',
  },
  {
    name: 'tls-skip-verify',
    kind: 'bool',
    usage: 'Do not verify the server certificate; insecure (VAULT_SKIP_VERIFY)',
  },
  {
    name: 'namespace',
    kind: 'string',
    usage: 'Namespace sent as X-Vault-Namespace (VAULT_NAMESPACE)',
    aliases: ['ns'],
  },
  {
    name: 'header',
    kind: 'map',
    usage: 'Header K=V added to every request; repeatable; X-Vault-* names are refused',
  },
  // Accepted so scripts written for vault run unchanged; both describe what this CLI always does.
  {
    name: 'non-interactive',
    kind: 'bool',
    usage: 'Never prompt; this CLI never does (secrets come from arguments or stdin)',
  },
  {
    name: 'disable-redirects',
    kind: 'bool',
    usage: 'Do not follow redirects; this CLI never does',
  },
  {
    name: 'wrap-ttl',
    kind: 'string',
    usage: 'Wrap the response in a single-use token living this long, e.g. 5m (VAULT_WRAP_TTL)',
  },
]

type Env = Record<string, string | undefined>

function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '')
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 't', 'yes'].includes(value.toLowerCase())
}

function resolveAddress(flags: FlagReader, env: Env): string {
  return firstSet(flags.string('address'), env['VAULT_ADDR'], env['COFFER_ADDR']) ?? DEFAULT_ADDRESS
}

/**
 * The token to send: environment first, then the token file written last. Both files hold "the token of the
 * last login" (`coffer login` and `vault login` write ~/.vault-token, a dev server ~/.coffer-token), so the
 * newer one wins; on a tie, Vault's.
 */
export function resolveToken(env: Env, homeDir: string): string | undefined {
  const fromEnv = firstSet(env['VAULT_TOKEN'], env['COFFER_TOKEN'])
  if (fromEnv) return fromEnv.trim()
  let best: { token: string; mtimeMs: number } | undefined
  for (const name of [TOKEN_FILE, COFFER_TOKEN_FILE]) {
    const file = join(homeDir, name)
    if (!existsSync(file)) continue
    const token = readFileSync(file, 'utf8').trim()
    const { mtimeMs } = statSync(file)
    if (token !== '' && (best === undefined || mtimeMs > best.mtimeMs)) best = { token, mtimeMs }
  }
  return best?.token
}

/** Store the token for later commands; owner-only permissions even when the file already existed. */
export function storeToken(homeDir: string, token: string): string {
  const file = join(homeDir, TOKEN_FILE)
  writePrivateFile(file, token)
  return file
}

export function buildClient(flags: FlagReader, env: Env, homeDir: string): VaultClient {
  const address = resolveAddress(flags, env)
  const caCert = firstSet(flags.string('ca-cert'), env['VAULT_CACERT'], env['COFFER_CACERT'])
  const caPath = firstSet(flags.string('ca-path'), env['VAULT_CAPATH'], env['COFFER_CAPATH'])
  const clientCert = firstSet(
    flags.string('client-cert'),
    env['VAULT_CLIENT_CERT'],
    env['COFFER_CLIENT_CERT'],
  )
  const clientKey = firstSet(flags.string('client-key'), env['VAULT_CLIENT_KEY'], env['COFFER_CLIENT_KEY'])
  const tlsServerName = firstSet(
    flags.string('tls-server-name'),
    env['VAULT_TLS_SERVER_NAME'],
    env['COFFER_TLS_SERVER_NAME'],
  )
  const skipVerify = flags.has('tls-skip-verify')
    ? flags.bool('tls-skip-verify')
    : truthy(env['VAULT_SKIP_VERIFY'] ?? env['COFFER_SKIP_VERIFY'])
  const namespace = firstSet(flags.string('namespace'), env['VAULT_NAMESPACE'], env['COFFER_NAMESPACE'])
  const token = resolveToken(env, homeDir)
  const wrapTtl = firstSet(flags.string('wrap-ttl'), env['VAULT_WRAP_TTL'], env['COFFER_WRAP_TTL'])
  let timeoutMs: number | undefined
  const timeout = firstSet(env['VAULT_CLIENT_TIMEOUT'], env['COFFER_CLIENT_TIMEOUT'])
  if (timeout !== undefined) {
    try {
      timeoutMs = parseDuration(timeout, 'VAULT_CLIENT_TIMEOUT') * 1000
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
  }
  if (caCert !== undefined && !existsSync(caCert))
    throw new UsageError(`CA certificate file not found: ${caCert}`)
  if (caPath !== undefined && !existsSync(caPath)) throw new UsageError(`CA path not found: ${caPath}`)
  for (const [label, file] of [
    ['client certificate', clientCert],
    ['client key', clientKey],
  ] as const) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`${label} file not found: ${file}`)
  }
  const headers = flags.map('header')
  for (const name of Object.keys(headers)) {
    // As vault: the X-Vault-* headers carry the token, namespace and wrapping, which have their own flags.
    if (name.toLowerCase().startsWith('x-vault-'))
      throw new UsageError(`headers with the 'X-Vault-' prefix are not allowed: ${name}`)
  }
  // A certificate without its key (or the reverse) cannot be presented; Vault refuses the pair too.
  if ((clientCert === undefined) !== (clientKey === undefined))
    throw new UsageError('-client-cert and -client-key (VAULT_CLIENT_CERT, VAULT_CLIENT_KEY) go together')
  try {
    return new VaultClient({
      address,
      ...(token === undefined ? {} : { token }),
      ...(caCert === undefined ? {} : { caCert }),
      ...(caPath === undefined ? {} : { caPath }),
      ...(clientCert === undefined ? {} : { clientCert }),
      ...(clientKey === undefined ? {} : { clientKey }),
      ...(tlsServerName === undefined ? {} : { tlsServerName }),
      ...(Object.keys(headers).length === 0 ? {} : { headers }),
      skipVerify,
      ...(namespace === undefined ? {} : { namespace }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(wrapTtl === undefined || wrapTtl === '' ? {} : { wrapTtl }),
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}
