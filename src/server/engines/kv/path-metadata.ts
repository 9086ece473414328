// KV v2 metadata/*path: per-key settings and custom_metadata, the version map, delete-all and LIST.
import { formatDuration } from '../../../lib/duration.ts'
import type { KeyLocks } from '../../../lib/key-locks.ts'
import { rfc3339 } from '../../../lib/time.ts'
import { NotFoundError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f, parseBool, parseDurationField, parseInt64 } from '../../../sdk/framework/fields.ts'
import { requireMergePatch } from '../../../sdk/patch-content-type.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata.ts'
import {
  customMetadataView,
  deleteVersionOp,
  deletionTimeText,
  type KeyMetadata,
  loadMetadata,
  metadataExists,
  newMetadata,
  putMetadataOp,
} from './key-metadata.ts'
import { type KvConfig, loadConfig } from './kv-config.ts'
import { kvV2Event, withEvent } from './kv-events.ts'
import { checkWritePath, requireNonNegative } from './kv-fields.ts'
import { rotationLockKey } from './kv-state.ts'
import { mergePatch } from './merge-patch.ts'
import { listPrefix, METADATA_PREFIX, metadataKey, rotationKey } from './storage-keys.ts'

const fields = {
  path: f.string({ description: 'Location of the secret.' }),
  max_versions: f.int({ description: "Versions to keep for this key; 0 uses the mount's setting." }),
  cas_required: f.bool({ description: 'Require the cas option on every write to this key.' }),
  delete_version_after: f.duration({
    description: 'Soft-delete each new version this long after it is written.',
  }),
  custom_metadata: f.any({ description: 'Up to 64 string pairs describing the secret (not versioned).' }),
}

const CAS_IGNORED_WARNING =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.'

function casWarning(casRequired: boolean | undefined, config: KvConfig): string[] {
  return casRequired === false && config.casRequired ? [CAS_IGNORED_WARNING] : []
}

function withWarnings(warnings: string[]): LogicalResponse | undefined {
  return warnings.length > 0 ? { warnings } : undefined
}

/** Vault's metadata read, keys in Go's sorted order. */
function metadataResponse(meta: KeyMetadata): Record<string, unknown> {
  const versions: Record<string, unknown> = {}
  for (const [n, vm] of Object.entries(meta.versions)) {
    versions[n] = {
      created_time: rfc3339(vm.createdTime),
      deletion_time: deletionTimeText(vm),
      destroyed: vm.destroyed,
    }
  }
  return {
    cas_required: meta.casRequired,
    created_time: rfc3339(meta.createdTime),
    current_version: meta.currentVersion,
    custom_metadata: customMetadataView(meta),
    delete_version_after: formatDuration(meta.deleteVersionAfter),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: rfc3339(meta.updatedTime),
    versions,
  }
}

export const metadataPath = definePath<typeof fields, KeyLocks>({
  pattern: 'metadata/*path',
  listKeys: 'paths',
  fields,
  help: "Read and change a secret's settings and custom_metadata, list secrets, or delete a secret and all its versions.",
  exists: ({ storage, params }) => metadataExists(storage, params['path'] ?? ''),
  operations: {
    read: async ({ storage, params }) => {
      const meta = await loadMetadata(storage, params['path'] ?? '')
      return meta ? { data: metadataResponse(meta) } : undefined
    },

    list: async ({ storage, params }) => {
      const keys = await storage.list(listPrefix(METADATA_PREFIX, params['path'] ?? ''))
      return keys.length > 0 ? { data: { keys } } : undefined
    },

    update: ({ storage, system, state, params, input }) => {
      const path = checkWritePath(params['path'] ?? '')
      const maxVersions = requireNonNegative(input.max_versions, 'max_versions')
      // Vault's fast path: a write that names no setting changes nothing and creates nothing.
      if (
        maxVersions === undefined &&
        input.cas_required === undefined &&
        input.delete_version_after === undefined &&
        input.custom_metadata === undefined
      ) {
        return undefined
      }
      let custom: Record<string, string> | undefined
      if (input.custom_metadata !== undefined) {
        custom = parseCustomMetadata(input.custom_metadata) as Record<string, string>
        validateCustomMetadata(custom)
      }
      return state.run(path, async () => {
        const config = await loadConfig(storage)
        const meta = (await loadMetadata(storage, path)) ?? newMetadata(system.now())
        if (maxVersions !== undefined) meta.maxVersions = maxVersions
        if (input.cas_required !== undefined) meta.casRequired = input.cas_required
        if (input.delete_version_after !== undefined) meta.deleteVersionAfter = input.delete_version_after
        if (custom !== undefined) meta.customMetadata = custom
        await storage.batch([putMetadataOp(path, meta)])
        return withEvent(
          withWarnings(casWarning(input.cas_required, config)),
          kvV2Event('metadata-write', path),
        )
      })
    },

    patch: ({ storage, state, params, request }) => {
      requireMergePatch(request.contentType)
      const path = params['path'] ?? ''
      if (path === '') checkWritePath(path)
      const body = request.data
      // Read the raw body: in a merge patch a null is meaningful (reset the setting), not "absent".
      const has = (name: string) => Object.hasOwn(body, name)
      const maxVersions = has('max_versions')
        ? body['max_versions'] === null
          ? 0
          : requireNonNegative(parseInt64(body['max_versions'], 'max_versions'), 'max_versions')
        : undefined
      const casRequired = has('cas_required')
        ? body['cas_required'] !== null && parseBool(body['cas_required'], 'cas_required')
        : undefined
      const dva = has('delete_version_after')
        ? body['delete_version_after'] === null
          ? 0
          : parseDurationField(body['delete_version_after'], 'delete_version_after')
        : undefined
      const customPatch =
        has('custom_metadata') && body['custom_metadata'] !== null
          ? parseCustomMetadata(body['custom_metadata'], true)
          : undefined
      if (customPatch) validateCustomMetadata(customPatch)
      return state.run(path, async () => {
        const meta = await loadMetadata(storage, path)
        if (!meta) throw new NotFoundError()
        const config = await loadConfig(storage)
        if (maxVersions !== undefined) meta.maxVersions = maxVersions
        if (casRequired !== undefined) meta.casRequired = casRequired
        if (dva !== undefined) meta.deleteVersionAfter = dva
        if (has('custom_metadata')) {
          const merged = customPatch
            ? (mergePatch(meta.customMetadata ?? {}, customPatch) as Record<string, string>)
            : null
          // Unlike Vault, which checks only the patch, the merged map must also fit the limits.
          if (merged) validateCustomMetadata(merged)
          meta.customMetadata = merged
        }
        await storage.batch([putMetadataOp(path, meta)])
        return withEvent(withWarnings(casWarning(casRequired, config)), kvV2Event('metadata-patch', path))
      })
    },

    delete: ({ storage, state, params }) => {
      const path = params['path'] ?? ''
      // The secret's rotation configuration goes with it, under its lock so a rotation ending now cannot put it back.
      return state.run(path, () =>
        state.run(rotationLockKey(path), async () => {
          const meta = await loadMetadata(storage, path)
          if (!meta) return undefined
          await storage.batch([
            ...Object.keys(meta.versions).map((n) => deleteVersionOp(path, Number(n))),
            { op: 'delete', key: metadataKey(path) },
            { op: 'delete', key: rotationKey(path) },
          ])
          return { events: [kvV2Event('metadata-delete', path)] }
        }),
      )
    },
  },
})
