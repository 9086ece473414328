// sys/key-status, sys/rotate, sys/rotate/root and sys/seal: the barrier keyring and sealing from an authenticated request.
import { rfc3339 } from '../../lib/time.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { Core } from '../core/core.ts'

function keyStatus(core: Core) {
  const status = core.barrier.keyStatus()
  return {
    data: { term: status.term, install_time: rfc3339(status.installTime), encryptions: status.encryptions },
  }
}

export function keyPaths(core: Core) {
  return [
    definePath({ pattern: 'key-status', operations: { read: () => keyStatus(core) } }),
    definePath({
      pattern: 'rotate',
      operations: {
        update: async () => {
          await core.barrier.rotate()
          core.logger.log('info', 'barrier keyring rotated', { term: core.barrier.keyStatus().term })
          return undefined
        },
      },
    }),
    definePath({
      // A new root key; the keyring is re-encrypted under it and the root key re-wrapped by the same unseal key.
      pattern: 'rotate/root',
      operations: {
        update: async () => {
          await core.barrier.rotateRootKey()
          core.logger.log('info', 'root key rotated')
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'seal',
      operations: {
        update: async () => {
          await core.sealVault()
          core.logger.log('info', 'sealed by API request')
          return undefined
        },
      },
    }),
  ]
}
