// Random nonces cut from a pool the CSPRNG refills 6 KiB at a time: one randomBytes call per nonce costs more than a short encryption.
import { randomFillSync } from 'node:crypto'

const pool = Buffer.alloc(6144)
let offset = pool.length

/**
 * `bytes` fresh random bytes, each handed out once. The view is into the pool, which is refilled in place later:
 * use (or copy) it synchronously, before anything else can ask for a nonce.
 */
export function nextNonce(bytes: number): Buffer {
  if (bytes > pool.length) throw new RangeError('nonce larger than the pool')
  if (offset + bytes > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const nonce = pool.subarray(offset, offset + bytes)
  offset += bytes
  return nonce
}
