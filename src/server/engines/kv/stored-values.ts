// The KV engine's stored values for the server's leak fingerprint index: v1 entries, v2 versions still readable.
import type { StoredValue } from '../../../sdk/framework/backend.ts'
import type { SystemView } from '../../../sdk/request.ts'
import { getJson, type Storage } from '../../../sdk/storage.ts'
import { isDeleted, readVersionData } from './key-metadata.ts'
import { v1Entries, v2Secrets } from './stored-secrets.ts'

/**
 * Top-level string fields only: a number or a nested object is not what a leaked credential looks like
 * as text, and stringifying it would make short, common strings ("3600") match.
 */
function* stringFields(
  data: Readonly<Record<string, unknown>>,
  path: string,
  version?: number,
): Generator<StoredValue> {
  for (const [field, value] of Object.entries(data))
    if (typeof value === 'string' && value !== '')
      yield { path, field, value, ...(version !== undefined ? { version } : {}) }
}

/**
 * v1: every entry as `<mount><key>`. v2: every version that is neither destroyed nor deleted (the current
 * one and the older ones still kept under max_versions), as `<mount>data/<key>` — the path clients read.
 */
export async function* kvStoredValues(
  ctx: { storage: Storage; system: SystemView },
  version: 1 | 2,
): AsyncGenerator<StoredValue> {
  const { storage, system } = ctx
  const mount = system.mount.path
  if (version === 1) {
    for await (const { key, path } of v1Entries(storage)) {
      const data = await getJson<Record<string, unknown>>(storage, key)
      if (data) yield* stringFields(data, mount + path)
    }
    return
  }
  const now = system.now()
  for await (const { path, meta } of v2Secrets(storage)) {
    for (const [number, vm] of Object.entries(meta.versions)) {
      if (vm.destroyed || isDeleted(vm, now)) continue
      const data = await readVersionData(storage, path, Number(number))
      if (data) yield* stringFields(data, `${mount}data/${path}`, Number(number))
    }
  }
}
