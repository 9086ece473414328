// sys/key-status, sys/rotate, sys/rotate/root and sys/seal: the barrier keyring and sealing from an authenticated request.
import { rfc3339 } from '../../lib/time.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type KeyPathServices = Pick<SystemServices, 'barrier' | 'logger' | 'sealVault' | 'keyRotation'>

function keyStatus(services: KeyPathServices) {
  const status = services.barrier.keyStatus()
  return {
    data: {
      term: status.term,
      install_time: rfc3339(status.installTime),
      // As Vault: every encryption under the active term, earlier runs of the server included.
      encryptions: services.keyRotation.encryptions(),
    },
  }
}

export function keyPaths(services: KeyPathServices) {
  return [
    definePath({ pattern: 'key-status', operations: { read: () => keyStatus(services) } }),
    definePath({
      pattern: 'rotate',
      operations: {
        update: async () => {
          await services.barrier.rotate()
          services.logger.log('info', 'barrier keyring rotated', { term: services.barrier.keyStatus().term })
          return undefined
        },
      },
    }),
    definePath({
      // A new root key; the keyring is re-encrypted under it and the root key re-wrapped by the same unseal key.
      pattern: 'rotate/root',
      operations: {
        update: async () => {
          await services.barrier.rotateRootKey()
          services.logger.log('info', 'root key rotated')
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'seal',
      operations: {
        update: async () => {
          await services.sealVault()
          services.logger.log('info', 'sealed by API request')
          return undefined
        },
      },
    }),
  ]
}
