// The storage under a backend test: the production stack (a barrier over SQLite in a temp dir) or memory.
// Kept out of src/sdk because the sdk layer may not import barrier or physical code (src/architecture.test.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BackendDefinition } from '../../src/sdk/framework/backend.ts'
import {
  type BackendHarness,
  buildBackend,
  type HarnessOptions,
} from '../../src/sdk/framework/backend-harness.ts'
import { type Storage, storageView } from '../../src/sdk/storage.ts'
import { Barrier } from '../../src/server/barrier/barrier.ts'
import { MemoryStorage } from '../../src/server/physical/memory.ts'
import { SqliteStorage } from '../../src/server/physical/sqlite.ts'

const UUID = '00000000-0000-4000-8000-000000000001'

/**
 * A mount's view of the barrier over SQLite in a fresh temp dir. Races show only here, since SQLite commits writes
 * on a writer thread (every write is a real await) where memory storage does not.
 */
export async function sqliteStorage(
  prefix = `logical/${UUID}/`,
): Promise<{ storage: Storage; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-backend-'))
  const physical = SqliteStorage.open(join(dir, 'coffer.db'))
  const barrier = new Barrier(physical)
  const key = new Uint8Array(32).fill(7)
  await barrier.initialize(key)
  await barrier.unseal(key)
  return {
    storage: storageView(barrier, prefix),
    close: async () => {
      await physical.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface BackendTestOptions extends Omit<HarnessOptions, 'storage'> {
  /** 'sqlite' (the default): a fresh barrier over SQLite; 'memory'; or a Storage the caller owns. */
  storage?: 'sqlite' | 'memory' | Storage
}

/** A backend harness (see buildBackend) whose close() also closes and removes the storage it made. */
export async function makeBackend<S>(
  definition: BackendDefinition<S>,
  options: BackendTestOptions = {},
): Promise<BackendHarness> {
  const choice = options.storage ?? 'sqlite'
  const uuid = options.mount?.uuid ?? UUID
  const owned =
    choice === 'sqlite'
      ? await sqliteStorage(`${definition.kind === 'auth' ? 'auth' : 'logical'}/${uuid}/`)
      : choice === 'memory'
        ? { storage: new MemoryStorage(), close: async () => {} }
        : { storage: choice, close: async () => {} }
  const harness = await buildBackend(definition, { ...options, storage: owned.storage })
  return {
    ...harness,
    close: async () => {
      await harness.close()
      await owned.close()
    },
  }
}
