// KV v2 destroy/*path: permanently remove the data of chosen versions; their metadata stays, marked destroyed.

import type { KeyLocks } from '../../../lib/key-locks.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { deleteVersionOp, loadMetadata, putMetadataOp } from './key-metadata.ts'
import { kvV2Event } from './kv-events.ts'
import { intListField } from './kv-fields.ts'

const fields = {
  path: f.string({ description: 'Location of the secret.' }),
  versions: intListField({ description: 'The versions to destroy; their data is deleted for good.' }),
}

export const destroyPath = definePath<typeof fields, KeyLocks>({
  pattern: 'destroy/*path',
  fields,
  help: 'Permanently delete the data of versions of a secret.',
  operations: {
    update: ({ storage, state, params, input }) => {
      const versions = input.versions ?? []
      if (versions.length === 0) throw new InvalidRequestError('no version number provided')
      const path = params['path'] ?? ''
      return state.run(path, async () => {
        const meta = await loadMetadata(storage, path)
        if (!meta) return undefined
        const known = versions.filter((n) => meta.versions[String(n)] !== undefined)
        for (const n of known) meta.versions[String(n)]!.destroyed = true
        // Metadata and the data deletions in one batch: never "destroyed" with the data still present.
        await storage.batch([putMetadataOp(path, meta), ...known.map((n) => deleteVersionOp(path, n))])
        return { events: [kvV2Event('destroy', path, meta, { destroyed_versions: known.join(',') })] }
      })
    },
  },
})
