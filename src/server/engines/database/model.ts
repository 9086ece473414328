// Stored shapes of the database engine (config/, role/, static-role/) and the plugin each plugin_name selects.
import { globListMatch } from '../../../lib/glob.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import type { CredentialConfig } from './credential-config.ts'
import { mysqlPluginDefault, mysqlPluginLegacy } from './plugins/mysql.ts'
import type { ConnectionSettings, DatabasePlugin, PasswordAuthentication } from './plugins/plugin.ts'
import { postgresPlugin } from './plugins/postgres.ts'
import { redisPlugin } from './plugins/redis.ts'
import { literalUrlPassword } from './plugins/url-password.ts'

export interface DbConfig {
  plugin_name: string
  connection_url: string
  username: string
  password: string
  max_open_connections: number
  max_idle_connections: number
  max_connection_lifetime: number
  host: string
  port: number
  tls: boolean
  insecure_tls: boolean
  ca_cert: string
  allowed_roles: string[]
  verify_connection: boolean
  password_policy: string
  username_template: string
  root_rotation_statements: string[]
  /** Fill {{username}}/{{password}} into connection_url as given, not percent-encoded (absent in older configs). */
  disable_escaping?: boolean
  /** PostgreSQL only: how passwords are handed to the database (absent in older configs: 'password'). */
  password_authentication?: PasswordAuthentication
  /** A root password being set by rotate-root: kept until committed, so a crash in between can be settled. */
  pending_root_password?: string
}

export interface DynamicRole {
  db_name: string
  creation_statements: string[]
  revocation_statements: string[]
  rollback_statements: string[]
  renew_statements: string[]
  default_ttl: number
  max_ttl: number
  username_template: string
  /** Absent in roles written before it existed. */
  credential_config?: CredentialConfig
}

export interface StaticRole {
  db_name: string
  username: string
  rotation_period: number
  rotation_schedule: string
  rotation_window: number
  rotation_statements: string[]
  credential_config?: CredentialConfig
  password: string
  /** ms since the epoch; 0 before the first rotation. */
  last_vault_rotation: number
  /** ms since the epoch when the next rotation (or retry) is due. */
  next_rotation: number
  /** A password being set: kept until the database confirms, reused by a retry so a half-done change converges. */
  pending_password?: string
  failures: number
}

const PLUGINS: Record<string, DatabasePlugin> = {
  'postgresql-database-plugin': postgresPlugin,
  'mysql-database-plugin': mysqlPluginDefault,
  'mysql-aurora-database-plugin': mysqlPluginDefault,
  'mysql-rds-database-plugin': mysqlPluginDefault,
  'mysql-legacy-database-plugin': mysqlPluginLegacy,
  'redis-database-plugin': redisPlugin,
}

export function pluginFor(name: string): DatabasePlugin {
  // Own keys only: "constructor" or "toString" would find Object.prototype's members and fail later with a 500.
  const plugin = Object.hasOwn(PLUGINS, name) ? PLUGINS[name] : undefined
  if (!plugin)
    throw new InvalidRequestError(
      `unsupported plugin_name "${name}"; use one of: ${Object.keys(PLUGINS).join(', ')}`,
    )
  return plugin
}

export function settingsOf(config: DbConfig): ConnectionSettings {
  return {
    connectionUrl: config.connection_url,
    username: config.username,
    password: config.password,
    maxOpenConnections: config.max_open_connections,
    maxIdleConnections: config.max_idle_connections,
    maxConnectionLifetime: config.max_connection_lifetime,
    host: config.host,
    port: config.port,
    tls: config.tls,
    insecureTls: config.insecure_tls,
    caCert: config.ca_cert,
    disableEscaping: config.disable_escaping === true,
    passwordAuthentication: config.password_authentication ?? 'password',
  }
}

/** Every root secret of a config, to scrub from error messages: its password, and one written into connection_url. */
export function configSecrets(config: Pick<DbConfig, 'password' | 'connection_url'>): string[] {
  const literal = literalUrlPassword(config.connection_url)
  if (literal === undefined) return [config.password]
  let decoded = literal
  try {
    decoded = decodeURIComponent(literal)
  } catch {}
  return [config.password, literal, decoded]
}

export const configKey = (name: string) => `config/${name}`
export const roleKey = (name: string) => `role/${name}`
export const staticRoleKey = (name: string) => `static-role/${name}`
/** A lock (not a storage key) held by role and static-role writes: one name is a role or a static role, never both. */
export const roleNameLock = (name: string) => `role-name/${name}`
export const ROLE_NAME_TAKEN = 'Role and Static Role names must be unique'

export const loadConfig = (storage: Storage, name: string) => getJson<DbConfig>(storage, configKey(name))
export const loadRole = (storage: Storage, name: string) => getJson<DynamicRole>(storage, roleKey(name))
export const loadStaticRole = (storage: Storage, name: string) =>
  getJson<StaticRole>(storage, staticRoleKey(name))
export const saveStaticRole = (storage: Storage, name: string, role: StaticRole) =>
  putJson(storage, staticRoleKey(name), role)

/** Names are one path segment of ordinary characters, so they are safe as storage keys and in lease ids. */
export function checkName(name: string, what: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new InvalidRequestError(`invalid ${what} name "${name}"`)
  return name
}

/** Vault matches allowed_roles entries as globs ("*", "app-*"). */
export function roleAllowed(config: DbConfig, role: string): boolean {
  // A linear scan: as a regular expression, a pattern of many stars backtracked for seconds against a long name.
  return globListMatch(config.allowed_roles, role)
}
