// Secret IDs, stored only as HMACs under their role, with an accessor index; the plain secret ID is never stored.
import { constantTimeEqual } from '../../../lib/hash.ts'
import { rfc3339 } from '../../../lib/time.ts'
import { getJson, getJsonShared, type Storage, type StorageOp } from '../../../sdk/storage.ts'
import { type ApproleState, mac } from './state.ts'

export interface SecretIdEntry {
  /** HMAC of the secret ID; also the last segment of the storage key, compared again in constant time on use. */
  hash: string
  accessor: string
  /** Remaining uses; 0 is unlimited. */
  numUses: number
  /** Seconds the secret ID was issued for; 0 never expires. */
  ttl: number
  creationTimeMs: number
  /** 0 never expires. */
  expirationTimeMs: number
  lastUpdatedTimeMs: number
  metadata: Record<string, string>
  cidrList: string[]
  tokenBoundCidrs: string[]
}

interface AccessorEntry {
  roleHash: string
  secretHash: string
}

const SECRET_ID = 'secret_id/'
const ACCESSOR = 'accessor/'

const roleDir = (state: ApproleState, roleName: string) => `${SECRET_ID}${mac(state, 'role', roleName)}/`

export function secretIdKey(state: ApproleState, roleName: string, secretId: string): string {
  return roleDir(state, roleName) + mac(state, 'secret_id', secretId)
}

export async function loadSecretId(storage: Storage, key: string): Promise<SecretIdEntry | undefined> {
  const entry = await getJsonShared<SecretIdEntry>(storage, key)
  if (!entry || !constantTimeEqual(entry.hash, key.slice(key.lastIndexOf('/') + 1))) return undefined
  return entry
}

export function isExpired(entry: SecretIdEntry, nowMs: number): boolean {
  return entry.expirationTimeMs > 0 && entry.expirationTimeMs <= nowMs
}

export async function storeSecretId(
  storage: Storage,
  state: ApproleState,
  key: string,
  entry: SecretIdEntry,
): Promise<void> {
  const accessorEntry: AccessorEntry = { roleHash: key.split('/')[1]!, secretHash: entry.hash }
  await storage.batch([
    { op: 'put', key, value: Buffer.from(JSON.stringify(entry)) },
    {
      op: 'put',
      key: ACCESSOR + mac(state, 'accessor', entry.accessor),
      value: Buffer.from(JSON.stringify(accessorEntry)),
    },
  ])
}

export function deleteSecretIdOps(state: ApproleState, key: string, entry: SecretIdEntry): StorageOp[] {
  return [
    { op: 'delete', key },
    { op: 'delete', key: ACCESSOR + mac(state, 'accessor', entry.accessor) },
  ]
}

/** The storage key of the secret ID an accessor names, if it belongs to `roleName`. */
export async function keyForAccessor(
  storage: Storage,
  state: ApproleState,
  roleName: string,
  accessor: string,
): Promise<string | undefined> {
  const found = await getJson<AccessorEntry>(storage, ACCESSOR + mac(state, 'accessor', accessor))
  if (!found || found.roleHash !== mac(state, 'role', roleName)) return undefined
  return `${SECRET_ID}${found.roleHash}/${found.secretHash}`
}

/** Every secret ID key of one role. */
export async function secretIdKeys(
  storage: Storage,
  state: ApproleState,
  roleName: string,
): Promise<string[]> {
  const dir = roleDir(state, roleName)
  return (await storage.list(dir)).map((hash) => dir + hash)
}

/** Vault's secret-id lookup shape; a missing expiration is Go's zero time. */
export function secretIdView(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: entry.cidrList,
    creation_time: rfc3339(entry.creationTimeMs),
    expiration_time: entry.expirationTimeMs === 0 ? '0001-01-01T00:00:00Z' : rfc3339(entry.expirationTimeMs),
    last_updated_time: rfc3339(entry.lastUpdatedTimeMs),
    metadata: entry.metadata,
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    token_bound_cidrs: entry.tokenBoundCidrs,
  }
}

/** Drop expired secret IDs and accessors whose secret ID is gone; returns how many secret IDs were removed. */
export async function tidySecretIds(storage: Storage, state: ApproleState, nowMs: number): Promise<number> {
  let removed = 0
  for (const dir of await storage.list(SECRET_ID)) {
    for (const hash of await storage.list(SECRET_ID + dir)) {
      const key = SECRET_ID + dir + hash
      await state.locks.run(key, async () => {
        const entry = await loadSecretId(storage, key)
        if (entry && isExpired(entry, nowMs)) {
          await storage.batch(deleteSecretIdOps(state, key, entry))
          removed++
        }
      })
    }
  }
  for (const name of await storage.list(ACCESSOR)) {
    const found = await getJson<AccessorEntry>(storage, ACCESSOR + name)
    if (found && !(await storage.get(`${SECRET_ID}${found.roleHash}/${found.secretHash}`)))
      await storage.delete(ACCESSOR + name)
  }
  return removed
}
