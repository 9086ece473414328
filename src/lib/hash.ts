// Hashing and constant-time comparison for tokens, secret IDs and audit HMACs.
import { createHash, createHmac, type KeyObject, timingSafeEqual } from 'node:crypto'

export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex')
}

/** Pass a KeyObject for a key used on every request: importing raw bytes each call dominates the cost. */
export function hmacSha256Hex(key: Uint8Array | string | KeyObject, input: string | Uint8Array): string {
  return createHmac('sha256', key).update(input).digest('hex')
}

/** Compare two strings without leaking where they differ; unequal lengths return false after a dummy compare. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) {
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}
