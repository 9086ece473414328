// KMS's Ed25519 algorithms: ED25519_SHA_512 is Ed25519 over a RAW message, ED25519_PH_SHA_512 Ed25519ph over a DIGEST.
import crypto from 'node:crypto'
import { ed25519ph } from '@noble/curves/ed25519.js'
import { AwsError } from '../../../../sdk/aws-error.ts'

export const isEd25519Algorithm = (algorithm: string) => algorithm.startsWith('ED25519_')

/**
 * AWS pairs each algorithm with one MessageType: ED25519_SHA_512 signs the message itself (RAW), ED25519_PH_SHA_512
 * a SHA-512 digest of it (DIGEST), which Ed25519ph hashes once more, as AWS's does (FIPS 186-5, 7.8.1 step 1).
 */
export function requireEd25519MessageType(algorithm: string, isDigest: boolean): void {
  const wanted = algorithm === 'ED25519_PH_SHA_512' ? 'DIGEST' : 'RAW'
  if (isDigest !== (wanted === 'DIGEST'))
    throw new AwsError(
      'ValidationException',
      `The signing algorithm ${algorithm} requires MessageType ${wanted}.`,
    )
}

function rawKey(key: crypto.KeyObject, part: 'd' | 'x'): Buffer {
  return Buffer.from(String(key.export({ format: 'jwk' })[part]), 'base64url')
}

export function signEd25519(privateKey: crypto.KeyObject, algorithm: string, data: Buffer): Buffer {
  if (algorithm === 'ED25519_PH_SHA_512') return Buffer.from(ed25519ph.sign(data, rawKey(privateKey, 'd')))
  return crypto.sign(null, data, privateKey)
}

/** A malformed signature is simply invalid. */
export function verifyEd25519(
  publicKey: crypto.KeyObject,
  algorithm: string,
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    if (algorithm === 'ED25519_PH_SHA_512') return ed25519ph.verify(signature, data, rawKey(publicKey, 'x'))
    return crypto.verify(null, data, publicKey, signature)
  } catch {
    return false
  }
}
