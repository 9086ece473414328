// RSA PKCS#1 v1.5 signatures over a digest the caller computed (Vault's prehashed, KMS's MessageType DIGEST).
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'

/**
 * The DER DigestInfo header (RFC 8017, section 9.2, note 1) that precedes each digest in a PKCS#1 v1.5 signature.
 * Node hashes whatever crypto.sign is given, so a caller's digest is signed as the RSA private operation on the
 * padded DigestInfo (privateEncrypt with PKCS#1 type 1 padding, which is exactly what signing does after hashing).
 */
const DIGEST_INFO: Record<string, { prefix: Buffer; bytes: number }> = {
  sha1: { prefix: Buffer.from('3021300906052b0e03021a05000414', 'hex'), bytes: 20 },
  sha224: { prefix: Buffer.from('302d300d06096086480165030402040500041c', 'hex'), bytes: 28 },
  sha256: { prefix: Buffer.from('3031300d060960864801650304020105000420', 'hex'), bytes: 32 },
  sha384: { prefix: Buffer.from('3041300d060960864801650304020205000430', 'hex'), bytes: 48 },
  sha512: { prefix: Buffer.from('3051300d060960864801650304020305000440', 'hex'), bytes: 64 },
  'sha3-224': { prefix: Buffer.from('302d300d06096086480165030402070500041c', 'hex'), bytes: 28 },
  'sha3-256': { prefix: Buffer.from('3031300d060960864801650304020805000420', 'hex'), bytes: 32 },
  'sha3-384': { prefix: Buffer.from('3041300d060960864801650304020905000430', 'hex'), bytes: 48 },
  'sha3-512': { prefix: Buffer.from('3051300d060960864801650304020a05000440', 'hex'), bytes: 64 },
}

/** How long a digest of Node's algorithm `digest` is. */
export function digestLength(digest: string): number {
  const info = DIGEST_INFO[digest]
  if (!info) throw new InvalidRequestError(`unsupported algorithm ${digest}`)
  return info.bytes
}

/**
 * What is padded and signed: the DigestInfo of `digest` under Node's algorithm name, or, with `null` (Vault's
 * hash_algorithm=none), the input itself with no DigestInfo, as Go's SignPKCS1v15 does with hash 0.
 */
function encoded(digest: string | null, input: Buffer): Buffer {
  if (digest === null) return input
  const info = DIGEST_INFO[digest]
  if (!info) throw new InvalidRequestError(`unsupported algorithm ${digest}`)
  if (input.length !== info.bytes)
    throw new InvalidRequestError(`the prehashed input must be a ${info.bytes}-byte ${digest} digest`)
  return Buffer.concat([info.prefix, input])
}

export function signDigestPkcs1(privateKey: crypto.KeyObject, digest: string | null, input: Buffer): Buffer {
  const block = encoded(digest, input)
  try {
    return crypto.privateEncrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_PADDING }, block)
  } catch {
    // Only a block longer than the modulus allows (hash_algorithm=none with a long input) can fail here.
    throw new InvalidRequestError('the input is too long for this key')
  }
}

/** Whether `signature` opens (PKCS#1 type 1 padding) to exactly the expected block; anything malformed is invalid. */
export function verifyDigestPkcs1(
  publicKey: crypto.KeyObject,
  digest: string | null,
  input: Buffer,
  signature: Buffer,
): boolean {
  const expected = encoded(digest, input)
  // A signature is exactly as long as the modulus (RFC 8017, 8.2.2 step 1).
  if (signature.length * 8 !== publicKey.asymmetricKeyDetails?.modulusLength) return false
  let opened: Buffer
  try {
    opened = crypto.publicDecrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signature)
  } catch {
    return false
  }
  return opened.length === expected.length && crypto.timingSafeEqual(opened, expected)
}
