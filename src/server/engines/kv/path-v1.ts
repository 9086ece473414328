// KV v1 *path: arbitrary JSON objects stored as-is, one storage entry per path, no versions.
import { parseDuration } from '../../../lib/duration.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'
import { kvV1Event } from './kv-events.ts'
import { checkWritePath } from './kv-fields.ts'
import { listPrefix, V1_ENTRY_PREFIX, v1EntryKey } from './storage-keys.ts'

export const v1Path = definePath({
  pattern: '*path',
  listKeys: 'paths',
  acceptAnyData: true,
  help: 'Read, write, delete and list secrets stored as JSON objects. A "ttl" key is returned as an advisory lease_duration.',
  exists: async ({ storage, params }) => (await storage.get(v1EntryKey(params['path'] ?? ''))) !== undefined,
  operations: {
    read: async ({ storage, params, system }) => {
      const data = await getJson<Record<string, unknown>>(storage, v1EntryKey(params['path'] ?? ''))
      if (data === undefined) return undefined
      // Vault reports a "ttl" (or "lease") key as an advisory lease_duration, else the mount default; no lease is made.
      // Its core caps that duration at the mount's max_lease_ttl, as it does for every secret.
      const ttl = advisoryTtl(data, system.defaultLeaseTtl)
      return { data, leaseDuration: Math.min(ttl, system.maxLeaseTtl) }
    },

    update: async ({ storage, params, request }) => {
      const path = checkWritePath(params['path'] ?? '')
      if (Object.keys(request.data).length === 0) throw new InvalidRequestError('missing data fields')
      await putJson(storage, v1EntryKey(path), request.data)
      return { events: [kvV1Event('write', path)] }
    },

    delete: async ({ storage, params }) => {
      const path = params['path'] ?? ''
      await storage.delete(v1EntryKey(path))
      return { events: [kvV1Event('delete', path)] }
    },

    list: async ({ storage, params }) => {
      const keys = await storage.list(listPrefix(V1_ENTRY_PREFIX, params['path'] ?? ''))
      return keys.length > 0 ? { data: { keys } } : undefined
    },
  },
})

function advisoryTtl(data: Record<string, unknown>, fallback: number): number {
  const raw = data['ttl'] ?? data['lease']
  if (raw === undefined) return fallback
  try {
    return parseDuration(raw)
  } catch {
    return fallback
  }
}
