// The auth methods' test harness: the shared backend harness at auth/<type>/ over memory or real SQLite storage.
import { sqliteStorage as sharedSqliteStorage } from '../../../../test/helpers/backend.ts'
import type { BackendDefinition } from '../../../sdk/framework/backend.ts'
import { type BackendHarness, buildBackend, HARNESS_START } from '../../../sdk/framework/backend-harness.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'

export { failure, storedText } from '../../../sdk/framework/backend-harness.ts'

export type AuthHarness = BackendHarness

const UUID = '00000000-0000-4000-8000-00000000000a'

export function makeAuth<S>(
  definition: BackendDefinition<S>,
  type: string,
  storage: Storage = new MemoryStorage(),
  clock = { now: HARNESS_START },
): Promise<AuthHarness> {
  return buildBackend(definition, { storage, clock, mount: { type, uuid: UUID, accessor: `auth_${type}_1` } })
}

/** The production storage stack for the mount makeAuth builds: the barrier over SQLite in a fresh temp dir. */
export function sqliteStorage(): Promise<{ storage: Storage; close(): Promise<void> }> {
  return sharedSqliteStorage(`auth/${UUID}/`)
}
