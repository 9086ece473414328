// Password hashing for userpass: scrypt (memory-hard) with a per-user salt, parameters stored beside the hash.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

export interface PasswordHash {
  algorithm: 'scrypt'
  /** CPU/memory cost; 2^15 with r=8 uses 32 MiB per hash. */
  n: number
  r: number
  p: number
  /** base64 */
  salt: string
  /** base64 */
  hash: string
}

/** OWASP's scrypt setting for 32 MiB: N=2^15, r=8, p=3 (about 0.2 s per hash here). */
export const SCRYPT_PARAMS = { n: 2 ** 15, r: 8, p: 3 } as const
const KEY_LENGTH = 32
const SALT_LENGTH = 16
/** Refuse stored parameters that would let a corrupted entry exhaust memory. */
const MAX_MEM = 256 * 1024 * 1024

function derive(
  password: string,
  salt: Buffer,
  params: { n: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      salt,
      KEY_LENGTH,
      { N: params.n, r: params.r, p: params.p, maxmem: MAX_MEM },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_LENGTH)
  const hash = await derive(password, salt, SCRYPT_PARAMS)
  return {
    algorithm: 'scrypt',
    ...SCRYPT_PARAMS,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  }
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64')
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'), stored)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
