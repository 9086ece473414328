// Walking every secret a KV mount stores: v1 entries by storage key, v2 secrets with their metadata.
import { listRecursive, type Storage } from '../../../sdk/storage.ts'
import { type KeyMetadata, readMetadata } from './key-metadata.ts'
import { METADATA_PREFIX, V1_ENTRY_PREFIX } from './storage-keys.ts'

/** Each v1 entry: its storage key and its path within the mount. */
export async function* v1Entries(storage: Storage): AsyncGenerator<{ key: string; path: string }> {
  for (const key of await listRecursive(storage, V1_ENTRY_PREFIX))
    yield { key, path: key.slice(V1_ENTRY_PREFIX.length) }
}

/** Each v2 secret that still has metadata: its path within the mount and that metadata. */
export async function* v2Secrets(storage: Storage): AsyncGenerator<{ path: string; meta: KeyMetadata }> {
  for (const key of await listRecursive(storage, METADATA_PREFIX)) {
    const path = key.slice(METADATA_PREFIX.length)
    const meta = await readMetadata(storage, path)
    if (meta) yield { path, meta }
  }
}
