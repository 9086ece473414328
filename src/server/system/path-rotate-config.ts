// sys/rotate/config: when the barrier keyring rotates on its own (after max_operations encryptions, or every interval).
import { formatDuration } from '../../lib/duration.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { RotationConfig } from '../core/keyring-rotation.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type RotateConfigServices = Pick<SystemServices, 'keyRotation'>

/** Sudo, like sys/rotate itself: the settings decide how long one key protects everything written. */
export const ROTATE_CONFIG_ROOT_PATHS = ['rotate/config']

export function rotateConfigPaths(services: RotateConfigServices) {
  return [
    definePath({
      pattern: 'rotate/config',
      fields: {
        enabled: f.bool({ description: 'false stops automatic rotations; encryptions are still counted.' }),
        max_operations: f.int({
          description: 'Encryptions under one key after which it is rotated (1000000 to 3865470566).',
        }),
        interval: f.duration({
          description: 'Age of the active key at which it is rotated: 0 (off) or at least 24h.',
        }),
      },
      help: 'Automatic rotation of the barrier keyring: by number of encryptions and by age.',
      operations: {
        read: async () => {
          const config = services.keyRotation.config
          return {
            data: {
              max_operations: config.maxOperations,
              enabled: config.enabled,
              // As Vault: a Go duration string when set, the number 0 when not.
              interval: config.intervalSeconds > 0 ? formatDuration(config.intervalSeconds) : 0,
            },
          }
        },
        update: async ({ input }) => {
          const changes: { -readonly [K in keyof RotationConfig]?: RotationConfig[K] } = {}
          if (input.enabled !== undefined) changes.enabled = input.enabled
          if (input.max_operations !== undefined) changes.maxOperations = input.max_operations
          if (input.interval !== undefined) changes.intervalSeconds = input.interval
          await services.keyRotation.update(changes)
          return undefined
        },
      },
    }),
  ]
}
