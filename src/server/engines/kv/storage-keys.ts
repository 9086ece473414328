// Every storage key the KV engine reads or writes, relative to the mount's storage view.
import { sha256Hex } from '../../../lib/hash.ts'

/** KV v1 entries live under their own prefix so a v2 layout never collides with user paths. */
export const V1_ENTRY_PREFIX = 'kv/'

export function v1EntryKey(path: string): string {
  return V1_ENTRY_PREFIX + path
}

/** KV v2 mount-wide settings (max_versions, cas_required, delete_version_after). */
export const CONFIG_KEY = 'config'

/** KV v2 key metadata keeps the secret's path so `LIST metadata/` can walk the tree. */
export const METADATA_PREFIX = 'metadata/'

export function metadataKey(path: string): string {
  return METADATA_PREFIX + path
}

/** The folder to list for a LIST request on `path` ('' or ending with '/'). */
export function listPrefix(prefix: string, path: string): string {
  return path === '' || path.endsWith('/') ? prefix + path : `${prefix}${path}/`
}

/**
 * One entry per version, as Vault stores them; the path is hashed so version keys stay short and
 * a path that looks like a version number can never alias another path's version.
 */
export function versionKey(path: string, version: number): string {
  return `versions/${pathHash(path)}/${version}`
}

/**
 * versionKey for a new version being written: the path is hashed without entering the memo below. A write usually
 * names a path not read lately (a new secret), and looking it up and inserting it cost more than the hash itself;
 * the reads that follow a write remember the path.
 */
export function newVersionKey(path: string, version: number): string {
  return `versions/${sha256Hex(path)}/${version}`
}

/** Hot paths are hashed on every read; remember recent ones. */
const hashes = new Map<string, string>()

function pathHash(path: string): string {
  let hash = hashes.get(path)
  if (hash === undefined) {
    hash = sha256Hex(path)
    if (hashes.size >= 4096) hashes.clear()
    hashes.set(path, hash)
  }
  return hash
}

/** KV v2 rotation configurations and their progress, one per secret path (see rotation-record.ts). */
export const ROTATION_PREFIX = 'rotation/'

export function rotationKey(path: string): string {
  return ROTATION_PREFIX + path
}
