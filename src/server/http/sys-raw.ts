// The sys endpoints Vault serves outside the envelope and while sealed: init, seal-status, unseal, health, leader.

import { COFFER_VERSION } from '../../lib/version.ts'
import { InvalidRequestError, UnsupportedOperationError } from '../../sdk/errors.ts'
import { parseBool, parseInt64, parseString, parseStringList } from '../../sdk/framework/fields.ts'
import type { Core } from '../core/core.ts'
import { encryptShares, encryptToKeys, parsePgpKeys } from '../core/pgp-keys.ts'
import type { SealManager } from '../core/seal-manager.ts'
import { emptyResult, type HttpResult, jsonResult } from './http-types.ts'
import { goBool } from './parse-request.ts'

export const RAW_SYS_PATHS = new Set([
  'sys/init',
  'sys/seal-status',
  'sys/unseal',
  'sys/health',
  'sys/leader',
])

/**
 * What these endpoints use of the core: its seal lifecycle (init, unseal shares, status) and identity. None of it
 * needs the unsealed services, which is why they answer while sealed.
 */
export type RawSysCore = Pick<
  Core,
  | 'initialized'
  | 'refreshInitialized'
  | 'sealed'
  | 'standby'
  | 'standbyReader'
  | 'ha'
  | 'initialize'
  | 'unseal'
  | 'storageType'
  | 'clusterName'
  | 'clusterId'
  | 'clock'
> & { readonly seal: Pick<SealManager, 'config' | 'progress' | 'nonce' | 'reset'> }

export function sealStatus(core: RawSysCore): Record<string, unknown> {
  const config = core.seal.config
  const status: Record<string, unknown> = {
    type: 'shamir',
    initialized: core.initialized,
    sealed: core.sealed,
    t: config?.secretThreshold ?? 0,
    n: config?.secretShares ?? 0,
    progress: core.seal.progress,
    nonce: core.seal.nonce,
    version: COFFER_VERSION,
    build_date: '2026-11-22T00:00:00Z',
    migration: false,
    recovery_seal: false,
    storage_type: core.storageType,
  }
  if (!core.sealed) {
    status['cluster_name'] = core.clusterName
    status['cluster_id'] = core.clusterId
  }
  return status
}

/** Unseal shares arrive hex-encoded or base64-encoded; hex is tried first, as Vault does. */
export function decodeShare(key: string): Buffer {
  const trimmed = key.trim()
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0) return Buffer.from(trimmed, 'hex')
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return Buffer.from(trimmed, 'base64')
  throw new InvalidRequestError("'key' must be a valid hex or base64 string")
}

async function init(core: RawSysCore, method: string, data: Record<string, unknown>): Promise<HttpResult> {
  if (method === 'GET') return jsonResult(200, { initialized: core.initialized })
  if (method !== 'PUT' && method !== 'POST') throw new UnsupportedOperationError()
  if (core.initialized) throw new InvalidRequestError('Vault is already initialized')
  const recoveryPgpKeys = data['recovery_pgp_keys']
  if (
    recoveryPgpKeys !== undefined &&
    recoveryPgpKeys !== null &&
    recoveryPgpKeys !== '' &&
    !(Array.isArray(recoveryPgpKeys) && recoveryPgpKeys.length === 0)
  ) {
    throw new InvalidRequestError(
      'recovery_pgp_keys applies only to an auto-unseal seal; a Shamir seal has no recovery keys',
    )
  }
  const shares = data['secret_shares'] === undefined ? 5 : parseInt64(data['secret_shares'], 'secret_shares')
  const threshold =
    data['secret_threshold'] === undefined ? 3 : parseInt64(data['secret_threshold'], 'secret_threshold')
  const pgpKeyTexts =
    data['pgp_keys'] === undefined || data['pgp_keys'] === null || data['pgp_keys'] === ''
      ? []
      : parseStringList(data['pgp_keys'], 'pgp_keys')
  // Vault's SealConfig.Validate: one key per share.
  if (pgpKeyTexts.length > 0 && pgpKeyTexts.length !== shares) {
    throw new InvalidRequestError(
      'invalid seal configuration: count mismatch between number of provided PGP keys and number of shares',
    )
  }
  // Every key is parsed before anything is created, so a bad key leaves the server uninitialised.
  const pgpKeys = await parsePgpKeys(pgpKeyTexts, 'pgp_keys')
  const rootKeyText =
    data['root_token_pgp_key'] === undefined || data['root_token_pgp_key'] === null
      ? ''
      : parseString(data['root_token_pgp_key'], 'root_token_pgp_key')
  const rootPgpKey =
    rootKeyText === '' ? undefined : (await parsePgpKeys([rootKeyText], 'root_token_pgp_key'))[0]
  const result = await core.initialize(shares, threshold)
  let delivered: Uint8Array[] = result.shares
  if (pgpKeys.length > 0) delivered = (await encryptShares(result.shares, pgpKeys)).messages
  let rootToken = result.rootToken
  // As in Vault: base64 of the binary OpenPGP message whose plaintext is the token.
  if (rootPgpKey)
    rootToken = Buffer.from(
      (await encryptToKeys([Buffer.from(rootToken)], [rootPgpKey])).messages[0]!,
    ).toString('base64')
  return jsonResult(200, {
    keys: delivered.map((share) => Buffer.from(share).toString('hex')),
    keys_base64: delivered.map((share) => Buffer.from(share).toString('base64')),
    root_token: rootToken,
  })
}

async function unseal(core: RawSysCore, method: string, data: Record<string, unknown>): Promise<HttpResult> {
  if (method !== 'PUT' && method !== 'POST') throw new UnsupportedOperationError()
  if (!core.initialized) throw new InvalidRequestError('Vault is not initialized')
  if (data['reset'] !== undefined && parseBool(data['reset'], 'reset')) {
    core.seal.reset()
    return jsonResult(200, sealStatus(core))
  }
  const key = data['key']
  if (typeof key !== 'string' || key === '') {
    throw new InvalidRequestError("'key' must be specified in request body as JSON, or 'reset' set to true")
  }
  await core.unseal(decodeShare(key))
  return jsonResult(200, sealStatus(core))
}

const OVERRIDES = [
  'activecode',
  'standbycode',
  'sealedcode',
  'uninitcode',
  'drsecondarycode',
  'performancestandbycode',
  'removedcode',
  'haunhealthycode',
] as const

/**
 * A status-code override, as Vault's fetchStatusCode reads it (a decimal integer), but only a final status:
 * a 1xx would be sent as an interim response (101 switches protocols) and Node refuses anything past 999.
 */
function overrideCode(query: URLSearchParams, name: (typeof OVERRIDES)[number], fallback: number): number {
  const raw = query.get(name)
  if (raw === null) return fallback
  const parsed = /^[+-]?\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(parsed >= 200 && parsed <= 599)) {
    throw new InvalidRequestError(
      `invalid value for "${name}": ${JSON.stringify(raw.slice(0, 20))} is not an HTTP status code from 200 to 599`,
    )
  }
  return parsed
}

function health(core: RawSysCore, method: string, query: URLSearchParams): HttpResult {
  if (method !== 'GET' && method !== 'HEAD') throw new UnsupportedOperationError()
  // Every override is checked, not just the one this node's state selects, so a bad probe fails everywhere.
  for (const flag of ['standbyok', 'perfstandbyok']) {
    const value = query.get(flag)
    if (value !== null) goBool(flag, value)
  }
  for (const name of OVERRIDES) overrideCode(query, name, 0)
  const code = (name: (typeof OVERRIDES)[number], fallback: number) => overrideCode(query, name, fallback)
  const standby = core.standby
  // A standby that serves reads itself is Vault's performance standby: 473, unless perfstandbyok.
  const performanceStandby = standby && core.standbyReader?.services !== undefined
  // standbyok (Vault): a standby answers with the active node's code, for load balancers that may send it reads.
  const standbyOk = query.get('standbyok') !== null && goBool('standbyok', query.get('standbyok')!)
  const perfStandbyOk =
    query.get('perfstandbyok') !== null && goBool('perfstandbyok', query.get('perfstandbyok')!)
  const status = !core.initialized
    ? code('uninitcode', 501)
    : core.sealed
      ? code('sealedcode', 503)
      : performanceStandby && !perfStandbyOk
        ? code('performancestandbycode', 473)
        : standby && !standbyOk && !performanceStandby
          ? code('standbycode', 429)
          : code('activecode', 200)
  const body: Record<string, unknown> = {
    initialized: core.initialized,
    sealed: core.sealed,
    // Vault's core counts as a standby until it becomes active, so a sealed (or uninitialised) node says true.
    standby: standby || core.sealed,
    performance_standby: performanceStandby,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(core.clock.now() / 1000),
    version: COFFER_VERSION,
    enterprise: false,
  }
  if (!core.sealed) {
    body['cluster_name'] = core.clusterName
    body['cluster_id'] = core.clusterId
  }
  if (method === 'HEAD') return emptyResult(status)
  return jsonResult(status, body)
}

async function leader(core: RawSysCore): Promise<HttpResult> {
  const ha = core.ha
  const current = ha ? await ha.leader().catch(() => undefined) : undefined
  const isSelf = ha !== undefined && current?.nodeId === ha.nodeId && ha.isActive()
  return jsonResult(200, {
    ha_enabled: ha !== undefined,
    is_self: isSelf,
    active_time:
      isSelf && ha.activeSince !== undefined
        ? new Date(ha.activeSince).toISOString()
        : '0001-01-01T00:00:00Z',
    leader_address: current?.apiAddr ?? '',
    leader_cluster_address: current?.clusterAddr ?? '',
    performance_standby: !isSelf && ha !== undefined && core.standbyReader?.services !== undefined,
    performance_standby_last_remote_wal: 0,
  })
}

export async function handleRawSys(
  core: RawSysCore,
  path: string,
  method: string,
  data: Record<string, unknown>,
  query: URLSearchParams,
): Promise<HttpResult> {
  // With several nodes on one storage, another node may have initialised it since this one last looked.
  if (!core.initialized) await core.refreshInitialized()
  switch (path) {
    case 'sys/init':
      return init(core, method, data)
    case 'sys/seal-status':
      if (method !== 'GET') throw new UnsupportedOperationError()
      return jsonResult(200, sealStatus(core))
    case 'sys/unseal':
      return unseal(core, method, data)
    case 'sys/health':
      return health(core, method, query)
    default:
      if (core.sealed) return jsonResult(503, { errors: ['Vault is sealed'] })
      return leader(core)
  }
}
