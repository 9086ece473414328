// `coffer agent`'s configuration: Vault Agent's HCL (vault, auto_auth with approle/token_file and file sinks, template).

import { isIPv4 } from 'node:net'
import { parseDuration } from '../../lib/duration.ts'
import { type HclBlock, type HclBody, HclSyntaxError, type HclValue, parseHcl } from '../../lib/hcl.ts'

export class AgentConfigError extends Error {}

export type AuthMethodConfig =
  | {
      type: 'approle'
      mountPath: string
      roleIdFile: string
      secretIdFile: string | undefined
      /** Vault's default: the secret ID file is deleted once read (the ID is kept in memory for re-authentication). */
      removeSecretIdFile: boolean
    }
  | { type: 'token_file'; mountPath: string; tokenFile: string }
  | {
      type: 'jwt'
      mountPath: string
      role: string
      jwtFile: string
      /** Vault's default: the JWT file is deleted once read (the JWT is kept in memory until a new file appears). */
      removeJwtFile: boolean
    }
  | { type: 'kubernetes'; mountPath: string; role: string; tokenPath: string }

export interface FileSinkConfig {
  path: string
  mode: number
}

export interface TemplateConfig {
  source: string | undefined
  contents: string | undefined
  destination: string
  /** undefined: an existing destination keeps its mode, a new one gets 0644 (as consul-template). */
  perms: number | undefined
  command: string | string[] | undefined
  errorOnMissingKey: boolean
  leftDelimiter: string
  rightDelimiter: string
  createDestDirs: boolean
  /** The config line of the block, for messages. */
  line: number
}

/** `env_template "NAME" { contents, error_on_missing_key }`: one variable of the exec mode's child. */
export interface EnvTemplateConfig {
  name: string
  contents: string
  errorOnMissingKey: boolean
  line: number
}

/** `exec { command, restart_on_secret_changes, restart_stop_signal }`: run a child with the env templates. */
export interface ExecConfig {
  command: string[]
  restartOnSecretChanges: boolean
  restartStopSignal: NodeJS.Signals
}

/** `listener "tcp"|"unix" { address, tls_disable = true, ... }` with `api_proxy { use_auto_auth_token }`. */
export interface ApiProxyConfig {
  type: 'tcp' | 'unix'
  /** host:port, or the socket's path for a unix listener. */
  address: string
  /** Unix listeners: the socket file's mode, owner and group (names or numeric ids); undefined leaves the default. */
  socketMode: number | undefined
  socketUser: string | undefined
  socketGroup: string | undefined
  /** true: add the agent's token when a request has none; 'force': replace the request's token too. */
  useAutoAuthToken: boolean | 'force'
  /** A `cache` block is present: leased answers are served again while the server confirms them. */
  cache: boolean
  /** max_request_size: the largest request body accepted, in bytes (Vault's default, 32 MiB). */
  maxRequestSize: number
}

/** The `cache` block's settings (Vault's keys, plus Coffer's stale_if_error). */
export interface CacheConfig {
  /** cache_static_secrets: KV reads are cached too, invalidated by the server's change events. */
  staticSecrets: boolean
  /** static_secret_token_capability_refresh_interval: read for Vault's configs; Coffer asks at every hit instead. */
  capabilityRefreshMs: number
  /** stale_if_error: how long after losing contact with the server a cached answer may still be served; 0 = never. */
  staleIfErrorMs: number
}

export interface AgentConfig {
  vault: { address: string | undefined; caCert: string | undefined; tlsSkipVerify: boolean }
  listeners: ApiProxyConfig[]
  autoAuth: { method: AuthMethodConfig; sinks: FileSinkConfig[] } | undefined
  templates: TemplateConfig[]
  envTemplates: EnvTemplateConfig[]
  exec: ExecConfig | undefined
  exitAfterAuth: boolean
  /** revoke_on_shutdown (Coffer's): at SIGINT/SIGTERM revoke the templates' leases, then the auto-auth token. */
  revokeOnShutdown: boolean
  /** The `cache` block, when present. */
  cache: CacheConfig | undefined
  /** How often templates re-read secrets without a lease (template_config.static_secret_render_interval). */
  renderIntervalMs: number
}

const TEMPLATE_KEYS = new Set([
  'source',
  'contents',
  'destination',
  'perms',
  'command',
  'error_on_missing_key',
  'left_delimiter',
  'right_delimiter',
  'create_dest_dirs',
])

const DEFAULT_RENDER_INTERVAL_S = 300

function at(line: number, problem: string): AgentConfigError {
  return new AgentConfigError(`line ${line}: ${problem}`)
}

function str(value: HclValue | undefined, name: string, line: number): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw at(line, `${name} must be a string`)
  return value
}

function bool(value: HclValue | undefined, name: string, line: number, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === 'false') return value === 'true'
  throw at(line, `${name} must be true or false`)
}

/** File modes: a number (`0640` is octal in HCL) or an octal string ("0640", "640"). */
function mode(value: HclValue | undefined, name: string, line: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o777) return value
  if (typeof value === 'string' && /^0?[0-7]{3}$/.test(value)) return Number.parseInt(value, 8)
  throw at(line, `${name} must be a file mode such as "0640"`)
}

function objectOf(value: HclValue | undefined, name: string, line: number): Record<string, HclValue> {
  if (value === undefined) return {}
  // `config { ... }` as a block and `config = { ... }` as an attribute both appear in the wild; a list of one too.
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value
  if (single === null || typeof single !== 'object' || Array.isArray(single))
    throw at(line, `${name} must be an object`)
  return single as Record<string, HclValue>
}

/** A block's `config`, whether written `config = {...}` or `config {...}`. */
function blockConfig(block: HclBlock): Record<string, HclValue> {
  const nested = block.body.blocks.find((b) => b.type === 'config')
  if (nested) return nested.body.attributes
  return objectOf(block.body.attributes['config'], 'config', block.line)
}

/** `method "approle" {}` or `method { type = "approle" }`. */
function typeOf(block: HclBlock, what: string): string {
  const type = block.labels[0] ?? str(block.body.attributes['type'], 'type', block.line)
  if (!type) throw at(block.line, `${what} needs a type`)
  return type
}

/**
 * Settings that protect the token (wrapped or encrypted in the sink, a wrapped login, a wrapped secret ID checked
 * against its creation path), which Coffer does not implement. Ignored, the token would be written or used in clear
 * where the config asks for it not to be: the config is refused instead, as a listener asking for TLS is.
 */
function refuseUnsupportedProtection(
  attributes: Record<string, HclValue>,
  keys: readonly string[],
  where: string,
  line: number,
): void {
  for (const key of keys)
    if (attributes[key] !== undefined)
      throw at(line, `${key} in ${where} is not supported: the token would be written or used unprotected`)
}

function parseMethod(block: HclBlock): AuthMethodConfig {
  const type = typeOf(block, 'method')
  const config = blockConfig(block)
  refuseUnsupportedProtection(block.body.attributes, ['wrap_ttl'], `method "${type}"`, block.line)
  refuseUnsupportedProtection(config, ['secret_id_response_wrapping_path'], `method "${type}"`, block.line)
  const mountPath = (
    str(block.body.attributes['mount_path'], 'mount_path', block.line) ?? `auth/${type}`
  ).replace(/^\/+|\/+$/g, '')
  const required = (key: string) => {
    const value = str(config[key], key, block.line)
    if (!value) throw at(block.line, `method "${type}" needs config.${key}`)
    return value
  }
  switch (type) {
    case 'approle':
      return {
        type,
        mountPath,
        roleIdFile: required('role_id_file_path'),
        secretIdFile: str(config['secret_id_file_path'], 'secret_id_file_path', block.line),
        removeSecretIdFile: bool(
          config['remove_secret_id_file_after_reading'],
          'remove_secret_id_file_after_reading',
          block.line,
          true,
        ),
      }
    case 'token_file':
      return { type, mountPath, tokenFile: required('token_file_path') }
    case 'jwt':
      return {
        type,
        mountPath,
        role: required('role'),
        jwtFile: required('path'),
        removeJwtFile: bool(config['remove_jwt_after_reading'], 'remove_jwt_after_reading', block.line, true),
      }
    case 'kubernetes':
      return {
        type,
        mountPath,
        role: required('role'),
        tokenPath:
          str(config['token_path'], 'token_path', block.line) ??
          '/var/run/secrets/kubernetes.io/serviceaccount/token',
      }
    default:
      throw at(
        block.line,
        `auto_auth method "${type}" is not supported (approle, token_file, jwt and kubernetes are)`,
      )
  }
}

function parseSink(block: HclBlock): FileSinkConfig {
  const type = typeOf(block, 'sink')
  if (type !== 'file') throw at(block.line, `sink "${type}" is not supported (file is)`)
  const config = blockConfig(block)
  refuseUnsupportedProtection(
    block.body.attributes,
    ['wrap_ttl', 'dh_type', 'dh_path', 'derive_key', 'aad', 'aad_env_var'],
    'a sink',
    block.line,
  )
  const path = str(config['path'], 'path', block.line)
  if (!path) throw at(block.line, 'sink "file" needs config.path')
  return { path, mode: mode(config['mode'], 'mode', block.line, 0o640) }
}

function parseAutoAuth(block: HclBlock): AgentConfig['autoAuth'] {
  const methods = block.body.blocks.filter((b) => b.type === 'method')
  if (methods.length !== 1) throw at(block.line, 'auto_auth needs exactly one method block')
  return {
    method: parseMethod(methods[0]!),
    sinks: block.body.blocks.filter((b) => b.type === 'sink').map(parseSink),
  }
}

function parseTemplateBlock(block: HclBlock): TemplateConfig {
  const attrs = block.body.attributes
  const line = block.line
  // A misspelt key in a template silently changes what gets written where: refuse it.
  for (const key of Object.keys(attrs))
    if (!TEMPLATE_KEYS.has(key)) throw at(line, `unknown key "${key}" in template block`)
  for (const nested of block.body.blocks)
    throw at(nested.line, `unknown block "${nested.type}" in template block`)
  const source = str(attrs['source'], 'source', line)
  const contents = str(attrs['contents'], 'contents', line)
  if ((source === undefined) === (contents === undefined))
    throw at(line, 'a template needs exactly one of source and contents')
  const destination = str(attrs['destination'], 'destination', line)
  if (!destination) throw at(line, 'a template needs a destination')
  const rawCommand = attrs['command']
  let command: string | string[] | undefined
  if (typeof rawCommand === 'string') command = rawCommand === '' ? undefined : rawCommand
  else if (
    Array.isArray(rawCommand) &&
    rawCommand.every((part) => typeof part === 'string') &&
    rawCommand.length > 0
  )
    command = rawCommand as string[]
  else if (rawCommand !== undefined) throw at(line, 'command must be a string or a list of strings')
  return {
    source,
    contents,
    destination,
    perms: attrs['perms'] === undefined ? undefined : mode(attrs['perms'], 'perms', line, 0),
    command,
    errorOnMissingKey: bool(attrs['error_on_missing_key'], 'error_on_missing_key', line, false),
    leftDelimiter: str(attrs['left_delimiter'], 'left_delimiter', line) || '{{',
    rightDelimiter: str(attrs['right_delimiter'], 'right_delimiter', line) || '}}',
    createDestDirs: bool(attrs['create_dest_dirs'], 'create_dest_dirs', line, true),
    line,
  }
}

const ENV_TEMPLATE_KEYS = new Set(['contents', 'error_on_missing_key'])
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

function parseEnvTemplate(block: HclBlock): EnvTemplateConfig {
  const line = block.line
  const name = block.labels[0]
  if (!name || !ENV_NAME.test(name))
    throw at(line, 'env_template needs an environment variable name as its label')
  for (const key of Object.keys(block.body.attributes))
    if (!ENV_TEMPLATE_KEYS.has(key)) throw at(line, `unknown key "${key}" in env_template block`)
  for (const nested of block.body.blocks)
    throw at(nested.line, `unknown block "${nested.type}" in env_template block`)
  const contents = str(block.body.attributes['contents'], 'contents', line)
  if (contents === undefined) throw at(line, `env_template "${name}" needs contents`)
  return {
    name,
    contents,
    errorOnMissingKey: bool(
      block.body.attributes['error_on_missing_key'],
      'error_on_missing_key',
      line,
      false,
    ),
    line,
  }
}

function parseExec(block: HclBlock): ExecConfig {
  const attrs = block.body.attributes
  const command = attrs['command']
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string'))
    throw at(block.line, 'exec needs command, a non-empty list of strings')
  const restart = str(attrs['restart_on_secret_changes'], 'restart_on_secret_changes', block.line) ?? 'always'
  if (restart !== 'always' && restart !== 'never')
    throw at(block.line, 'restart_on_secret_changes must be "always" or "never"')
  const signal = (
    str(attrs['restart_stop_signal'], 'restart_stop_signal', block.line) ?? 'SIGTERM'
  ).toUpperCase()
  if (!/^SIG[A-Z0-9]+$/.test(signal))
    throw at(block.line, 'restart_stop_signal must be a signal name such as SIGTERM')
  return {
    command: command as string[],
    restartOnSecretChanges: restart === 'always',
    restartStopSignal: signal as NodeJS.Signals,
  }
}

function parseListeners(body: HclBody): ApiProxyConfig[] {
  const cacheBlock = body.blocks.find((b) => b.type === 'cache')
  const proxyBlock = body.blocks.find((b) => b.type === 'api_proxy') ?? cacheBlock
  const raw = proxyBlock?.body.attributes['use_auto_auth_token']
  let useAutoAuthToken: boolean | 'force' = false
  if (raw === 'force') useAutoAuthToken = 'force'
  else if (raw !== undefined) useAutoAuthToken = bool(raw, 'use_auto_auth_token', proxyBlock!.line, false)
  return body.blocks
    .filter((b) => b.type === 'listener')
    .map((block) => {
      const type = typeOf(block, 'listener')
      if (type !== 'tcp' && type !== 'unix')
        throw at(block.line, `listener "${type}" is not supported (tcp and unix are)`)
      const attrs = block.body.attributes
      if (!bool(attrs['tls_disable'], 'tls_disable', block.line, false))
        throw at(
          block.line,
          'only listeners with tls_disable = true are supported: keep them on loopback or a unix socket',
        )
      const address = str(attrs['address'], 'address', block.line)
      if (type === 'unix' && !address) throw at(block.line, 'listener "unix" needs address, the socket path')
      if (
        type === 'tcp' &&
        (attrs['socket_mode'] ?? attrs['socket_user'] ?? attrs['socket_group']) !== undefined
      )
        throw at(block.line, 'socket_mode, socket_user and socket_group apply to unix listeners only')
      const listenAt = address ?? '127.0.0.1:8200'
      // Whoever reaches a listener that adds the agent's token acts as the agent: beyond loopback that is anyone
      // on the network, in clear (no TLS), so it takes a listener saying so, not only api_proxy's setting.
      if (
        type === 'tcp' &&
        useAutoAuthToken &&
        !isLoopbackListen(listenAt) &&
        !bool(
          attrs['allow_non_loopback_auto_auth_token'],
          'allow_non_loopback_auto_auth_token',
          block.line,
          false,
        )
      )
        throw at(
          block.line,
          `listener address ${listenAt} is not a loopback address, and use_auto_auth_token would hand the agent's token to anyone who reaches it: listen on 127.0.0.1 or a unix socket, or set allow_non_loopback_auto_auth_token = true on the listener`,
        )
      return {
        type,
        address: listenAt,
        socketMode:
          attrs['socket_mode'] === undefined
            ? undefined
            : mode(attrs['socket_mode'], 'socket_mode', block.line, 0),
        socketUser: owner(attrs['socket_user'], 'socket_user', block.line),
        socketGroup: owner(attrs['socket_group'], 'socket_group', block.line),
        useAutoAuthToken,
        cache: cacheBlock !== undefined,
        maxRequestSize: requestSize(attrs['max_request_size'], block.line),
      }
    })
}

/** A tcp listener's host:port names a loopback interface only (127.0.0.0/8, ::1, localhost; no host means 127.0.0.1). */
function isLoopbackListen(listen: string): boolean {
  const colon = listen.lastIndexOf(':')
  const host = (colon === -1 ? listen : listen.slice(0, colon)).replace(/^\[|\]$/g, '').toLowerCase()
  if (host === '' || host === 'localhost' || host === '::1') return true
  const v4 = host.replace(/^::ffff:/, '')
  return isIPv4(v4) && v4.startsWith('127.')
}

const DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024

/**
 * Vault's listener max_request_size: bytes, 0 or absent for the 32 MiB default. A negative size (Vault's "no
 * limit") is refused: one client could then make the agent hold any amount of memory.
 */
function requestSize(value: HclValue | undefined, line: number): number {
  if (value === undefined || value === 0) return DEFAULT_MAX_REQUEST_SIZE
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw at(line, 'max_request_size must be a whole number of bytes')
  if (value < 0) throw at(line, 'max_request_size cannot turn the limit off: give a size in bytes')
  return value
}

/** A socket owner: a name or a numeric id (HCL may hand over either a string or a number). */
function owner(value: HclValue | undefined, name: string, line: number): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value)
  if (typeof value === 'string' && /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(value)) return value
  throw at(line, `${name} must be a user or group name, or a numeric id`)
}

const DEFAULT_CAPABILITY_REFRESH_S = 300

function parseCache(body: HclBody): CacheConfig | undefined {
  const block = body.blocks.find((b) => b.type === 'cache')
  if (!block) return undefined
  const attrs = block.body.attributes
  const refresh = seconds(
    attrs['static_secret_token_capability_refresh_interval'],
    'static_secret_token_capability_refresh_interval',
    block.line,
    DEFAULT_CAPABILITY_REFRESH_S,
  )
  if (refresh <= 0) throw at(block.line, 'static_secret_token_capability_refresh_interval must be positive')
  const stale = seconds(attrs['stale_if_error'], 'stale_if_error', block.line, 0)
  if (stale < 0) throw at(block.line, 'stale_if_error must not be negative')
  return {
    staticSecrets: bool(attrs['cache_static_secrets'], 'cache_static_secrets', block.line, false),
    capabilityRefreshMs: refresh * 1000,
    staleIfErrorMs: stale * 1000,
  }
}

function seconds(value: HclValue | undefined, name: string, line: number, fallback: number): number {
  if (value === undefined) return fallback
  try {
    return parseDuration(value, name)
  } catch (error) {
    throw at(line, (error as Error).message)
  }
}

/** Parse the config text; keys outside template blocks that Coffer does not use are tolerated, as Vault's own. */
export function parseAgentConfig(text: string): AgentConfig {
  let body: HclBody
  try {
    body = parseHcl(text)
  } catch (error) {
    if (error instanceof HclSyntaxError) throw new AgentConfigError(error.message)
    throw error
  }
  const vaultBlock = body.blocks.find((b) => b.type === 'vault')
  const vaultAttrs = vaultBlock?.body.attributes ?? {}
  const vaultLine = vaultBlock?.line ?? 0
  const autoAuthBlocks = body.blocks.filter((b) => b.type === 'auto_auth')
  if (autoAuthBlocks.length > 1) throw at(autoAuthBlocks[1]!.line, 'only one auto_auth block is allowed')
  const templateConfig = body.blocks.find((b) => b.type === 'template_config')
  const interval = seconds(
    templateConfig?.body.attributes['static_secret_render_interval'],
    'static_secret_render_interval',
    templateConfig?.line ?? 0,
    DEFAULT_RENDER_INTERVAL_S,
  )
  if (interval <= 0) throw at(templateConfig?.line ?? 0, 'static_secret_render_interval must be positive')
  const config: AgentConfig = {
    vault: {
      address: str(vaultAttrs['address'], 'address', vaultLine),
      caCert: str(vaultAttrs['ca_cert'], 'ca_cert', vaultLine),
      tlsSkipVerify: bool(vaultAttrs['tls_skip_verify'], 'tls_skip_verify', vaultLine, false),
    },
    listeners: parseListeners(body),
    autoAuth: autoAuthBlocks[0] ? parseAutoAuth(autoAuthBlocks[0]) : undefined,
    templates: body.blocks.filter((b) => b.type === 'template').map(parseTemplateBlock),
    envTemplates: body.blocks.filter((b) => b.type === 'env_template').map(parseEnvTemplate),
    exec: undefined,
    exitAfterAuth: bool(body.attributes['exit_after_auth'], 'exit_after_auth', 0, false),
    revokeOnShutdown: bool(body.attributes['revoke_on_shutdown'], 'revoke_on_shutdown', 0, false),
    cache: parseCache(body),
    renderIntervalMs: interval * 1000,
  }
  const execBlocks = body.blocks.filter((b) => b.type === 'exec')
  if (execBlocks.length > 1) throw at(execBlocks[1]!.line, 'only one exec block is allowed')
  if (execBlocks[0]) config.exec = parseExec(execBlocks[0])
  if (config.envTemplates.length > 0 && !config.exec)
    throw at(config.envTemplates[0]!.line, 'env_template blocks need an exec block to pass them to')
  if (config.exec && config.exitAfterAuth)
    throw new AgentConfigError('exec and exit_after_auth cannot be combined')
  if (config.listeners.some((l) => l.useAutoAuthToken) && !config.autoAuth)
    throw new AgentConfigError('use_auto_auth_token needs an auto_auth block')
  if (!config.autoAuth && config.templates.length === 0 && !config.exec && config.listeners.length === 0)
    throw new AgentConfigError('nothing to do: the config has no auto_auth, template, exec or listener block')
  return config
}
