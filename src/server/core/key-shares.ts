// Collecting unseal key shares for a ceremony (generate-root, rekey, rekey verification): checks and recombination.
import { timingSafeEqual } from 'node:crypto'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { combineShares } from './shamir.ts'

// Vault's bounds: the barrier's minimum key length, and its maximum plus the one-byte Shamir overhead.
const MIN_SHARE_BYTES = 16
const MAX_SHARE_BYTES = 33

/** Refuse a share no seal of ours could have produced before it takes a place in the progress. */
export function checkShareLength(share: Uint8Array): void {
  if (share.byteLength < MIN_SHARE_BYTES)
    throw new InvalidRequestError(`key is shorter than minimum ${MIN_SHARE_BYTES} bytes`)
  if (share.byteLength > MAX_SHARE_BYTES)
    throw new InvalidRequestError(`key is longer than maximum ${MAX_SHARE_BYTES} bytes`)
}

/** Whether `share` is already in `progress`, compared in constant time (Vault uses subtle.ConstantTimeCompare). */
export function alreadyProvided(progress: readonly Uint8Array[], share: Uint8Array): boolean {
  let found = false
  for (const existing of progress) {
    if (existing.byteLength === share.byteLength && timingSafeEqual(existing, share)) found = true
  }
  return found
}

/**
 * Rebuild the key from a threshold of shares (1-of-1: the share is the key). Malformed sets (mixed lengths, a
 * repeated x-coordinate) are a 400 naming the problem, never a 500.
 */
export async function combineCollected(
  shares: readonly Uint8Array[],
  threshold: number,
): Promise<Uint8Array> {
  if (threshold === 1) return new Uint8Array(shares[0]!)
  try {
    return await combineShares([...shares])
  } catch (error) {
    const reason = error instanceof InvalidRequestError ? error.message : 'the shares are not from one key'
    throw new InvalidRequestError(`failed to compute root key: ${reason}`, { cause: error })
  }
}

/** Wipe collected shares once they are no longer needed. */
export function wipe(shares: Uint8Array[]): void {
  for (const share of shares) share.fill(0)
  shares.length = 0
}
