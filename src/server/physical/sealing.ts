// Physical-private: a backend that seals barrier values on its own writer thread. Only the barrier consumes it.
import type { Storage, StorageOp } from '../../sdk/storage.ts'

/** The barrier's active keyring term and its key. */
export interface SealKey {
  term: number
  key: Uint8Array
}

/**
 * A physical backend that seals values itself, on the thread that writes them (SQLite's writer thread), so the
 * request thread skips the AES-GCM work. A speed capability, not part of the plugin contract: engines never
 * see it (src/architecture.test.ts keeps it to barrier/ and physical/).
 */
export interface SealingStorage extends Storage {
  /**
   * Seal values of later `sealAndBatch` calls with this key (the backend keeps a copy); undefined forgets it.
   * Batches queued before the call keep the key they were queued under.
   */
  setSealKey(key: SealKey | undefined): void
  /**
   * Like batch, but each put's value is plaintext that the backend seals in the barrier's format, with the
   * storage key as additional data, before storing it. Rejects when no key is set.
   */
  sealAndBatch(ops: StorageOp[]): Promise<void>
}

export function canSeal(storage: Storage): storage is SealingStorage {
  const candidate = storage as Partial<SealingStorage>
  return typeof candidate.sealAndBatch === 'function' && typeof candidate.setSealKey === 'function'
}
