// Shamir key splitting for the seal: split the unseal key into shares, recombine a threshold of them.
import { combine, split } from 'shamir-secret-sharing'
import { InvalidRequestError } from '../../sdk/errors.ts'

// Vault's sys/init prefixes SealConfig.Validate's message with this.
const PREFIX = 'invalid seal configuration: '

/** Check a share count and threshold with Vault's rules and messages (SealConfig.Validate). */
export function validateShareConfig(shares: number, threshold: number): void {
  const fail = (message: string): never => {
    throw new InvalidRequestError(PREFIX + message)
  }
  if (!Number.isInteger(shares) || !Number.isInteger(threshold))
    fail('shares and threshold must be whole numbers')
  if (shares < 1) fail('shares must be at least one')
  if (threshold < 1) fail('threshold must be at least one')
  if (shares > 1 && threshold === 1) fail('threshold must be greater than one for multiple shares')
  if (shares > 255) fail('shares must be less than 256')
  if (threshold > 255) fail('threshold must be less than 256')
  if (threshold > shares) fail('threshold cannot be larger than shares')
}

/**
 * Split `key` into `shares` shares, any `threshold` of which rebuild it. With one share the key
 * itself is the share, as Vault does for a 1-of-1 seal.
 */
export async function splitKey(key: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  validateShareConfig(shares, threshold)
  if (key.byteLength === 0) throw new InvalidRequestError('cannot split an empty key')
  // The library insists on plain Uint8Array (a Buffer fails its constructor check), so copy.
  const plain = new Uint8Array(key)
  try {
    if (shares === 1) return [plain]
    return await split(plain, shares, threshold)
  } finally {
    if (shares !== 1) plain.fill(0)
  }
}

/**
 * Rebuild a key from shares. The caller supplies exactly the threshold it configured; a single
 * share is returned as the key (1-of-1). A wrong but well-formed set yields a wrong key, which
 * the barrier then rejects, so no integrity check happens here.
 */
export async function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  if (shares.length === 0) throw new InvalidRequestError('no key shares were provided')
  if (shares.length > 255) throw new InvalidRequestError('at most 255 key shares can be combined')
  const first = shares[0]!
  if (shares.length === 1) return new Uint8Array(first)
  if (first.byteLength < 2) throw new InvalidRequestError('key shares must be at least two bytes')
  const seen = new Set<number>()
  for (const share of shares) {
    if (share.byteLength !== first.byteLength)
      throw new InvalidRequestError('all key shares must be the same length')
    // The last byte is the share's x-coordinate; a repeat means the same share twice.
    const x = share[share.byteLength - 1]!
    if (seen.has(x)) throw new InvalidRequestError('duplicate key share detected')
    seen.add(x)
  }
  return combine(shares.map((share) => new Uint8Array(share)))
}
