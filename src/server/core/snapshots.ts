// Snapshot save and the checks before a restore: what core needs from the snapshot format and the barrier.
import { InvalidRequestError } from '../../sdk/errors.ts'
import type { Barrier } from '../barrier/barrier.ts'
import { KEYRING_PATH, ROOT_KEY_PATH, SEAL_CONFIG_PATH } from '../barrier/barrier.ts'
import type { PhysicalStorage, StoredEntry } from '../physical/physical.ts'
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError } from '../physical/snapshot-format.ts'
import type { SealConfig } from './seal-manager.ts'

export interface SnapshotSummary {
  entryCount: number
  storageType: string
  createdAt: string
}

/** A restore whose storage is replaced; the unseal key held for unsealing again (wiped after). */
export interface PendingReload {
  unsealKey: Uint8Array
  force: boolean
  /** The core's count of seal requests when the restore began: a change means stay sealed. */
  sealRequests: number
}

export function takeSnapshot(physical: PhysicalStorage, storageType: string, now: Date): Promise<Buffer> {
  return encodeSnapshot({ storageType, createdAt: now }, physical.entries())
}

/**
 * Decode and check a snapshot for restore: a damaged file, one without an initialised barrier, or (when `current` is
 * given, i.e. not forced) one the running server's key shares would not unseal, one whose values do not all decrypt,
 * or one whose seal configuration is not the running one, is a 400.
 */
export function readSnapshotForRestore(
  bytes: Uint8Array,
  current: { barrier: Barrier; sealConfig: SealConfig | undefined } | undefined,
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
  const raw = (path: string) => entries.find((entry) => entry.key === path)?.value
  if (raw(ROOT_KEY_PATH) === undefined || raw(KEYRING_PATH) === undefined)
    throw new InvalidRequestError('invalid snapshot: it holds no initialised barrier (root key and keyring)')
  if (current !== undefined) {
    const problem = current.barrier.checkSnapshot(entries)
    if (problem === 'keys')
      throw new InvalidRequestError(
        "the snapshot's keyring cannot be opened with this server's keys; restore it with snapshot-force and then unseal with the snapshot's key shares",
      )
    if (problem === 'entries')
      throw new InvalidRequestError(
        "invalid snapshot: a stored value does not decrypt with the snapshot's keyring; the file was altered after it was taken",
      )
    // Clear in storage, so the checksum is all that protects it: it must be the configuration these key shares have.
    if (!sameSealConfig(raw(SEAL_CONFIG_PATH), current.sealConfig))
      throw new InvalidRequestError(
        "invalid snapshot: its seal configuration is not this server's; the file was altered after it was taken",
      )
  }
  return {
    entries,
    summary: { entryCount: header.entryCount, storageType: header.storageType, createdAt: header.createdAt },
  }
}

function sameSealConfig(stored: Uint8Array | undefined, config: SealConfig | undefined): boolean {
  if (stored === undefined || config === undefined) return false
  try {
    const parsed = JSON.parse(new TextDecoder().decode(stored)) as Partial<SealConfig>
    return (
      parsed.type === config.type &&
      parsed.secretShares === config.secretShares &&
      parsed.secretThreshold === config.secretThreshold
    )
  } catch {
    return false
  }
}
