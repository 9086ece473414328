// The change events KV reports, with Vault's event types and metadata (kv-v1/*, kv-v2/*); never a secret value.
import type { BackendEvent } from '../../../sdk/events.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import type { KeyMetadata } from './key-metadata.ts'

export type KvV2Operation =
  | 'data-write'
  | 'data-patch'
  | 'data-delete'
  | 'delete'
  | 'undelete'
  | 'destroy'
  | 'metadata-write'
  | 'metadata-patch'
  | 'metadata-delete'

/** The request path of each KV v2 operation, relative to the mount; `data_path` is always data/<key>. */
const REQUEST_PREFIX: Record<KvV2Operation, string> = {
  'data-write': 'data/',
  'data-patch': 'data/',
  'data-delete': 'data/',
  delete: 'delete/',
  undelete: 'undelete/',
  destroy: 'destroy/',
  'metadata-write': 'metadata/',
  'metadata-patch': 'metadata/',
  'metadata-delete': 'metadata/',
}

/**
 * A KV v2 event for `key`. A version change carries Vault's current_version and oldest_version; `extra` adds
 * the versions a delete, undelete or destroy touched.
 */
export function kvV2Event(
  operation: KvV2Operation,
  key: string,
  meta?: Pick<KeyMetadata, 'currentVersion' | 'oldestVersion'>,
  extra: Record<string, string> = {},
): BackendEvent {
  const versions: Record<string, string> =
    meta && (operation === 'data-write' || operation === 'data-patch')
      ? { current_version: String(meta.currentVersion), oldest_version: String(meta.oldestVersion) }
      : {}
  return {
    type: `kv-v2/${operation}`,
    path: REQUEST_PREFIX[operation] + key,
    dataPath: `data/${key}`,
    metadata: { operation, modified: 'true', ...versions, ...extra },
  }
}

/** kv-v2/config-write: the mount's settings (max_versions, cas_required, delete_version_after) changed. */
export function kvConfigEvent(): BackendEvent {
  return {
    type: 'kv-v2/config-write',
    path: 'config',
    metadata: { operation: 'config-write', modified: 'true' },
  }
}

/** kv-v1/write and kv-v1/delete: the request path is the data path. */
export function kvV1Event(operation: 'write' | 'delete', key: string): BackendEvent {
  return { type: `kv-v1/${operation}`, path: key, metadata: { operation, modified: 'true' } }
}

/** `response` (possibly none, a 204) with `event` added. */
export function withEvent(response: LogicalResponse | undefined, event: BackendEvent): LogicalResponse {
  return { ...response, events: [...(response?.events ?? []), event] }
}
