// HMACs with a key version's HMAC key: Vault's `vault:v<N>:<base64>` form.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { digestName } from './hash-algorithms.ts'
import { hmacKeyOf, type TransitKey, versionOf } from './model.ts'
import { formatVersioned } from './versioned-value.ts'

export function computeHmac(key: TransitKey, version: number, algorithm: string, input: Buffer): string {
  const hmacKey = hmacKeyOf(versionOf(key, version))
  if (hmacKey === undefined) throw new InvalidRequestError('HMAC key is not available for this key version')
  const mac = crypto.createHmac(digestName(algorithm), hmacKey).update(input).digest()
  return formatVersioned(version, mac.toString('base64'))
}
