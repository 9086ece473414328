// RSA KMS ciphertexts as AWS makes them: the raw RSAES-OAEP output (SHA-1 or SHA-256) under the key's public key.
import crypto from 'node:crypto'
import { AwsError } from '../../../../sdk/aws-error.ts'
import { liveVersions, privateKeyOf, type TransitKey, versionOf } from '../model.ts'

const OAEP = crypto.constants.RSA_PKCS1_OAEP_PADDING

/** RSAES_OAEP_SHA_1 hashes (and masks) with SHA-1, RSAES_OAEP_SHA_256 with SHA-256. */
const oaepHash = (algorithm: string) => (algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256')

/**
 * Encrypts under the latest version's public key, so anyone holding GetPublicKey's key makes the same kind of
 * ciphertext. OAEP fits the modulus length less twice the hash length less 2 bytes; more is the caller's input.
 */
export function rsaSeal(key: TransitKey, algorithm: string, plaintext: Buffer): Buffer {
  const publicKey = crypto.createPublicKey(privateKeyOf(versionOf(key, key.latest_version)))
  const hash = oaepHash(algorithm)
  const room =
    (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8 - 2 * crypto.createHash(hash).digest().length - 2
  if (plaintext.length > room)
    throw new AwsError(
      'ValidationException',
      `The plaintext is longer than the ${room} bytes ${algorithm} can encrypt under this key.`,
    )
  return crypto.publicEncrypt({ key: publicKey, oaepHash: hash, padding: OAEP }, plaintext)
}

/**
 * Decrypts with whichever live version's private key opens the ciphertext (a raw one does not name its version), or
 * InvalidCiphertextException; OpenSSL's OAEP decoding does not tell a wrong key from a forged ciphertext by timing.
 */
export function rsaOpen(key: TransitKey, algorithm: string, blob: Buffer): Buffer {
  for (const [, entry] of liveVersions(key).reverse()) {
    try {
      return crypto.privateDecrypt(
        { key: privateKeyOf(entry), oaepHash: oaepHash(algorithm), padding: OAEP },
        blob,
      )
    } catch {
      // Not this version's, or not a ciphertext under this algorithm.
    }
  }
  throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.')
}
