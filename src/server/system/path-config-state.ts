// sys/config/state/sanitized: the server's configuration with secrets left out (sudo, as in Vault).
import { NotFoundError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type ConfigStateServices = Pick<SystemServices, 'sanitizedConfig'>

export const CONFIG_STATE_ROOT_PATHS = ['config/state/sanitized']

export function configStatePaths(services: ConfigStateServices) {
  return [
    definePath({
      pattern: 'config/state/sanitized',
      help: 'The configuration this server runs with: listeners, storage, seal, TTLs; never passwords or keys.',
      operations: {
        read: async () => {
          if (!services.sanitizedConfig)
            throw new NotFoundError('this server was started without a configuration')
          return { data: services.sanitizedConfig() }
        },
      },
    }),
  ]
}
