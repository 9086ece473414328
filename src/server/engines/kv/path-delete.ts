// KV v2 delete/*path and undelete/*path: soft-delete chosen versions, or make them readable again.

import type { KeyLocks } from '../../../lib/key-locks.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import {
  isDeleted,
  type KeyMetadata,
  loadMetadata,
  putMetadataOp,
  type VersionMetadata,
} from './key-metadata.ts'
import { type KvConfig, loadConfig, scheduledDeletion } from './kv-config.ts'
import { kvV2Event } from './kv-events.ts'
import { intListField } from './kv-fields.ts'

/** Apply `change` to each requested existing version under the key's lock, then store the metadata once. */
function updateVersions(
  ctx: HandlerContext<typeof deleteFields, KeyLocks>,
  operation: 'delete' | 'undelete',
  change: (vm: VersionMetadata, now: number, meta: KeyMetadata) => Promise<void>,
) {
  const versions = ctx.input.versions ?? []
  if (versions.length === 0) throw new InvalidRequestError('No version number provided')
  const path = ctx.params['path'] ?? ''
  return ctx.state.run(path, async () => {
    const meta = await loadMetadata(ctx.storage, path)
    if (!meta) return undefined
    const now = ctx.system.now()
    const touched: number[] = []
    for (const n of versions) {
      const vm = meta.versions[String(n)]
      if (vm) {
        await change(vm, now, meta)
        touched.push(n)
      }
    }
    await ctx.storage.batch([putMetadataOp(path, meta)])
    const key = operation === 'delete' ? 'deleted_versions' : 'undeleted_versions'
    return { events: [kvV2Event(operation, path, meta, { [key]: touched.join(',') })] }
  })
}

const deleteFields = {
  path: f.string({ description: 'Location of the secret.' }),
  versions: intListField({ description: 'The versions to soft-delete; their data stays until destroyed.' }),
}

const undeleteFields = {
  path: f.string({ description: 'Location of the secret.' }),
  versions: intListField({ description: 'The versions to make readable again.' }),
}

export const deletePath = definePath<typeof deleteFields, KeyLocks>({
  pattern: 'delete/*path',
  fields: deleteFields,
  help: 'Soft-delete versions of a secret (reversible with undelete/).',
  operations: {
    update: (ctx) =>
      updateVersions(ctx, 'delete', async (vm, now) => {
        // Already deleted versions keep their original deletion time.
        if (!vm.destroyed && !isDeleted(vm, now)) vm.deletionTime = now
      }),
  },
})

export const undeletePath = definePath<typeof undeleteFields, KeyLocks>({
  pattern: 'undelete/*path',
  fields: undeleteFields,
  help: 'Restore soft-deleted versions of a secret; destroyed versions cannot be restored.',
  operations: {
    update: (ctx) => {
      let config: KvConfig | undefined
      return updateVersions(ctx, 'undelete', async (vm, now, meta) => {
        if (vm.destroyed) return
        config ??= await loadConfig(ctx.storage)
        // As in Vault, an undeleted version gets a fresh delete_version_after deadline counted from now.
        vm.deletionTime = scheduledDeletion(now, config, meta.deleteVersionAfter)
      })
    },
  },
})
