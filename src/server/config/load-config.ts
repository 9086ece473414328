// Server configuration: reads Vault-shaped HCL or JSON config files into a validated ServerConfig.

import { readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import {
  type AnomalyConfig,
  AnomalyConfigError,
  DEFAULT_ANOMALY_CONFIG,
  mergeAnomalyConfig,
} from '../../lib/anomaly-config.ts'
import { parseDuration } from '../../lib/duration.ts'
import { type HclBody, HclSyntaxError, parseHcl } from '../../lib/hcl.ts'
import { DEFAULT_MAX_JSON_DEPTH } from '../../lib/json-depth.ts'
import { DEFAULT_JSON_LIMITS } from '../../lib/json-limits.ts'
import { type EventSinkConfig, parseEventSinks } from './event-sink-config.ts'
import { parseRotationFunctionBlocks, type RegisteredFunction } from './rotation-function-config.ts'
import { parseListenerTelemetry, parseTelemetry, type TelemetryConfig } from './telemetry-config.ts'
import { parseUserLockoutBlocks, type UserLockoutDefaults } from './user-lockout-config.ts'

export interface ListenerConfig {
  type: 'tcp'
  /** host:port; defaults to 127.0.0.1:8200. */
  address: string
  tlsDisable: boolean
  tlsCertFile?: string
  tlsKeyFile?: string
  /** tls_require_and_verify_client_cert: refuse TLS handshakes without a client certificate that verifies. */
  tlsRequireAndVerifyClientCert?: boolean
  /** tls_client_ca_file: the CAs client certificates are verified against when required (default: system roots). */
  tlsClientCaFile?: string
  /** tls_disable_client_certs: do not ask clients for a certificate at all (the cert auth method cannot work). */
  tlsDisableClientCerts?: boolean
  /** Bytes; defaults to 32 MiB. */
  maxRequestSize: number
  /** max_json_depth: deepest nesting accepted in a JSON request body; defaults to Vault's 500. */
  maxJsonDepth?: number
  /** max_json_string_value_length: longest JSON string (bytes, keys too) in a request body; Vault's 1048576. */
  maxJsonStringValueLength?: number
  /** max_json_object_entry_count: most entries of one JSON object in a request body; Vault's 10000. */
  maxJsonObjectEntryCount?: number
  /** max_json_array_element_count: most elements of one JSON array in a request body; Vault's 10000. */
  maxJsonArrayElementCount?: number
  /** telemetry { unauthenticated_metrics_access }: sys/metrics answers here without a token. */
  unauthenticatedMetricsAccess?: boolean
  /** http_read_header_timeout, seconds: a request's head must arrive within this (default 10, as Vault). */
  httpReadHeaderTimeout?: number
  /** http_read_timeout, seconds: a whole request, body included, must arrive within this (default 90). */
  httpReadTimeout?: number
}

/** A storage block: which physical backend, and its settings. */
export type StorageConfig = { type: 'sqlite' | 'inmem'; path?: string } | PostgresqlStorageConfig

/** `storage "postgresql"`, with OpenBao's key names (docs/storage-postgresql.md). */
export interface PostgresqlStorageConfig {
  type: 'postgresql'
  /** connection_url, or COFFER_PG_CONNECTION_URL from the environment, which takes precedence as in Vault. */
  connectionUrl: string
  /** table: the key/value table; its schema version lives in `<table>_meta`. */
  table: string
  /** max_parallel: most connections open at once. */
  maxParallel: number
  /** max_idle_connections: most kept open while idle; unset (or 0) keeps up to max_parallel. */
  maxIdleConnections?: number
  /** skip_create_table: the operator created the table; only check it. */
  skipCreateTable: boolean
  /** ha_enabled and ha_table: recorded for high availability (the lock table is used by HA mode). */
  haEnabled: boolean
  haTable: string
}

/** The environment variable that supplies (and overrides) a postgresql block's connection_url. */
export const PG_CONNECTION_URL_ENV = 'COFFER_PG_CONNECTION_URL'
const PG_DEFAULT_TABLE = 'coffer_kv_store'
const PG_DEFAULT_HA_TABLE = 'coffer_ha_locks'
const PG_DEFAULT_MAX_PARALLEL = 16
/** An identifier, optionally schema-qualified, short enough for the `_meta` suffix (PostgreSQL keeps 63 bytes). */
const PG_TABLE_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]{0,57}\.)?[A-Za-z_][A-Za-z0-9_]{0,57}$/

export interface ServerConfig {
  listeners: ListenerConfig[]
  storage: StorageConfig
  apiAddr?: string
  /** cluster_addr: what sys/leader reports as leader_cluster_address (Coffer's nodes talk over api_addr). */
  clusterAddr?: string
  /** Seconds. */
  defaultLeaseTtl: number
  /** Seconds. */
  maxLeaseTtl: number
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  disableMlock: boolean
  ui: boolean
  /** user_lockout blocks: lockout defaults by auth method type ("all" for every one). */
  userLockout?: UserLockoutDefaults
  /** list_filter: 'policy' (the default) filters LIST keys by the caller's policies; 'vault' lists them all. */
  /** How LIST answers are filtered (core's ListFilterMode): by the caller's policies, or not at all as Vault. */
  listFilter?: 'policy' | 'vault'
  /** rotation_function blocks: the commands and webhooks Secrets Manager rotations may run, by name. */
  rotationFunctions?: Record<string, RegisteredFunction>
  /** event_sink blocks: where change events are delivered besides WebSocket subscribers. */
  eventSinks?: EventSinkConfig[]
  /** The telemetry block: Prometheus output and the per-path access count's labels (docs/metrics.md). */
  telemetry?: TelemetryConfig
  /** The anomaly_detection block (docs/anomalies.md); enabled unless it says enabled = false. */
  anomalyDetection?: AnomalyConfig
}

export type ConfigFormat = 'hcl' | 'json'

/** A config problem; the message names where in the file (`listener.tcp.address`) and what is wrong. */
export class ConfigError extends Error {
  /** Where the problem is: a dotted config path, optionally preceded by the file name. */
  readonly key: string
  readonly problem: string
  constructor(key: string, problem: string, options?: { cause?: unknown }) {
    super(`${key}: ${problem}`, options)
    this.name = 'ConfigError'
    this.key = key
    this.problem = problem
  }
}

const DEFAULT_LISTENER_ADDRESS = '127.0.0.1:8200'
const DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024
/**
 * Past this, a body that passes the depth check can still overflow the stack in the recursive walks
 * behind it (audit hashing, JSON.stringify), turning a 400 back into a 500.
 */
const MAX_JSON_DEPTH_CEILING = 2000
/** Vault's system-wide default for both lease TTLs: 768h (32 days). */
const DEFAULT_LEASE_TTL = 768 * 3600

type Raw = Record<string, unknown>

/** A labelled section such as `listener "tcp" { ... }`, with where it sits for error messages. */
export interface Section {
  kind: 'listener' | 'storage' | 'backend' | 'user_lockout' | 'rotation_function' | 'event_sink'
  type: string
  body: Raw
}

const SECTION_KINDS = new Set([
  'listener',
  'storage',
  'backend',
  'user_lockout',
  'rotation_function',
  'event_sink',
])
const TOP_LEVEL_KEYS = [
  'api_addr',
  'cluster_addr',
  'default_lease_ttl',
  'max_lease_ttl',
  'log_level',
  'disable_mlock',
  'ui',
  'list_filter',
  'telemetry',
  'anomaly_detection',
]
const LISTENER_KEYS = [
  'address',
  'cluster_address',
  'tls_disable',
  'tls_cert_file',
  'tls_key_file',
  'tls_require_and_verify_client_cert',
  'tls_client_ca_file',
  'tls_disable_client_certs',
  'max_request_size',
  'max_json_depth',
  'max_json_string_value_length',
  'max_json_object_entry_count',
  'max_json_array_element_count',
  'http_read_header_timeout',
  'http_read_timeout',
  'telemetry',
]
const STORAGE_KEYS: Record<string, string[]> = {
  sqlite: ['path'],
  file: ['path'],
  inmem: [],
  postgresql: [
    'connection_url',
    'table',
    'max_parallel',
    'max_idle_connections',
    'skip_create_table',
    'ha_enabled',
    'ha_table',
  ],
}
const LOG_LEVELS: Record<string, ServerConfig['logLevel']> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  err: 'error',
  error: 'error',
}

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function checkKeys(
  body: Raw,
  allowed: readonly string[],
  where: string,
  extra: readonly string[] = [],
): void {
  for (const key of Object.keys(body)) {
    if (allowed.includes(key) || extra.includes(key)) continue
    const supported = allowed.length > 0 ? ` (supported: ${allowed.join(', ')})` : ''
    throw new ConfigError(where, `unknown key ${JSON.stringify(key)}${supported}`)
  }
}

/** Vault reads booleans leniently from HCL and JSON: true, "true", 1, "1" and Go's other spellings. */
function bool(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value
  if (value === 1 || value === 0) return value === 1
  if (typeof value === 'string') {
    if (['1', 't', 'true'].includes(value.toLowerCase())) return true
    if (['0', 'f', 'false'].includes(value.toLowerCase())) return false
  }
  throw new ConfigError(where, 'must be a boolean (true or false)')
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new ConfigError(where, 'must be a string')
  return value
}

function duration(value: unknown, where: string): number {
  try {
    return parseDuration(value, where)
  } catch {
    throw new ConfigError(where, 'must be a duration such as "768h" or a number of seconds')
  }
}

/** What the per-block parsers in their own files use to read values and report problems. */
const HELPERS = {
  fail: (key: string, problem: string): never => {
    throw new ConfigError(key, problem)
  },
  duration,
  bool,
}

function isHostPort(address: string): boolean {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(address)
  return match !== null && Number(match[2]) <= 65535
}

function hclSections(body: HclBody): { attributes: Raw; sections: Section[] } {
  const sections: Section[] = []
  const attributes: Raw = { ...body.attributes }
  for (const block of body.blocks) {
    // Vault's telemetry block has no label: it is read like a top-level attribute holding an object.
    if (block.type === 'telemetry' && block.labels.length === 0) {
      if (block.body.blocks[0])
        throw new ConfigError('telemetry', `unknown key ${JSON.stringify(block.body.blocks[0].type)}`)
      if (Object.hasOwn(attributes, 'telemetry'))
        throw new ConfigError('telemetry', `line ${block.line}: only one telemetry block is allowed`)
      attributes['telemetry'] = { ...block.body.attributes }
      continue
    }
    // anomaly_detection { ... } is read the same way; its one nested block, thresholds { ... }, becomes an object.
    if (block.type === 'anomaly_detection' && block.labels.length === 0) {
      if (Object.hasOwn(attributes, 'anomaly_detection'))
        throw new ConfigError(
          'anomaly_detection',
          `line ${block.line}: only one anomaly_detection block is allowed`,
        )
      const body: Raw = { ...block.body.attributes }
      for (const nested of block.body.blocks) {
        if (nested.type !== 'thresholds' || nested.labels.length > 0 || body['thresholds'] !== undefined)
          throw new ConfigError(
            'anomaly_detection',
            `unexpected block ${JSON.stringify(nested.type)} on line ${nested.line}`,
          )
        body['thresholds'] = { ...nested.body.attributes }
      }
      attributes['anomaly_detection'] = body
      continue
    }
    if (!SECTION_KINDS.has(block.type)) {
      throw new ConfigError(
        block.type,
        `unknown block on line ${block.line} (supported: listener, storage, backend, user_lockout, rotation_function, event_sink)`,
      )
    }
    const kind = block.type as Section['kind']
    if (block.labels.length !== 1) {
      throw new ConfigError(
        kind,
        `line ${block.line}: expected one type label, as in ${kind} "${kind === 'listener' ? 'tcp' : 'sqlite'}" { ... }`,
      )
    }
    const type = block.labels[0] as string
    const sectionBody: Raw = { ...block.body.attributes }
    for (const nested of block.body.blocks) {
      // A listener's telemetry block (unauthenticated_metrics_access) is its only nested block.
      if (
        kind === 'listener' &&
        nested.type === 'telemetry' &&
        nested.labels.length === 0 &&
        !sectionBody['telemetry']
      )
        sectionBody['telemetry'] = { ...nested.body.attributes }
      else throw new ConfigError(`${kind}.${type}`, `unknown key ${JSON.stringify(nested.type)}`)
    }
    sections.push({ kind, type, body: sectionBody })
  }
  return { attributes, sections }
}

/** JSON mirrors HCL: {"listener": {"tcp": {...}}}, with arrays allowed at either level. */
function jsonSections(doc: unknown): { attributes: Raw; sections: Section[] } {
  if (!isObject(doc)) throw new ConfigError('config', 'a JSON config must be an object')
  const attributes: Raw = {}
  const sections: Section[] = []
  const add = (kind: Section['kind'], value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) add(kind, item)
      return
    }
    if (!isObject(value))
      throw new ConfigError(
        kind,
        `must be an object such as {"${kind === 'listener' ? 'tcp' : 'sqlite'}": {...}}`,
      )
    for (const [type, body] of Object.entries(value)) {
      for (const item of Array.isArray(body) ? body : [body]) {
        if (!isObject(item)) throw new ConfigError(`${kind}.${type}`, 'must be an object')
        sections.push({ kind, type, body: item })
      }
    }
  }
  for (const [key, value] of Object.entries(doc)) {
    if (SECTION_KINDS.has(key)) add(key as Section['kind'], value)
    else Object.defineProperty(attributes, key, { value, enumerable: true })
  }
  return { attributes, sections }
}

function parseListener(section: Section, where: string): ListenerConfig {
  if (section.type !== 'tcp') throw new ConfigError(where, 'only "tcp" listeners are supported')
  const body = section.body
  checkKeys(body, LISTENER_KEYS, where)
  const address =
    body['address'] === undefined ? DEFAULT_LISTENER_ADDRESS : string(body['address'], `${where}.address`)
  if (!isHostPort(address))
    throw new ConfigError(`${where}.address`, 'must be host:port, such as 127.0.0.1:8200')
  // Vault's listener for node-to-node forwarding; Coffer's nodes talk over api_addr, so it is only checked.
  // Vault's own example configs (and vault-action's TLS test server) carry it.
  if (body['cluster_address'] !== undefined) {
    const cluster = string(body['cluster_address'], `${where}.cluster_address`)
    if (!isHostPort(cluster))
      throw new ConfigError(`${where}.cluster_address`, 'must be host:port, such as 127.0.0.1:8201')
  }
  const tlsDisable =
    body['tls_disable'] === undefined ? false : bool(body['tls_disable'], `${where}.tls_disable`)
  const listener: ListenerConfig = {
    type: 'tcp',
    address,
    tlsDisable,
    maxRequestSize: DEFAULT_MAX_REQUEST_SIZE,
  }
  if (body['tls_cert_file'] !== undefined)
    listener.tlsCertFile = string(body['tls_cert_file'], `${where}.tls_cert_file`)
  if (body['tls_key_file'] !== undefined)
    listener.tlsKeyFile = string(body['tls_key_file'], `${where}.tls_key_file`)
  if (!tlsDisable && (!listener.tlsCertFile || !listener.tlsKeyFile)) {
    throw new ConfigError(where, 'tls_cert_file and tls_key_file are required unless tls_disable = true')
  }
  parseClientCertOptions(body, where, listener)
  const size = body['max_request_size']
  if (size !== undefined) {
    const n = typeof size === 'string' && /^\d+$/.test(size.trim()) ? Number(size) : size
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new ConfigError(
        `${where}.max_request_size`,
        'must be a whole number of bytes (0 means the 32 MiB default)',
      )
    }
    // Vault treats 0 as "use the default".
    if (n > 0) listener.maxRequestSize = n
  }
  const depth = body['max_json_depth']
  if (depth !== undefined) {
    const n = typeof depth === 'string' && /^\d+$/.test(depth.trim()) ? Number(depth) : depth
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_JSON_DEPTH_CEILING) {
      throw new ConfigError(
        `${where}.max_json_depth`,
        `must be a whole number up to ${MAX_JSON_DEPTH_CEILING} (0 means the default of ${DEFAULT_MAX_JSON_DEPTH})`,
      )
    }
    // As Vault, 0 means the default.
    if (n > 0) listener.maxJsonDepth = n
  }
  for (const [key, field, fallback] of [
    ['max_json_string_value_length', 'maxJsonStringValueLength', DEFAULT_JSON_LIMITS.stringValueLength],
    ['max_json_object_entry_count', 'maxJsonObjectEntryCount', DEFAULT_JSON_LIMITS.objectEntryCount],
    ['max_json_array_element_count', 'maxJsonArrayElementCount', DEFAULT_JSON_LIMITS.arrayElementCount],
  ] as const) {
    const value = body[key]
    if (value === undefined) continue
    const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value
    // No ceiling: the scan that enforces these counts and lengths costs the same whatever they are.
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new ConfigError(`${where}.${key}`, `must be a whole number (0 means the default of ${fallback})`)
    }
    // As Vault, 0 means the default.
    if (n > 0) listener[field] = n
  }
  for (const [key, field] of [
    ['http_read_header_timeout', 'httpReadHeaderTimeout'],
    ['http_read_timeout', 'httpReadTimeout'],
  ] as const) {
    if (body[key] === undefined) continue
    const seconds = duration(body[key], `${where}.${key}`)
    // No timeout at all would let a client that never finishes its request hold a connection forever.
    if (seconds < 1) throw new ConfigError(`${where}.${key}`, 'must be at least 1s')
    listener[field] = seconds
  }
  if (body['telemetry'] !== undefined) {
    const telemetry = parseListenerTelemetry(body['telemetry'], `${where}.telemetry`, HELPERS)
    if (telemetry.unauthenticatedMetricsAccess) listener.unauthenticatedMetricsAccess = true
  }
  return listener
}

/** Vault's client-certificate listener options; they mean nothing without TLS, so they are refused there. */
function parseClientCertOptions(body: Raw, where: string, listener: ListenerConfig): void {
  if (body['tls_require_and_verify_client_cert'] !== undefined)
    listener.tlsRequireAndVerifyClientCert = bool(
      body['tls_require_and_verify_client_cert'],
      `${where}.tls_require_and_verify_client_cert`,
    )
  if (body['tls_disable_client_certs'] !== undefined)
    listener.tlsDisableClientCerts = bool(
      body['tls_disable_client_certs'],
      `${where}.tls_disable_client_certs`,
    )
  if (body['tls_client_ca_file'] !== undefined) {
    const file = string(body['tls_client_ca_file'], `${where}.tls_client_ca_file`)
    if (file !== '') listener.tlsClientCaFile = file
  }
  const set = ['tls_require_and_verify_client_cert', 'tls_client_ca_file', 'tls_disable_client_certs'].filter(
    (key) => body[key] !== undefined,
  )
  if (listener.tlsDisable && set.length > 0)
    throw new ConfigError(
      `${where}.${set[0]}`,
      'has no effect with tls_disable = true; remove it or enable TLS',
    )
  if (listener.tlsRequireAndVerifyClientCert && listener.tlsDisableClientCerts)
    throw new ConfigError(
      where,
      'tls_require_and_verify_client_cert and tls_disable_client_certs are mutually exclusive',
    )
}

/** An http(s) URL setting such as api_addr. */
function httpUrl(raw: unknown, key: string, port: number): string {
  const value = string(raw, key)
  let ok = false
  try {
    ok = ['http:', 'https:'].includes(new URL(value).protocol)
  } catch {}
  if (!ok) throw new ConfigError(key, `must be a URL such as https://vault.example.com:${port}`)
  return value
}

/** A whole number from HCL or JSON (Vault writes max_parallel as a string), at least `min`. */
function count(value: unknown, where: string, min: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min)
    throw new ConfigError(where, `must be a whole number of at least ${min}`)
  return n
}

function pgTable(value: unknown, where: string): string {
  const name = string(value, where)
  if (!PG_TABLE_NAME.test(name))
    throw new ConfigError(
      where,
      'must be a table name of letters, digits and underscores (up to 58), optionally schema-qualified as schema.table',
    )
  return name
}

/** storage "postgresql": COFFER_PG_CONNECTION_URL (in `env`) supplies or overrides connection_url. */
function parsePostgresql(body: Raw, where: string, env: NodeJS.ProcessEnv): PostgresqlStorageConfig {
  const fromEnv = env[PG_CONNECTION_URL_ENV]
  const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : body['connection_url']
  if (raw === undefined || raw === '')
    throw new ConfigError(`${where}.connection_url`, `is required (or set ${PG_CONNECTION_URL_ENV})`)
  const connectionUrl = string(raw, `${where}.connection_url`)
  let scheme = ''
  try {
    scheme = new URL(connectionUrl).protocol
  } catch {}
  // The message never repeats the URL: it usually carries a password.
  if (scheme !== 'postgres:' && scheme !== 'postgresql:')
    throw new ConfigError(
      `${where}.connection_url`,
      'must be a URL such as postgres://user:password@host:5432/database?sslmode=verify-full',
    )
  const config: PostgresqlStorageConfig = {
    type: 'postgresql',
    connectionUrl,
    table: body['table'] === undefined ? PG_DEFAULT_TABLE : pgTable(body['table'], `${where}.table`),
    maxParallel:
      body['max_parallel'] === undefined
        ? PG_DEFAULT_MAX_PARALLEL
        : count(body['max_parallel'], `${where}.max_parallel`, 1),
    skipCreateTable:
      body['skip_create_table'] === undefined
        ? false
        : bool(body['skip_create_table'], `${where}.skip_create_table`),
    haEnabled: body['ha_enabled'] === undefined ? false : bool(body['ha_enabled'], `${where}.ha_enabled`),
    haTable:
      body['ha_table'] === undefined ? PG_DEFAULT_HA_TABLE : pgTable(body['ha_table'], `${where}.ha_table`),
  }
  if (body['max_idle_connections'] !== undefined) {
    const idle = count(body['max_idle_connections'], `${where}.max_idle_connections`, 0)
    if (idle > 0) config.maxIdleConnections = idle
  }
  return config
}

/**
 * A storage (or Vault's older `backend`) block, checked; also used for a migration's source and destination.
 * `env` supplies COFFER_PG_CONNECTION_URL for a postgresql block.
 */
export function parseStorage(section: Section, env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const where = `${section.kind}.${section.type}`
  const allowed = STORAGE_KEYS[section.type]
  if (!Object.hasOwn(STORAGE_KEYS, section.type) || !allowed) {
    throw new ConfigError(where, 'unsupported storage type (use sqlite, file, postgresql or inmem)')
  }
  checkKeys(section.body, allowed, where)
  if (section.type === 'inmem') return { type: 'inmem' }
  if (section.type === 'postgresql') return parsePostgresql(section.body, where, env)
  const raw = section.body['path']
  if (raw === undefined || raw === '') throw new ConfigError(`${where}.path`, 'is required')
  const path = string(raw, `${where}.path`)
  // Vault's "file" backend names a directory; Coffer keeps one SQLite database inside it.
  return { type: 'sqlite', path: section.type === 'file' ? join(path, 'coffer.db') : path }
}

function build(attributes: Raw, sections: Section[]): ServerConfig {
  checkKeys(attributes, TOP_LEVEL_KEYS, 'config')
  const storages = sections.filter((s) => s.kind === 'storage' || s.kind === 'backend')
  if (storages.length !== 1) {
    throw new ConfigError('storage', `exactly one storage block is required (found ${storages.length})`)
  }
  const listenerSections = sections.filter((s) => s.kind === 'listener')
  if (listenerSections.length === 0)
    throw new ConfigError('listener', 'at least one listener block is required')
  const listeners = listenerSections.map((section, i) =>
    parseListener(section, `listener.${section.type}${listenerSections.length > 1 ? `[${i}]` : ''}`),
  )

  const config: ServerConfig = {
    listeners,
    storage: parseStorage(storages[0] as Section),
    defaultLeaseTtl: DEFAULT_LEASE_TTL,
    maxLeaseTtl: DEFAULT_LEASE_TTL,
    logLevel: 'info',
    disableMlock: false,
    ui: false,
  }
  const a = attributes
  // As Vault's VAULT_API_ADDR and VAULT_CLUSTER_ADDR, the environment wins: one config file serves every replica.
  const apiAddr = process.env['COFFER_API_ADDR'] || a['api_addr']
  const clusterAddr = process.env['COFFER_CLUSTER_ADDR'] || a['cluster_addr']
  if (apiAddr !== undefined) config.apiAddr = httpUrl(apiAddr, 'api_addr', 8200)
  if (clusterAddr !== undefined) config.clusterAddr = httpUrl(clusterAddr, 'cluster_addr', 8201)
  // Vault treats a zero TTL as "use the system default".
  if (a['max_lease_ttl'] !== undefined)
    config.maxLeaseTtl = duration(a['max_lease_ttl'], 'max_lease_ttl') || DEFAULT_LEASE_TTL
  if (a['default_lease_ttl'] !== undefined) {
    config.defaultLeaseTtl = duration(a['default_lease_ttl'], 'default_lease_ttl') || DEFAULT_LEASE_TTL
  }
  if (config.defaultLeaseTtl > config.maxLeaseTtl) {
    // With only max_lease_ttl lowered, the default follows it rather than failing.
    if (a['default_lease_ttl'] !== undefined)
      throw new ConfigError('default_lease_ttl', 'must not exceed max_lease_ttl')
    config.defaultLeaseTtl = config.maxLeaseTtl
  }
  if (a['log_level'] !== undefined) {
    const level = LOG_LEVELS[string(a['log_level'], 'log_level').trim().toLowerCase()]
    if (!level) throw new ConfigError('log_level', 'must be one of trace, debug, info, warn, error')
    config.logLevel = level
  }
  if (a['disable_mlock'] !== undefined) config.disableMlock = bool(a['disable_mlock'], 'disable_mlock')
  if (a['ui'] !== undefined) config.ui = bool(a['ui'], 'ui')
  if (a['list_filter'] !== undefined) {
    const mode = string(a['list_filter'], 'list_filter').trim().toLowerCase()
    if (mode !== 'policy' && mode !== 'vault')
      throw new ConfigError(
        'list_filter',
        'must be "policy" (LIST shows only keys your policies reach) or "vault" (every key, as Vault does)',
      )
    config.listFilter = mode
  }
  if (a['telemetry'] !== undefined) config.telemetry = parseTelemetry(a['telemetry'], HELPERS)
  if (a['anomaly_detection'] !== undefined) {
    const raw = a['anomaly_detection']
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new ConfigError(
        'anomaly_detection',
        'must be a block such as anomaly_detection { enabled = true }',
      )
    try {
      config.anomalyDetection = mergeAnomalyConfig(
        { ...DEFAULT_ANOMALY_CONFIG, enabled: true },
        raw as Raw,
        'anomaly_detection',
      )
    } catch (error) {
      if (!(error instanceof AnomalyConfigError)) throw error
      const [key, ...problem] = error.message.split(': ')
      throw new ConfigError(key ?? 'anomaly_detection', problem.join(': '))
    }
  }
  const sinks = sections.filter((s) => s.kind === 'event_sink')
  if (sinks.length > 0)
    config.eventSinks = parseEventSinks(sinks, {
      fail: (key, problem) => {
        throw new ConfigError(key, problem)
      },
      duration,
    })
  const lockouts = sections.filter((s) => s.kind === 'user_lockout')
  if (lockouts.length > 0)
    config.userLockout = parseUserLockoutBlocks(lockouts, {
      fail: (key, problem) => {
        throw new ConfigError(key, problem)
      },
      duration,
      bool,
    })
  const functions = sections.filter((s) => s.kind === 'rotation_function')
  if (functions.length > 0)
    config.rotationFunctions = parseRotationFunctionBlocks(functions, {
      fail: (key, problem) => {
        throw new ConfigError(key, problem)
      },
      duration,
    })
  return config
}

/** Parse config text; every problem is a ConfigError naming the config key. */
export function parseConfig(text: string, format: ConfigFormat): ServerConfig {
  if (format === 'json') {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (error) {
      // Node's message quotes the input, which may hold paths or secrets; keep only the position.
      const where = /line \d+ column \d+/.exec((error as Error).message)?.[0]
      throw new ConfigError('config', `invalid JSON${where ? ` at ${where}` : ''}`)
    }
    const { attributes, sections } = jsonSections(doc)
    return build(attributes, sections)
  }
  let body: HclBody
  try {
    body = parseHcl(text)
  } catch (error) {
    if (error instanceof HclSyntaxError) throw new ConfigError('config', error.message, { cause: error })
    throw error
  }
  const { attributes, sections } = hclSections(body)
  return build(attributes, sections)
}

/** Read and parse a config file: `.json` (or text starting with '{') is JSON, anything else HCL. */
export function loadConfig(path: string): ServerConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new ConfigError(path, `cannot read the config file (${code})`, { cause: error })
  }
  const format: ConfigFormat =
    extname(path).toLowerCase() === '.json' || text.trimStart().startsWith('{') ? 'json' : 'hcl'
  try {
    return parseConfig(text, format)
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(`${path}: ${error.key}`, error.problem, { cause: error })
    throw error
  }
}
