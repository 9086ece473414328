// Random identifiers: UUIDs, token bodies and accessors from the CSPRNG.
import { randomBytes, randomUUID } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function uuid(): string {
  return randomUUID()
}

/** A random string over [A-Za-z0-9] with `length` characters, rejection-sampled so every character is uniform. */
export function randomAlphanumeric(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}
