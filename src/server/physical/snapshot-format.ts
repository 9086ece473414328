// The snapshot file format: a versioned header, every raw (still encrypted) entry, and a SHA-256 over it all.
//
// Layout (integers big-endian):
//   magic       8 bytes  "COFSNAP\n"
//   header      u32 length, then that many bytes of JSON: { format_version, storage_type, created_at, entry_count }
//   entries     entry_count times: u32 key length, the key (UTF-8), u32 value length, the value (raw bytes)
//   checksum    32 bytes: SHA-256 of every byte before it
// Values are stored exactly as the physical backend holds them (barrier-encrypted), so a snapshot never carries
// a secret in clear; the keys (paths, accessors) and core/seal-config are in clear, as they are in storage.
import { createHash } from 'node:crypto'
import type { StoredEntry } from './physical.ts'

export const SNAPSHOT_MAGIC = Buffer.from('COFSNAP\n', 'latin1')
export const SNAPSHOT_FORMAT_VERSION = 1
const CHECKSUM_BYTES = 32
/** A header larger than this is not one this code wrote. */
const MAX_HEADER_BYTES = 64 * 1024

export interface SnapshotHeader {
  formatVersion: number
  /** The storage type the snapshot was taken from ("sqlite", "inmem", "postgresql"). */
  storageType: string
  /** ISO 8601, UTC. */
  createdAt: string
  entryCount: number
}

/** A file that is not a usable snapshot: the message says what is wrong and never quotes its contents. */
export class SnapshotFormatError extends Error {
  override name = 'SnapshotFormatError'
}

function u32(n: number): Buffer {
  const out = Buffer.allocUnsafe(4)
  out.writeUInt32BE(n)
  return out
}

/** Write every entry of `entries` (raw bytes) as one snapshot file. */
export async function encodeSnapshot(
  source: { storageType: string; createdAt: Date },
  entries: AsyncIterable<StoredEntry>,
): Promise<Buffer> {
  const body: Buffer[] = []
  let count = 0
  for await (const { key, value } of entries) {
    const keyBytes = Buffer.from(key, 'utf8')
    body.push(u32(keyBytes.byteLength), keyBytes, u32(value.byteLength), Buffer.from(value))
    count++
  }
  const header = Buffer.from(
    JSON.stringify({
      format_version: SNAPSHOT_FORMAT_VERSION,
      storage_type: source.storageType,
      created_at: source.createdAt.toISOString(),
      entry_count: count,
    }),
    'utf8',
  )
  const content = Buffer.concat([SNAPSHOT_MAGIC, u32(header.byteLength), header, ...body])
  return Buffer.concat([content, createHash('sha256').update(content).digest()])
}

/** Only the header, after checking the magic: what `coffer operator snapshot inspect`-style tools need. */
function readHeader(bytes: Buffer): { header: SnapshotHeader; offset: number } {
  if (
    bytes.byteLength < SNAPSHOT_MAGIC.byteLength ||
    !bytes.subarray(0, SNAPSHOT_MAGIC.byteLength).equals(SNAPSHOT_MAGIC)
  )
    throw new SnapshotFormatError('not a Coffer snapshot: the file does not start with the snapshot magic')
  let offset = SNAPSHOT_MAGIC.byteLength
  if (bytes.byteLength < offset + 4)
    throw new SnapshotFormatError('snapshot is truncated: the header is missing')
  const length = bytes.readUInt32BE(offset)
  offset += 4
  if (length > MAX_HEADER_BYTES || bytes.byteLength < offset + length)
    throw new SnapshotFormatError('snapshot is truncated or damaged: the header is incomplete')
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(bytes.subarray(offset, offset + length).toString('utf8')) as Record<string, unknown>
  } catch {
    throw new SnapshotFormatError('snapshot is damaged: the header is not valid JSON')
  }
  offset += length
  const version = raw['format_version']
  if (version !== SNAPSHOT_FORMAT_VERSION)
    throw new SnapshotFormatError(
      `unsupported snapshot format version ${JSON.stringify(version)}; this server reads version ${SNAPSHOT_FORMAT_VERSION}`,
    )
  const { storage_type: storageType, created_at: createdAt, entry_count: entryCount } = raw
  if (
    typeof storageType !== 'string' ||
    typeof createdAt !== 'string' ||
    typeof entryCount !== 'number' ||
    !Number.isSafeInteger(entryCount) ||
    entryCount < 0
  )
    throw new SnapshotFormatError(
      'snapshot is damaged: the header lacks storage_type, created_at or entry_count',
    )
  return { header: { formatVersion: version, storageType, createdAt, entryCount }, offset }
}

/**
 * Check and read a snapshot file. The magic and version are checked first (so a wrong file gets a precise
 * message), then the checksum over the whole content, and only then are the entries read.
 */
export function decodeSnapshot(input: Uint8Array): { header: SnapshotHeader; entries: StoredEntry[] } {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const { header, offset: start } = readHeader(bytes)
  if (bytes.byteLength < start + CHECKSUM_BYTES)
    throw new SnapshotFormatError('snapshot is truncated: the checksum is missing')
  const end = bytes.byteLength - CHECKSUM_BYTES
  const expected = createHash('sha256').update(bytes.subarray(0, end)).digest()
  if (!expected.equals(bytes.subarray(end)))
    throw new SnapshotFormatError('snapshot checksum mismatch: the file is truncated or was altered')
  const entries: StoredEntry[] = []
  let offset = start
  const take = (what: string): Buffer => {
    if (offset + 4 > end)
      throw new SnapshotFormatError(`snapshot is damaged: an entry's ${what} is cut short`)
    const length = bytes.readUInt32BE(offset)
    offset += 4
    if (offset + length > end)
      throw new SnapshotFormatError(`snapshot is damaged: an entry's ${what} is cut short`)
    const out = bytes.subarray(offset, offset + length)
    offset += length
    return out
  }
  // Storage holds each key once; a repeat would let a check read one value while the restore writes the other.
  const seen = new Set<string>()
  while (offset < end) {
    const key = take('key').toString('utf8')
    if (seen.has(key))
      throw new SnapshotFormatError('snapshot is damaged: a storage key appears more than once')
    seen.add(key)
    entries.push({ key, value: new Uint8Array(take('value')) })
  }
  if (entries.length !== header.entryCount)
    throw new SnapshotFormatError(
      `snapshot is damaged: the header counts ${header.entryCount} entries but ${entries.length} are present`,
    )
  return { header, entries }
}

/**
 * A digest of an entry stream, in its order: SHA-256 over each length-prefixed key and value. Two stores hold the
 * same data exactly when their entries() give the same count and digest (what a migration verifies).
 */
export async function digestEntries(
  entries: AsyncIterable<StoredEntry>,
): Promise<{ count: number; sha256: string }> {
  const hash = createHash('sha256')
  let count = 0
  for await (const { key, value } of entries) {
    const keyBytes = Buffer.from(key, 'utf8')
    hash.update(u32(keyBytes.byteLength)).update(keyBytes).update(u32(value.byteLength)).update(value)
    count++
  }
  return { count, sha256: hash.digest('hex') }
}
