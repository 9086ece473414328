// KV v2 config: mount-wide max_versions, cas_required and delete_version_after.
import { formatDuration } from '../../../lib/duration.ts'
import type { KeyLocks } from '../../../lib/key-locks.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { putJson } from '../../../sdk/storage.ts'
import { DELETE_VERSION_AFTER_DISABLED, loadConfig } from './kv-config.ts'
import { kvConfigEvent } from './kv-events.ts'
import { requireNonNegative, signedDurationField } from './kv-fields.ts'
import { CONFIG_KEY } from './storage-keys.ts'

const fields = {
  max_versions: f.int({ description: 'Versions to keep per key; 0 means 10.' }),
  cas_required: f.bool({ description: 'Require the cas option on every data write.' }),
  delete_version_after: signedDurationField({
    description:
      'Soft-delete versions this long after writing; 0 clears it, a negative value disables it for every key.',
  }),
}

function formatSigned(seconds: number): string {
  return seconds < 0 ? `-${formatDuration(-seconds)}` : formatDuration(seconds)
}

// No existence check, as in Vault: a config write is always an "update" for the ACL.
export const configPath = definePath<typeof fields, KeyLocks>({
  pattern: 'config',
  fields,
  help: 'Settings applied to every key of this KV v2 mount.',
  operations: {
    read: async ({ storage }) => {
      const config = await loadConfig(storage)
      return {
        data: {
          cas_required: config.casRequired,
          delete_version_after: formatSigned(config.deleteVersionAfter),
          max_versions: config.maxVersions,
        },
      }
    },

    update: ({ storage, state, input }) => {
      const maxVersions = requireNonNegative(input.max_versions, 'max_versions')
      const dva = input.delete_version_after
      if (maxVersions === undefined && input.cas_required === undefined && dva === undefined) return undefined
      return state.run(CONFIG_KEY, async () => {
        const config = await loadConfig(storage)
        if (maxVersions !== undefined) config.maxVersions = maxVersions
        if (input.cas_required !== undefined) config.casRequired = input.cas_required
        // Any negative duration means "disabled" and is kept as Vault's -1s.
        if (dva !== undefined) config.deleteVersionAfter = dva < 0 ? DELETE_VERSION_AFTER_DISABLED : dva
        await putJson(storage, CONFIG_KEY, config)
        return { events: [kvConfigEvent()] }
      })
    },
  },
})
