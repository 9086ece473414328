// Vault's versioned value text, "vault:v<N>:<payload>", used for ciphertexts, signatures and HMACs alike.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { TransitKey } from './model.ts'

const PREFIX = 'vault:v'

/** Vault's refusal of a version below min_decryption_version, for ciphertexts and signatures alike. */
export const TOO_OLD = 'ciphertext or signature version is disallowed by policy (too old)'

export function formatVersioned(version: number, payload: string): string {
  return `${PREFIX}${version}:${payload}`
}

/**
 * Splits a versioned value and checks its version against the key, with Vault's messages; `what` is
 * "ciphertext" or "signature". Version 0 (pre-0.3 Vault) reads as 1.
 */
export function parseVersioned(
  key: Pick<TransitKey, 'latest_version' | 'min_decryption_version'>,
  value: string,
  what: 'ciphertext' | 'signature' | 'HMAC',
): { version: number; payload: string } {
  if (!value.startsWith(PREFIX)) throw new InvalidRequestError(`invalid ${what}: no prefix`)
  const rest = value.slice(PREFIX.length)
  const colon = rest.indexOf(':')
  if (colon < 0) throw new InvalidRequestError(`invalid ${what}: wrong number of fields`)
  const digits = rest.slice(0, colon)
  if (!/^\d{1,9}$/.test(digits))
    throw new InvalidRequestError(`invalid ${what}: version number could not be decoded`)
  const version = Math.max(1, Number(digits))
  if (version > key.latest_version) throw new InvalidRequestError(`invalid ${what}: version is too new`)
  if (key.min_decryption_version > 0 && version < key.min_decryption_version)
    throw new InvalidRequestError(TOO_OLD)
  return { version, payload: rest.slice(colon + 1) }
}
