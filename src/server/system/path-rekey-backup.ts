// sys/rekey/backup: the PGP-encrypted shares a rekey with `backup: true` kept, readable and deletable with sudo.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type RekeyBackupServices = Pick<SystemServices, 'rekey'>

/** Need sudo, as in Vault's PathsSpecial.Root. */
export const REKEY_ROOT_PATHS = ['rekey/backup', 'rekey/recovery-key-backup', 'rotate/root']

/** Vault answers a read with nothing backed up by a 400 with this text, not a 404 (hvac raises InvalidRequest). */
const NO_BACKUP = 'no backed-up keys found'

async function readBackup(services: RekeyBackupServices) {
  const backup = await services.rekey.readBackup()
  if (!backup) throw new InvalidRequestError(NO_BACKUP)
  const keysBase64: Record<string, string[]> = {}
  for (const [fingerprint, shares] of Object.entries(backup.keys))
    keysBase64[fingerprint] = shares.map((share) => Buffer.from(share, 'hex').toString('base64'))
  return { data: { nonce: backup.nonce, keys: backup.keys, keys_base64: keysBase64 } }
}

export function rekeyBackupPaths(services: RekeyBackupServices) {
  return [
    definePath({
      pattern: 'rekey/backup',
      operations: {
        read: () => readBackup(services),
        delete: async () => {
          await services.rekey.deleteBackup()
          return undefined
        },
      },
    }),
    // A Shamir seal has no recovery keys, so there is never a recovery-key backup (Vault answers the same way).
    definePath({
      pattern: 'rekey/recovery-key-backup',
      operations: {
        read: () => {
          throw new InvalidRequestError(NO_BACKUP)
        },
        delete: () => undefined,
      },
    }),
  ]
}
