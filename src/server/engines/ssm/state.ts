// The mount's in-memory state: one lock per parameter name, so racing writes never lose a version or a label.
import { KeyLocks } from '../../../lib/key-locks.ts'

export class SsmState {
  readonly locks = new KeyLocks()
}
