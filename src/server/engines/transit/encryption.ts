// Symmetric (AES-GCM, ChaCha20-Poly1305) and RSA-OAEP encryption with Vault's byte layout: nonce | ciphertext | tag.
import crypto from 'node:crypto'
import { nextNonce } from '../../../lib/nonce-pool.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { deriveKey } from './derive.ts'
import { decodeBase64 } from './encoding.ts'
import { isRsa, isSymmetric, supportsEncryption, symmetricKeySize } from './key-types.ts'
import { privateKeyOf, storedKeyOf, symmetricKeyOf, type TransitKey, versionOf } from './model.ts'
import { formatVersioned, parseVersioned } from './versioned-value.ts'

const NONCE_BYTES = 12
const TAG_BYTES = 16

export interface CryptOptions {
  context: Buffer
  associatedData: Buffer
  nonce: Buffer
}

/** The version an encryption (or signature) uses: the latest for 0, else the requested one within Vault's bounds. */
export function encryptionVersion(
  key: TransitKey,
  requested: number | undefined,
  purpose: 'encryption' | 'signing' = 'encryption',
): number {
  const version = requested ?? 0
  if (version === 0) return key.latest_version
  if (version < 0) throw new InvalidRequestError(`requested version for ${purpose} is negative`)
  if (version > key.latest_version)
    throw new InvalidRequestError(`requested version for ${purpose} is higher than the latest key version`)
  if (version < key.min_encryption_version)
    throw new InvalidRequestError(
      `requested version for ${purpose} is less than the minimum encryption key version`,
    )
  return version
}

function requireEncryption(key: TransitKey, operation: 'encryption' | 'decryption'): void {
  if (!supportsEncryption(key.type))
    throw new InvalidRequestError(`message ${operation} not supported for key type ${key.type}`)
}

/**
 * Vault's refusal of associated_data for a key that is no AEAD (RSA), rather than encrypting without it: `index` is
 * the batch item's (0 for a single request), `null` where Vault names no item (datakey).
 */
export function refuseAssociatedData(
  key: TransitKey,
  associatedData: string | undefined,
  index: number | null,
): void {
  if (associatedData === undefined || associatedData === '' || isSymmetric(key.type)) return
  const field = index === null ? 'associated_data' : `[${index}].associated_data`
  throw new InvalidRequestError(`'${field}' provided for non-AEAD cipher suite ${key.type}`)
}

/** The AEAD key and, for convergent keys, the HMAC key the nonce is computed with. */
function symmetricKeys(
  key: TransitKey,
  version: number,
  context: Buffer,
): { encKey: crypto.KeyObject; hmacKey: crypto.KeyObject | undefined } {
  const entry = versionOf(key, version)
  const encBytes = symmetricKeySize(key.type)
  if (!key.derived) return { encKey: symmetricKeyOf(entry, encBytes), hmacKey: undefined }
  const stored = storedKeyOf(entry)
  // Convergent version 3 derives encBytes + 32 bytes: the AEAD key then the nonce's HMAC key.
  const hmacBytes = key.convergent_encryption ? 32 : 0
  const derived = deriveKey(stored, context, encBytes + hmacBytes)
  // As KeyObjects: Node imports raw key bytes given to createCipheriv or createHmac more slowly than this.
  return {
    encKey: crypto.createSecretKey(derived.subarray(0, encBytes)),
    hmacKey: hmacBytes > 0 ? crypto.createSecretKey(derived.subarray(encBytes)) : undefined,
  }
}

function aeadName(key: TransitKey): crypto.CipherGCMTypes | 'chacha20-poly1305' {
  if (key.type === 'chacha20-poly1305') return 'chacha20-poly1305'
  return key.type === 'aes128-gcm96' ? 'aes-128-gcm' : 'aes-256-gcm'
}

function rsaPublicKey(key: TransitKey, version: number): crypto.KeyObject {
  return crypto.createPublicKey(privateKeyOf(versionOf(key, version)))
}

function rsaPrivateKey(key: TransitKey, version: number): crypto.KeyObject {
  return privateKeyOf(versionOf(key, version))
}

/** `vault:v<N>:` + base64(nonce | ciphertext | tag), or RSA-OAEP(SHA-256) for RSA keys, as Vault lays it out. */
export function encrypt(key: TransitKey, version: number, plaintext: Buffer, options: CryptOptions): string {
  requireEncryption(key, 'encryption')
  if (isRsa(key.type)) {
    const publicKey = rsaPublicKey(key, version)
    // OAEP-SHA256 fits modulus bytes - 66 bytes of plaintext; more is the caller's error, as in Go.
    if (plaintext.length > (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8 - 66)
      throw new InvalidRequestError('crypto/rsa: message too long for RSA key size')
    const sealed = crypto.publicEncrypt(
      {
        key: publicKey,
        oaepHash: 'sha256',
        padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
      },
      plaintext,
    )
    return formatVersioned(version, sealed.toString('base64'))
  }
  if (options.nonce.length > 0) throw new InvalidRequestError('nonce provided when not allowed')
  const { encKey, hmacKey } = symmetricKeys(key, version, options.context)
  const nonce = key.convergent_encryption
    ? crypto
        .createHmac('sha256', hmacKey ?? Buffer.alloc(0))
        .update(plaintext)
        .digest()
        .subarray(0, NONCE_BYTES)
    : nextNonce(NONCE_BYTES)
  const cipher = crypto.createCipheriv(aeadName(key) as 'aes-256-gcm', encKey, nonce, {
    authTagLength: TAG_BYTES,
  })
  if (options.associatedData.length > 0) cipher.setAAD(options.associatedData)
  const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return formatVersioned(version, body.toString('base64'))
}

/** The plaintext and the version it was sealed with; every malformed or forged input is a 400 with Vault's text. */
export function decrypt(
  key: TransitKey,
  ciphertext: string,
  options: CryptOptions,
): { plaintext: Buffer; version: number } {
  requireEncryption(key, 'decryption')
  const { version, payload } = parseVersioned(key, ciphertext, 'ciphertext')
  const bytes = decodeBase64(payload)
  if (bytes === undefined) throw new InvalidRequestError('invalid ciphertext: could not decode base64')
  if (isRsa(key.type)) {
    try {
      const plaintext = crypto.privateDecrypt(
        {
          key: rsaPrivateKey(key, version),
          oaepHash: 'sha256',
          padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        },
        bytes,
      )
      return { plaintext, version }
    } catch {
      throw new InvalidRequestError('crypto/rsa: decryption error')
    }
  }
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new InvalidRequestError('invalid ciphertext length')
  const { encKey } = symmetricKeys(key, version, options.context)
  const nonce = bytes.subarray(0, NONCE_BYTES)
  const tag = bytes.subarray(bytes.length - TAG_BYTES)
  try {
    const decipher = crypto.createDecipheriv(aeadName(key) as 'aes-256-gcm', encKey, nonce, {
      authTagLength: TAG_BYTES,
    })
    if (options.associatedData.length > 0) decipher.setAAD(options.associatedData)
    decipher.setAuthTag(tag)
    const plaintext = Buffer.concat([
      decipher.update(bytes.subarray(NONCE_BYTES, -TAG_BYTES)),
      decipher.final(),
    ])
    return { plaintext, version }
  } catch {
    throw new InvalidRequestError('cipher: message authentication failed')
  }
}
