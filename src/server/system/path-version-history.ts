// sys/version-history: the server versions this storage has run, oldest first, with when each was first unsealed.
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'
import { readVersionHistory } from '../core/version-history.ts'

/** The services this file uses. */
export type VersionHistoryServices = Pick<SystemServices, 'barrier'>

export function versionHistoryPaths(services: VersionHistoryServices) {
  const list = async () => {
    const history = await readVersionHistory(services.barrier)
    if (history.length === 0) return undefined
    return {
      data: {
        keys: history.map((entry) => entry.version),
        key_info: Object.fromEntries(
          history.map((entry) => [
            entry.version,
            {
              previous_version: entry.previousVersion,
              timestamp_installed: entry.timestampInstalled,
              // Coffer records no build date; Vault's field is kept so clients reading it find a string.
              build_date: '',
            },
          ]),
        ),
      },
    }
  }
  return [
    definePath({
      pattern: 'version-history/',
      listKeys: 'names',
      help: 'The versions this storage has been unsealed by, oldest first.',
      operations: { list },
    }),
  ]
}
