// Per-request keys for derived transit keys: HKDF-SHA256 over the version's key with the context as info, as Vault derives.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'

const MISSING_CONTEXT =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key"

/** HKDF's info is at most 1024 bytes in OpenSSL; a longer context is the caller's error, not ours. */
const MAX_CONTEXT_BYTES = 1024

/** `length` bytes derived from `key` and `context` (no salt), or a 400 when the context is missing or too long. */
export function deriveKey(key: Buffer | crypto.KeyObject, context: Buffer, length: number): Buffer {
  if (context.length === 0) throw new InvalidRequestError(MISSING_CONTEXT)
  if (context.length > MAX_CONTEXT_BYTES)
    throw new InvalidRequestError(`context must be at most ${MAX_CONTEXT_BYTES} bytes`)
  return Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), context, length))
}
