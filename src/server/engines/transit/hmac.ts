// HMACs with a key version's HMAC key: Vault's `vault:v<N>:<base64>` form.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { digestName } from '../../../sdk/hash-algorithms.ts'
import { hmacKeyOf, type TransitKey, versionOf } from './model.ts'
import { formatVersioned } from './versioned-value.ts'

/** The raw HMAC of `input` with the version's HMAC key. */
export function hmacBytes(key: TransitKey, version: number, algorithm: string, input: Buffer): Buffer {
  const hmacKey = hmacKeyOf(versionOf(key, version))
  if (hmacKey === undefined) throw new InvalidRequestError('HMAC key is not available for this key version')
  return crypto.createHmac(digestName(algorithm), hmacKey).update(input).digest()
}

export function computeHmac(key: TransitKey, version: number, algorithm: string, input: Buffer): string {
  return formatVersioned(version, hmacBytes(key, version, algorithm, input).toString('base64'))
}
