// Known-answer and layout tests that pin the barrier's on-disk value format.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decryptValue,
  encryptValue,
  encryptValueTransient,
  FORMAT_VERSION,
  HEADER_BYTES,
  NONCE_BYTES,
  readTerm,
  TAG_BYTES,
  TERM_BYTES,
} from './sealed-value.ts'

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i)
const NONCE = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i)
const AAD = new TextEncoder().encode('secret/foo')
const PLAINTEXT = new TextEncoder().encode('hello barrier')
// Produced independently with Python's `cryptography` AESGCM from the inputs above, term 7.
const KNOWN_BLOB =
  '0000000702a0a1a2a3a4a5a6a7a8a9aaab8e7d10412aeb60de1017eeb6757d7fedc84c221ed72bc5c828c4cd6ef7'

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('barrier value format', () => {
  it('decrypts a known blob to the known plaintext', () => {
    const blob = fromHex(KNOWN_BLOB)
    assert.equal(readTerm(blob), 7)
    assert.deepEqual(decryptValue(KEY, blob, AAD), PLAINTEXT)
  })

  it('encrypts to exactly the known blob when the nonce is pinned', () => {
    assert.equal(toHex(encryptValue(KEY, 7, PLAINTEXT, AAD, NONCE)), KNOWN_BLOB)
  })

  it('lays out term, version, nonce, ciphertext and tag', () => {
    const blob = encryptValue(KEY, 0x01020304, PLAINTEXT, AAD)
    assert.equal(TERM_BYTES, 4)
    assert.equal(NONCE_BYTES, 12)
    assert.equal(TAG_BYTES, 16)
    assert.equal(FORMAT_VERSION, 2)
    assert.deepEqual([...blob.subarray(0, 4)], [1, 2, 3, 4])
    assert.equal(blob[4], 2)
    assert.equal(HEADER_BYTES, 17)
    assert.equal(blob.byteLength, 4 + 1 + 12 + PLAINTEXT.byteLength + 16)
    assert.equal(readTerm(blob), 0x01020304)
  })

  it('uses a fresh nonce for every write', () => {
    const a = encryptValue(KEY, 1, PLAINTEXT, AAD)
    const b = encryptValue(KEY, 1, PLAINTEXT, AAD)
    assert.notDeepEqual(a.subarray(5, 17), b.subarray(5, 17))
    assert.notDeepEqual(a, b)
  })

  it('round-trips an empty plaintext', () => {
    const blob = encryptValue(KEY, 1, new Uint8Array(0), AAD)
    assert.equal(blob.byteLength, HEADER_BYTES + TAG_BYTES)
    assert.equal(decryptValue(KEY, blob, AAD).byteLength, 0)
  })

  it('fails authentication for another AAD, a flipped bit or another key', () => {
    const blob = fromHex(KNOWN_BLOB)
    assert.throws(
      () => decryptValue(KEY, blob, new TextEncoder().encode('secret/bar')),
      /failed authentication/,
    )
    const flipped = blob.slice()
    flipped[20] = (flipped[20] ?? 0) ^ 1
    assert.throws(() => decryptValue(KEY, flipped, AAD), /failed authentication/)
    const otherKey = KEY.slice()
    otherKey[0] = 99
    assert.throws(() => decryptValue(otherKey, blob, AAD), /failed authentication/)
  })

  it('seals transiently in the same format, each value under a fresh nonce and bound to its key', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 64; i++) {
      // Copied at once, as its callers do: the result may share the Buffer pool's memory.
      const blob = Uint8Array.from(encryptValueTransient(KEY, 0xfedcba98, PLAINTEXT, AAD))
      assert.equal(blob.byteLength, HEADER_BYTES + PLAINTEXT.byteLength + TAG_BYTES)
      assert.equal(readTerm(blob), 0xfedcba98)
      assert.equal(blob[TERM_BYTES], FORMAT_VERSION)
      assert.deepEqual(decryptValue(KEY, blob, AAD), PLAINTEXT)
      assert.throws(
        () => decryptValue(KEY, blob, new TextEncoder().encode('secret/bar')),
        /failed authentication/,
      )
      seen.add(toHex(blob.subarray(TERM_BYTES + 1, HEADER_BYTES)))
    }
    assert.equal(seen.size, 64)
  })

  it('checks the term of a transient seal as encryptValue does', () => {
    assert.throws(() => encryptValueTransient(KEY, 2 ** 32, PLAINTEXT, AAD), /term out of range/)
    assert.throws(() => encryptValueTransient(KEY, -1, PLAINTEXT, AAD), /term out of range/)
  })

  it('rejects truncated values and unknown versions', () => {
    assert.throws(() => readTerm(new Uint8Array(10)), /truncated/)
    const blob = fromHex(KNOWN_BLOB)
    blob[4] = 1
    assert.throws(() => readTerm(blob), /unknown version 1/)
  })
})
