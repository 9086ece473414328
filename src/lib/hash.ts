// Hashing and constant-time comparison for tokens, secret IDs and audit HMACs.
import { createHmac, hash, type KeyObject, timingSafeEqual } from 'node:crypto'

export function sha256Hex(input: string | Uint8Array): string {
  // The one-shot form skips building a Hash object: a third cheaper for the short inputs hashed per request.
  return hash('sha256', input, 'hex')
}

/** Pass a KeyObject for a key used on every request: importing raw bytes each call dominates the cost. */
export function hmacSha256Hex(key: Uint8Array | string | KeyObject, input: string | Uint8Array): string {
  return createHmac('sha256', key).update(input).digest('hex')
}

/**
 * Compare two strings without leaking where they differ. Every character is visited whatever the
 * contents; only the length is not secret. ASCII hex digests (the common case) skip Buffer allocation.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  if (!/^[\x00-\x7f]*$/.test(a) || !/^[\x00-\x7f]*$/.test(b)) {
    const left = Buffer.from(a)
    const right = Buffer.from(b)
    return left.length === right.length && timingSafeEqual(left, right)
  }
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
