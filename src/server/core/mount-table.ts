// Mount entries for secrets engines and auth methods, persisted through the barrier at core/mounts and core/auth.
import type { UserLockoutConfig } from '../../sdk/request.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'

export type MountTableKind = 'secret' | 'auth'

export interface MountConfig {
  defaultLeaseTtl: number
  maxLeaseTtl: number
  forceNoCache: boolean
  listingVisibility: string
  auditNonHmacRequestKeys: string[]
  auditNonHmacResponseKeys: string[]
  passthroughRequestHeaders: string[]
  allowedResponseHeaders: string[]
  tokenType?: string
  /** Only the settings tuned on this mount; the rest fall back to Vault's defaults. */
  userLockout?: Partial<UserLockoutConfig>
}

export interface MountEntry {
  table: MountTableKind
  /** Full path with trailing slash: "secret/", "auth/userpass/". */
  path: string
  type: string
  description: string
  uuid: string
  accessor: string
  local: boolean
  sealWrap: boolean
  config: MountConfig
  options: Record<string, string>
  /** Built-in mounts (sys/, auth/token/, cubbyhole/) cannot be disabled or moved. */
  builtin?: boolean
}

const TABLE_KEYS: Record<MountTableKind, string> = { secret: 'core/mounts', auth: 'core/auth' }

export function defaultMountConfig(): MountConfig {
  return {
    defaultLeaseTtl: 0,
    maxLeaseTtl: 0,
    forceNoCache: false,
    listingVisibility: '',
    auditNonHmacRequestKeys: [],
    auditNonHmacResponseKeys: [],
    passthroughRequestHeaders: [],
    allowedResponseHeaders: [],
  }
}

export async function loadMountTable(
  storage: Storage,
  kind: MountTableKind,
): Promise<MountEntry[] | undefined> {
  return getJson<MountEntry[]>(storage, TABLE_KEYS[kind])
}

export async function saveMountTable(
  storage: Storage,
  kind: MountTableKind,
  entries: MountEntry[],
): Promise<void> {
  await putJson(
    storage,
    TABLE_KEYS[kind],
    entries.filter((entry) => entry.table === kind),
  )
}

/** Storage prefix of a mount's private view. */
export function mountStoragePrefix(entry: MountEntry): string {
  return entry.table === 'auth' ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`
}
