// Access key pairs in the mount's (barrier-encrypted) storage, keyed by access key ID: the secret is kept because
// verifying a SigV4 HMAC needs it, and it is never returned after creation.
import { randomBytes } from 'node:crypto'
import { randomAlphanumeric } from '../../../lib/random.ts'
import { getJsonSharedNow, type Storage } from '../../../sdk/storage.ts'

export interface AccessKeyEntry {
  role: string
  secret: string
  /** ms since the epoch. */
  created: number
  /** The key this one replaced by rotation, if any. */
  rotatedFrom?: string
}

const KEY = 'key/'
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** `CKIA` + 16 base32 characters (80 random bits): 20 characters like AWS's AKIA… IDs, and distinct from them. */
export const ACCESS_KEY_ID = /^CKIA[A-Z2-7]{16}$/

export function newAccessKeyId(): string {
  return prefixedKeyId('CKIA')
}

/** `prefix` + 16 base32 characters of 80 random bits: the shape of every key ID this mount issues. */
export function prefixedKeyId(prefix: string): string {
  let bits = 0
  let value = 0
  let out = prefix
  for (const byte of randomBytes(10)) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out
}

/** 40 characters of [A-Za-z0-9] (238 bits), the length of an AWS secret key, with nothing a shell would quote. */
export function newSecretAccessKey(): string {
  return randomAlphanumeric(40)
}

export const accessKeyPath = (id: string) => KEY + id

/** The stored key, or undefined; without an await when the storage has it in memory (every signed call reads it). */
export function loadAccessKey(
  storage: Storage,
  id: string,
): AccessKeyEntry | undefined | Promise<AccessKeyEntry | undefined> {
  if (!ACCESS_KEY_ID.test(id)) return undefined
  return getJsonSharedNow<AccessKeyEntry>(storage, KEY + id)
}

export function listAccessKeys(storage: Storage): Promise<string[]> {
  return storage.list(KEY)
}

export const encodeEntry = (entry: AccessKeyEntry) => Buffer.from(JSON.stringify(entry))
