// The barrier's on-disk value format, [term u32 BE][version 2][12-byte nonce][AES-256-GCM ciphertext][16-byte tag]: used by the barrier and by the SQLite writer thread that seals on its behalf.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { nextNonce } from './nonce-pool.ts'

export const FORMAT_VERSION = 2
export const TERM_BYTES = 4
export const NONCE_BYTES = 12
export const TAG_BYTES = 16
export const KEY_BYTES = 32
export const HEADER_BYTES = TERM_BYTES + 1 + NONCE_BYTES
/** Header and tag around an empty plaintext: no valid value is shorter. */
const MIN_VALUE_BYTES = HEADER_BYTES + TAG_BYTES

/**
 * Importing raw key bytes costs more than the AES work on a small value, so each key's KeyObject is made
 * once. Entries die with the key arrays the barrier drops on seal.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

function keyObject(key: Uint8Array): KeyObject {
  let object = keyObjects.get(key)
  if (!object) {
    if (key.byteLength !== KEY_BYTES) throw new RangeError(`barrier key must be ${KEY_BYTES} bytes`)
    object = createSecretKey(key)
    keyObjects.set(key, object)
  }
  return object
}

/**
 * Seal `plaintext` under `key`, labelled with `term`. `aad` (the storage key) is authenticated
 * but not stored, so the value only decrypts at the key it was written to. The nonce is fresh
 * from the CSPRNG unless a test pins it.
 */
export function encryptValue(
  key: Uint8Array,
  term: number,
  plaintext: Uint8Array,
  aad: Uint8Array,
  // From the pool: used synchronously below, as nextNonce requires.
  nonce: Uint8Array = nextNonce(NONCE_BYTES),
): Uint8Array {
  return seal(key, term, plaintext, aad, nonce, (length) => new Uint8Array(length))
}

/**
 * encryptValue for a caller that hands the value on at once to something that copies it (the SQLite writer thread
 * binding it to an insert): the result may be a slice of Node's shared Buffer pool, which saves a zeroed allocation
 * of its own per value. Its `.buffer` is shared, so it must not be transferred or read through `.buffer`, and kept
 * it would hold the pool's whole slab. Same format, same fresh nonce per value.
 */
export function encryptValueTransient(
  key: Uint8Array,
  term: number,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return seal(key, term, plaintext, aad, nextNonce(NONCE_BYTES), (length) => Buffer.allocUnsafe(length))
}

function seal(
  key: Uint8Array,
  term: number,
  plaintext: Uint8Array,
  aad: Uint8Array,
  nonce: Uint8Array,
  allocate: (length: number) => Uint8Array,
): Uint8Array {
  const secret = keyObject(key)
  if (!Number.isInteger(term) || term < 0 || term > 0xffffffff)
    throw new RangeError('barrier term out of range')
  if (nonce.byteLength !== NONCE_BYTES) throw new RangeError(`barrier nonce must be ${NONCE_BYTES} bytes`)
  const cipher = createCipheriv('aes-256-gcm', secret, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = cipher.update(plaintext)
  const final = cipher.final()
  // Every byte is written below, so an uninitialised allocation leaks nothing.
  const out = allocate(HEADER_BYTES + body.byteLength + final.byteLength + TAG_BYTES)
  out[0] = term >>> 24
  out[1] = (term >>> 16) & 0xff
  out[2] = (term >>> 8) & 0xff
  out[3] = term & 0xff
  out[TERM_BYTES] = FORMAT_VERSION
  out.set(nonce, TERM_BYTES + 1)
  out.set(body, HEADER_BYTES)
  out.set(final, HEADER_BYTES + body.byteLength)
  out.set(cipher.getAuthTag(), out.byteLength - TAG_BYTES)
  return out
}

/** The key term a value was written under; throws when the value is not in this format. */
export function readTerm(blob: Uint8Array): number {
  if (blob.byteLength < MIN_VALUE_BYTES) throw new Error('barrier value is truncated')
  if (blob[TERM_BYTES] !== FORMAT_VERSION)
    throw new Error(`barrier value has unknown version ${blob[TERM_BYTES]}`)
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, false)
}

/** Open a value sealed by encryptValue; throws (without any key or value bytes) when authentication fails. */
export function decryptValue(key: Uint8Array, blob: Uint8Array, aad: Uint8Array): Uint8Array {
  const secret = keyObject(key)
  readTerm(blob)
  const nonce = blob.subarray(TERM_BYTES + 1, HEADER_BYTES)
  const body = blob.subarray(HEADER_BYTES, blob.byteLength - TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', secret, nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(blob.subarray(blob.byteLength - TAG_BYTES))
  try {
    const head = decipher.update(body)
    const tail = decipher.final()
    const out = new Uint8Array(head.byteLength + tail.byteLength)
    out.set(head)
    out.set(tail, head.byteLength)
    return out
  } catch {
    throw new Error('barrier value failed authentication')
  }
}
