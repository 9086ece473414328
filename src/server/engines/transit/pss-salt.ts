// Vault's salt_length for RSA-PSS: "auto", "hash" or a byte count, held as Go's numbers (0 auto, -1 hash, n bytes).
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'

/** Go's rsa.PSSSaltLengthAuto: the largest salt when signing, any salt when verifying. */
export const SALT_AUTO = 0
/** Go's rsa.PSSSaltLengthEqualsHash: a salt as long as the digest. */
export const SALT_HASH = -1

/** The salt_length field: `auto` (the default), `hash` (either case) or an integer of at least -1, else a 400. */
export function parseSaltLength(value: unknown): number {
  if (value === undefined || value === null || value === '') return SALT_AUTO
  const text = String(value)
  const lower = text.toLowerCase()
  if (lower === 'auto') return SALT_AUTO
  if (lower === 'hash') return SALT_HASH
  const number = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(number))
    throw new InvalidRequestError(`salt length neither 'auto', 'hash', nor an int: ${text}`)
  if (number < SALT_HASH) throw new InvalidRequestError(`salt length is invalid: ${number}`)
  return number
}

/** The largest salt a key of `modulusBits` allows beside a digest of `digestBytes` (RFC 8017, 9.1.1 step 3). */
export function maxSaltLength(modulusBits: number, digestBytes: number): number {
  return Math.ceil((modulusBits - 1) / 8) - 2 - digestBytes
}

/** Vault refuses a salt longer than the key allows for the hash with a 400 naming the requested length. */
export function checkSaltLength(saltLength: number, modulusBits: number, digestBytes: number): void {
  if (saltLength < SALT_HASH || saltLength > maxSaltLength(modulusBits, digestBytes))
    throw new InvalidRequestError(`requested salt length ${saltLength} is invalid`)
}

/** Node's saltLength option for a Go salt length: auto is the largest salt to sign, auto-detected to verify. */
export function nodeSaltLength(saltLength: number, operation: 'sign' | 'verify'): number {
  if (saltLength === SALT_HASH) return crypto.constants.RSA_PSS_SALTLEN_DIGEST
  if (saltLength === SALT_AUTO)
    return operation === 'sign'
      ? crypto.constants.RSA_PSS_SALTLEN_MAX_SIGN
      : crypto.constants.RSA_PSS_SALTLEN_AUTO
  return saltLength
}
