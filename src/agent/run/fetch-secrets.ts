// Read the secrets `coffer run` maps: KV v1/v2 (version found as the Vault CLI does), leased reads, Secrets Manager.
import { ApiError, type VaultClient } from '../../client/index.ts'
import type { FetchedSecret } from './env-names.ts'
import type { SecretSpec } from './secret-spec.ts'

/** A secret could not be read; the message names the path and the reason, never a value. Exit code 2 like remote errors. */
export class SecretFetchError extends Error {}

interface MountInfo {
  mountPath: string
  type: string
  kvVersion: 1 | 2
}

function reason(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return 'permission denied'
    if (error.status === 404) return 'no secret there'
    return error.errors.length > 0 ? error.errors.join('; ') : `HTTP ${error.status}`
  }
  return error instanceof Error ? error.message : String(error)
}

/** Ask which mount serves `path`, as `vault kv get` does; a server without the endpoint is treated as KV v1. */
async function mountOf(client: VaultClient, path: string): Promise<MountInfo> {
  try {
    const res = await client.request('GET', `sys/internal/ui/mounts/${path}`)
    const data = (res.body?.data ?? {}) as {
      path?: unknown
      type?: unknown
      options?: { version?: unknown } | null
    }
    const mountPath = typeof data.path === 'string' ? data.path.replace(/^\/+/, '') : ''
    return {
      mountPath: mountPath === '' || mountPath.endsWith('/') ? mountPath : `${mountPath}/`,
      type: typeof data.type === 'string' ? data.type : 'kv',
      kvVersion: String(data.options?.version ?? '1') === '2' ? 2 : 1,
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { mountPath: '', type: 'kv', kvVersion: 1 }
    throw new SecretFetchError(`cannot look up the mount of ${path}: ${reason(error)}`)
  }
}

/** `secret/app` on a KV v2 mount at `secret/` reads `secret/data/app`; a path already under data/ is kept. */
function kvV2DataPath(mountPath: string, path: string): string {
  const relative = path.startsWith(mountPath) ? path.slice(mountPath.length) : path
  if (relative.startsWith('data/')) return `${mountPath}${relative}`
  return `${mountPath}data/${relative}`
}

async function readOrFail(client: VaultClient, path: string, shown: string) {
  let envelope: Awaited<ReturnType<VaultClient['read']>>
  try {
    envelope = await client.read(path)
  } catch (error) {
    throw new SecretFetchError(`cannot read ${shown}: ${reason(error)}`)
  }
  if (!envelope) throw new SecretFetchError(`cannot read ${shown}: no secret there`)
  return envelope
}

async function fetchVault(client: VaultClient, spec: SecretSpec): Promise<FetchedSecret> {
  const mount = await mountOf(client, spec.path)
  if (mount.type === 'kv' && mount.kvVersion === 2) {
    const envelope = await readOrFail(client, kvV2DataPath(mount.mountPath, spec.path), spec.path)
    const data = envelope.data?.['data']
    if (data === null || data === undefined)
      throw new SecretFetchError(`cannot read ${spec.path}: its latest version is deleted or destroyed`)
    return { spec, data: data as Record<string, unknown> }
  }
  // KV v1 and every other engine (database/creds/<role>, ...) answer a plain read; a lease comes with dynamic ones.
  const envelope = await readOrFail(client, spec.path, spec.path)
  const leaseId =
    typeof envelope.lease_id === 'string' && envelope.lease_id !== '' ? envelope.lease_id : undefined
  return { spec, data: envelope.data ?? {}, ...(leaseId ? { leaseId } : {}) }
}

async function fetchSecretsManager(
  client: VaultClient,
  spec: SecretSpec,
  smMount: string,
): Promise<FetchedSecret> {
  const shown = `sm:${spec.path}`
  const envelope = await readOrFail(client, `${smMount}/secrets/${spec.path}`, shown)
  const value = envelope.data?.['secret_string']
  if (typeof value !== 'string') throw new SecretFetchError(`cannot use ${shown}: it holds no secret string`)
  try {
    const parsed: unknown = JSON.parse(value)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return { spec, data: parsed as Record<string, unknown> }
  } catch {
    // Not JSON: the whole string is the value.
  }
  return { spec, data: {}, whole: value }
}

export interface FetchOptions {
  /** Mount path of the secretsmanager engine for `sm:` secrets. */
  smMount: string
}

/**
 * Read every spec, in order. On a failure the leases already obtained are handed to `onPartialLeases` first, so a
 * caller can revoke them: credentials nobody will use must not outlive the failed start.
 */
export async function fetchSecrets(
  client: VaultClient,
  specs: readonly SecretSpec[],
  options: FetchOptions,
): Promise<FetchedSecret[]> {
  const fetched: FetchedSecret[] = []
  try {
    for (const spec of specs) {
      fetched.push(
        spec.source === 'secretsmanager'
          ? await fetchSecretsManager(client, spec, options.smMount)
          : await fetchVault(client, spec),
      )
    }
  } catch (error) {
    await revokeLeases(client, fetched)
    throw error
  }
  return fetched
}

/** Revoke the leases of dynamic secrets; failures are collected, not thrown, so every lease gets its attempt. */
export async function revokeLeases(
  client: VaultClient,
  secrets: readonly FetchedSecret[],
): Promise<string[]> {
  const problems: string[] = []
  for (const secret of secrets) {
    if (!secret.leaseId) continue
    try {
      await client.write('sys/leases/revoke', { lease_id: secret.leaseId })
    } catch (error) {
      problems.push(`cannot revoke the lease of ${secret.spec.path}: ${reason(error)}`)
    }
  }
  return problems
}

/** Revoke leases known only by ID (those an env file template obtained). */
export async function revokeLeaseIds(
  client: VaultClient,
  leaseIds: readonly string[],
  owner: string,
): Promise<string[]> {
  const problems: string[] = []
  for (const leaseId of leaseIds) {
    try {
      await client.write('sys/leases/revoke', { lease_id: leaseId })
    } catch (error) {
      problems.push(`cannot revoke a lease of ${owner}: ${reason(error)}`)
    }
  }
  return problems
}
