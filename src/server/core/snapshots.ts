// Snapshot save and the checks before a restore: what core needs from the snapshot format and the barrier.
import { InvalidRequestError } from '../../sdk/errors.ts'
import type { Barrier } from '../barrier/barrier.ts'
import { KEYRING_PATH, ROOT_KEY_PATH } from '../barrier/barrier.ts'
import type { PhysicalStorage, StoredEntry } from '../physical/physical.ts'
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError } from '../physical/snapshot-format.ts'

export interface SnapshotSummary {
  entryCount: number
  storageType: string
  createdAt: string
}

/** A restore whose storage is replaced; the unseal key held for unsealing again (wiped after). */
export interface PendingReload {
  unsealKey: Uint8Array
  force: boolean
}

export function takeSnapshot(physical: PhysicalStorage, storageType: string, now: Date): Promise<Buffer> {
  return encodeSnapshot({ storageType, createdAt: now }, physical.entries())
}

/**
 * Decode and check a snapshot for restore: a damaged file, one without an initialised barrier, or (when `barrier`
 * is given, i.e. not forced) one the running server's key shares would not unseal, is a 400.
 */
export function readSnapshotForRestore(
  bytes: Uint8Array,
  barrier: Barrier | undefined,
): { entries: StoredEntry[]; summary: SnapshotSummary } {
  let decoded: ReturnType<typeof decodeSnapshot>
  try {
    decoded = decodeSnapshot(bytes)
  } catch (error) {
    if (error instanceof SnapshotFormatError)
      throw new InvalidRequestError(`invalid snapshot: ${error.message}`)
    throw error
  }
  const { header, entries } = decoded
  const rootKey = entries.find((entry) => entry.key === ROOT_KEY_PATH)?.value
  const keyring = entries.find((entry) => entry.key === KEYRING_PATH)?.value
  if (rootKey === undefined || keyring === undefined)
    throw new InvalidRequestError('invalid snapshot: it holds no initialised barrier (root key and keyring)')
  if (barrier !== undefined && !barrier.opensSnapshot(rootKey, keyring))
    throw new InvalidRequestError(
      "the snapshot's keyring cannot be opened with this server's keys; restore it with snapshot-force and then unseal with the snapshot's key shares",
    )
  return {
    entries,
    summary: { entryCount: header.entryCount, storageType: header.storageType, createdAt: header.createdAt },
  }
}
