// Per-mount state of the cert auth method: write locks per role name.
import { KeyLocks } from '../../../lib/key-locks.ts'

export interface CertState {
  locks: KeyLocks
}

export function setupCert(): CertState {
  return { locks: new KeyLocks() }
}
