// The snapshot file format: round trip, and refusal of truncated, altered and foreign files with clear errors.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import type { StoredEntry } from './physical.ts'
import {
  decodeSnapshot,
  digestEntries,
  encodeSnapshot,
  SNAPSHOT_MAGIC,
  SnapshotFormatError,
} from './snapshot-format.ts'

async function* stream(entries: StoredEntry[]): AsyncGenerator<StoredEntry> {
  yield* entries
}

const ENTRIES: StoredEntry[] = [
  { key: '', value: new Uint8Array(0) },
  { key: 'core/seal-config', value: new TextEncoder().encode('{"type":"shamir"}') },
  { key: 'logical/abc/data/😀', value: new Uint8Array(300).map((_, i) => i & 0xff) },
]
const SOURCE = { storageType: 'sqlite', createdAt: new Date('2026-01-02T03:04:05.000Z') }

/** Re-seal a changed file's checksum, to reach the checks behind it. */
function resealed(content: Buffer): Buffer {
  return Buffer.concat([content, createHash('sha256').update(content).digest()])
}

describe('snapshot format', () => {
  it('round-trips every entry byte for byte, with the header', async () => {
    const file = await encodeSnapshot(SOURCE, stream(ENTRIES))
    assert.ok(file.subarray(0, 8).equals(SNAPSHOT_MAGIC))
    const { header, entries } = decodeSnapshot(file)
    assert.deepEqual(header, {
      formatVersion: 1,
      storageType: 'sqlite',
      createdAt: '2026-01-02T03:04:05.000Z',
      entryCount: 3,
    })
    assert.deepEqual(entries, ENTRIES)
  })

  it('round-trips an empty store', async () => {
    const { header, entries } = decodeSnapshot(await encodeSnapshot(SOURCE, stream([])))
    assert.equal(header.entryCount, 0)
    assert.deepEqual(entries, [])
  })

  it('refuses a truncated file at every length', async () => {
    const file = await encodeSnapshot(SOURCE, stream(ENTRIES))
    for (let length = 0; length < file.byteLength; length += 7)
      assert.throws(() => decodeSnapshot(file.subarray(0, length)), SnapshotFormatError, `length ${length}`)
    assert.throws(() => decodeSnapshot(file.subarray(0, file.byteLength - 1)), /checksum mismatch/)
  })

  it('refuses a file with any single bit flipped', async () => {
    const file = await encodeSnapshot(SOURCE, stream(ENTRIES))
    for (let at = 0; at < file.byteLength; at += 3) {
      const damaged = Buffer.from(file)
      damaged[at]! ^= 0x10
      assert.throws(() => decodeSnapshot(damaged), SnapshotFormatError, `byte ${at}`)
    }
  })

  it('names a wrong magic and a wrong version plainly', async () => {
    assert.throws(
      () => decodeSnapshot(Buffer.from('{"not":"a snapshot"}')),
      /does not start with the snapshot magic/,
    )
    const file = await encodeSnapshot(SOURCE, stream(ENTRIES))
    const text = file
      .subarray(0, file.byteLength - 32)
      .toString('latin1')
      .replace('"format_version":1', '"format_version":9')
    assert.throws(
      () => decodeSnapshot(resealed(Buffer.from(text, 'latin1'))),
      /unsupported snapshot format version 9/,
    )
  })

  it('refuses an entry count that does not match the entries, even with a good checksum', async () => {
    const file = await encodeSnapshot(SOURCE, stream(ENTRIES))
    const text = file
      .subarray(0, file.byteLength - 32)
      .toString('latin1')
      .replace('"entry_count":3', '"entry_count":4')
    assert.throws(() => decodeSnapshot(resealed(Buffer.from(text, 'latin1'))), /counts 4 entries but 3/)
  })

  it('refuses a key that appears twice, even with a good checksum', async () => {
    const twice = [...ENTRIES, { key: 'core/seal-config', value: new TextEncoder().encode('{}') }]
    const file = await encodeSnapshot(SOURCE, stream(twice))
    assert.throws(() => decodeSnapshot(file), /a storage key appears more than once/)
  })

  it('digests entry streams: equal contents give equal digests, any change differs', async () => {
    const a = await digestEntries(stream(ENTRIES))
    assert.equal(a.count, 3)
    assert.deepEqual(await digestEntries(stream(ENTRIES.map((e) => ({ ...e })))), a)
    const changed = ENTRIES.map((e, i) => (i === 2 ? { key: e.key, value: e.value.slice(1) } : e))
    assert.notEqual((await digestEntries(stream(changed))).sha256, a.sha256)
    // Length prefixes keep a key/value boundary shift from colliding.
    const shifted = [{ key: 'ab', value: new Uint8Array([1]) }]
    const other = [{ key: 'a', value: new Uint8Array([0x62, 1]) }]
    assert.notEqual(
      (await digestEntries(stream(shifted))).sha256,
      (await digestEntries(stream(other))).sha256,
    )
  })
})
