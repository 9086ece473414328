// KV v2 delete/*path and undelete/*path: soft-delete chosen versions, or make them readable again.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { KeyLocks } from './key-lock.ts'
import { isDeleted, loadMetadata, putMetadataOp } from './key-metadata.ts'
import { loadConfig, scheduledDeletion } from './kv-config.ts'
import { intListField } from './kv-fields.ts'

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
    update: ({ storage, system, state, params, input }) => {
      const versions = input.versions ?? []
      if (versions.length === 0) throw new InvalidRequestError('No version number provided')
      const path = params['path'] ?? ''
      return state.run(path, async () => {
        const meta = await loadMetadata(storage, path)
        if (!meta) return undefined
        const now = system.now()
        for (const n of versions) {
          const vm = meta.versions[String(n)]
          // Already deleted versions keep their original deletion time.
          if (!vm || vm.destroyed || isDeleted(vm, now)) continue
          vm.deletionTime = now
        }
        await storage.batch([putMetadataOp(path, meta)])
        return undefined
      })
    },
  },
})

export const undeletePath = definePath<typeof undeleteFields, KeyLocks>({
  pattern: 'undelete/*path',
  fields: undeleteFields,
  help: 'Restore soft-deleted versions of a secret; destroyed versions cannot be restored.',
  operations: {
    update: ({ storage, system, state, params, input }) => {
      const versions = input.versions ?? []
      if (versions.length === 0) throw new InvalidRequestError('No version number provided')
      const path = params['path'] ?? ''
      return state.run(path, async () => {
        const meta = await loadMetadata(storage, path)
        if (!meta) return undefined
        const config = await loadConfig(storage)
        const now = system.now()
        for (const n of versions) {
          const vm = meta.versions[String(n)]
          if (!vm || vm.destroyed) continue
          // As in Vault, an undeleted version gets a fresh delete_version_after deadline counted from now.
          vm.deletionTime = scheduledDeletion(now, config, meta.deleteVersionAfter)
        }
        await storage.batch([putMetadataOp(path, meta)])
        return undefined
      })
    },
  },
})
