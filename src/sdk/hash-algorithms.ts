// Vault's hash algorithm names (sha1, sha2-256, sha3-512…) mapped to Node's digest names, for transit and sys/tools.
import { InvalidRequestError } from './errors.ts'

const ALGORITHMS: Record<string, string> = {
  sha1: 'sha1',
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
}

/** Node's digest name for a Vault algorithm name, or a 400 naming it. */
export function digestName(algorithm: string): string {
  // Own keys only: `__proto__`, `constructor` or `toString` would otherwise find Object.prototype's members.
  const name = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined
  if (name === undefined) throw new InvalidRequestError(`unsupported algorithm ${algorithm}`)
  return name
}
