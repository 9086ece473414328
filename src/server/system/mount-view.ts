// Mount entries rendered in Vault's sys/mounts and sys/auth shapes.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { parseDurationField } from '../../sdk/framework/fields.ts'
import type { UserLockoutConfig } from '../../sdk/request.ts'
import { BUILTIN_MOUNTS } from '../core/builtin-mounts.ts'
import type { MountConfig, MountEntry } from '../core/mount-table.ts'

/**
 * Types core creates itself (sys/, cubbyhole/, identity/, auth/token/). Vault reports a deprecation_status
 * only for plugins in its builtin registry, which these are not, so their entries carry no such key; and
 * they are created without an options map, so theirs reads null.
 */
const CORE_TYPES: ReadonlySet<string> = new Set(BUILTIN_MOUNTS.map((mount) => mount.entry.type))

export function mountView(entry: MountEntry): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: entry.config.defaultLeaseTtl,
    max_lease_ttl: entry.config.maxLeaseTtl,
    force_no_cache: entry.config.forceNoCache,
  }
  if (entry.config.listingVisibility) config['listing_visibility'] = entry.config.listingVisibility
  if (entry.config.auditNonHmacRequestKeys.length)
    config['audit_non_hmac_request_keys'] = entry.config.auditNonHmacRequestKeys
  if (entry.config.auditNonHmacResponseKeys.length)
    config['audit_non_hmac_response_keys'] = entry.config.auditNonHmacResponseKeys
  if (entry.config.passthroughRequestHeaders.length)
    config['passthrough_request_headers'] = entry.config.passthroughRequestHeaders
  if (entry.config.allowedResponseHeaders.length)
    config['allowed_response_headers'] = entry.config.allowedResponseHeaders
  if (entry.table === 'auth') config['token_type'] = entry.config.tokenType ?? 'default-service'
  const lockout = entry.config.userLockout
  if (lockout && Object.keys(lockout).length > 0) {
    const out: Record<string, unknown> = {}
    if (lockout.counterReset !== undefined) out['user_lockout_counter_reset_duration'] = lockout.counterReset
    if (lockout.threshold !== undefined) out['user_lockout_threshold'] = lockout.threshold
    if (lockout.duration !== undefined) out['user_lockout_duration'] = lockout.duration
    if (lockout.disable !== undefined) out['user_lockout_disable'] = lockout.disable
    config['user_lockout_config'] = out
  }
  return {
    accessor: entry.accessor,
    config,
    description: entry.description,
    external_entropy_access: false,
    local: entry.local,
    // Vault stores the options map a mount was enabled with, empty or not; only the core mounts have none.
    options: CORE_TYPES.has(entry.type) && Object.keys(entry.options).length === 0 ? null : entry.options,
    plugin_version: '',
    running_plugin_version: `v0.1.0+builtin.coffer`,
    running_sha256: '',
    seal_wrap: entry.sealWrap,
    type: entry.type,
    uuid: entry.uuid,
    ...(CORE_TYPES.has(entry.type) ? {} : { deprecation_status: 'supported' }),
  }
}

/** The key used in sys/auth listings: the path without the "auth/" prefix. */
export function tableKey(entry: MountEntry): string {
  return entry.table === 'auth' ? entry.path.slice('auth/'.length) : entry.path
}

/**
 * Every key of Vault's api.MountConfigInput, which the Vault CLI and Go client send as the `config` of a new
 * mount (options, description and the zero-valued TTLs included). Coffer ignores the ones it has no
 * feature for, as Vault ignores options and description there; anything else is a mistake and refused.
 */
export const MOUNT_CONFIG_KEYS = [
  'allowed_managed_keys',
  'allowed_response_headers',
  'audit_non_hmac_request_keys',
  'audit_non_hmac_response_keys',
  'default_lease_ttl',
  'delegated_auth_accessors',
  'description',
  'force_no_cache',
  'identity_token_key',
  'listing_visibility',
  'max_lease_ttl',
  'options',
  'passthrough_request_headers',
  'plugin_name',
  'plugin_version',
  'token_type',
  'trim_request_trailing_slashes',
  'user_lockout_config',
]

/**
 * Vault's tune names (api.UserLockoutConfigInput), plus `lockout_counter_reset`, the name Coffer documented
 * first and still accepts.
 */
export const USER_LOCKOUT_KEYS = [
  'lockout_threshold',
  'lockout_duration',
  'lockout_counter_reset_duration',
  'lockout_disable',
  'lockout_counter_reset',
]

/** Refuse keys outside `known`, naming them all: Vault ignores them, which hides a misspelt setting. */
function refuseUnknownKeys(body: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(body).filter((key) => !known.includes(key))
  if (unknown.length === 0) return
  const names = unknown.map((key) => JSON.stringify(key)).join(', ')
  throw new InvalidRequestError(
    `${where}: unknown ${unknown.length === 1 ? 'key' : 'keys'} ${names} (supported: ${known.join(', ')})`,
  )
}

/**
 * Tunable config from a request body: the `config` object of a new mount (`where` names it, and its keys
 * are checked), or the tune body, whose unknown top-level fields the framework already reports.
 */
export function parseMountConfig(raw: unknown, where?: string): Partial<MountConfig> {
  if (raw === undefined || raw === null) return {}
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError('config must be an object')
  const body = raw as Record<string, unknown>
  if (where !== undefined) refuseUnknownKeys(body, MOUNT_CONFIG_KEYS, where)
  const out: Partial<MountConfig> = {}
  const ttl = (name: string) => {
    const value = body[name]
    // Vault treats "system" (and an empty value) as "inherit the system default".
    if (value === undefined || value === null || value === '' || value === 'system') return undefined
    return parseDurationField(value, name)
  }
  const list = (name: string) => {
    const value = body[name]
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string')
      return value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    if (Array.isArray(value)) return value.map(String)
    throw new TypeError(`${name} must be a list`)
  }
  const defaultTtl = ttl('default_lease_ttl')
  const maxTtl = ttl('max_lease_ttl')
  if (defaultTtl !== undefined) out.defaultLeaseTtl = defaultTtl
  if (maxTtl !== undefined) out.maxLeaseTtl = maxTtl
  if (body['force_no_cache'] !== undefined)
    out.forceNoCache = body['force_no_cache'] === true || body['force_no_cache'] === 'true'
  const visibility = body['listing_visibility']
  if (visibility !== undefined && visibility !== null) {
    // Vault's three values ("" is its default); anything else would be stored and never mean anything.
    if (typeof visibility !== 'string' || !['', 'unauth', 'hidden'].includes(visibility))
      throw new TypeError(`invalid listing_visibility ${String(visibility).slice(0, 40)}`)
    out.listingVisibility = visibility
  }
  const fields = [
    ['audit_non_hmac_request_keys', 'auditNonHmacRequestKeys'],
    ['audit_non_hmac_response_keys', 'auditNonHmacResponseKeys'],
    ['passthrough_request_headers', 'passthroughRequestHeaders'],
    ['allowed_response_headers', 'allowedResponseHeaders'],
  ] as const
  for (const [wire, key] of fields) {
    const value = list(wire)
    if (value) out[key] = value
  }
  if (typeof body['token_type'] === 'string') out.tokenType = body['token_type']
  if (body['user_lockout_config'] !== undefined && body['user_lockout_config'] !== null)
    out.userLockout = parseUserLockout(body['user_lockout_config'])
  return out
}

/** `user_lockout_config` of sys/auth/:path/tune (or of a new mount's config); see USER_LOCKOUT_KEYS. */
export function parseUserLockout(raw: unknown): Partial<UserLockoutConfig> {
  let body = raw
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw)
    } catch {
      throw new TypeError('user_lockout_config must be a JSON object')
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new TypeError('user_lockout_config must be an object')
  refuseUnknownKeys(body as Record<string, unknown>, USER_LOCKOUT_KEYS, 'user_lockout_config')
  const get = (name: string) => {
    const value = (body as Record<string, unknown>)[name]
    return value === undefined || value === null || value === '' ? undefined : value
  }
  const out: Partial<UserLockoutConfig> = {}
  const threshold = get('lockout_threshold')
  if (threshold !== undefined) {
    const n = Number(threshold)
    if (!Number.isInteger(n) || n < 0) throw new TypeError('lockout_threshold must be a non-negative integer')
    out.threshold = n
  }
  const duration = get('lockout_duration')
  if (duration !== undefined) out.duration = parseDurationField(duration, 'lockout_duration')
  const reset = get('lockout_counter_reset_duration')
  const legacyReset = get('lockout_counter_reset')
  if (reset !== undefined && legacyReset !== undefined)
    throw new InvalidRequestError(
      'user_lockout_config: give lockout_counter_reset_duration or its older name lockout_counter_reset, not both',
    )
  if (reset !== undefined) out.counterReset = parseDurationField(reset, 'lockout_counter_reset_duration')
  if (legacyReset !== undefined) out.counterReset = parseDurationField(legacyReset, 'lockout_counter_reset')
  const disable = get('lockout_disable')
  if (disable !== undefined) {
    if (typeof disable !== 'boolean' && disable !== 'true' && disable !== 'false')
      throw new TypeError('lockout_disable must be a boolean')
    out.disable = disable === true || disable === 'true'
  }
  return out
}
