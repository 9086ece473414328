// The transit key types: what each supports and how its key material is generated, as Vault defines them.
import crypto from 'node:crypto'
import { promisify } from 'node:util'

export const KEY_TYPES = [
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'ed25519',
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'hmac',
] as const

/**
 * Types only a KMS key has (ECC_SECG_P256K1): Vault has no such transit type, so its API creates and imports none,
 * but transit signs and verifies with them as with its own ECDSA types.
 */
export const KMS_ONLY_KEY_TYPES = ['ecdsa-secp256k1'] as const

export type KeyType = (typeof KEY_TYPES)[number] | (typeof KMS_ONLY_KEY_TYPES)[number]

/** A type Vault's API creates and imports. */
export function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value)
}

/** A type a stored key may have: Vault's, or one only KMS keys have. */
export function isStoredKeyType(value: string): value is KeyType {
  return isKeyType(value) || (KMS_ONLY_KEY_TYPES as readonly string[]).includes(value)
}

export function isSymmetric(type: KeyType): boolean {
  return type === 'aes128-gcm96' || type === 'aes256-gcm96' || type === 'chacha20-poly1305'
}

export function isRsa(type: KeyType): boolean {
  return type.startsWith('rsa-')
}

export function isEcdsa(type: KeyType): boolean {
  return type.startsWith('ecdsa-')
}

/** Asymmetric types keep a private key and publish a public key per version. */
export function isAsymmetric(type: KeyType): boolean {
  return type === 'ed25519' || isEcdsa(type) || isRsa(type)
}

export function supportsEncryption(type: KeyType): boolean {
  return isSymmetric(type) || isRsa(type)
}

export function supportsSigning(type: KeyType): boolean {
  return isAsymmetric(type)
}

/** Types whose keys may be derived per request from a context (Vault: symmetric types and ed25519). */
export function supportsDerivation(type: KeyType): boolean {
  return isSymmetric(type) || type === 'ed25519'
}

/** Bytes of a symmetric encryption key. */
export function symmetricKeySize(type: KeyType): number {
  return type === 'aes128-gcm96' ? 16 : 32
}

const CURVES: Record<string, string> = {
  'ecdsa-p256': 'P-256',
  'ecdsa-p384': 'P-384',
  'ecdsa-p521': 'P-521',
  'ecdsa-secp256k1': 'secp256k1',
}

/** The name Vault shows beside a public key: the curve, ed25519, or the RSA type. */
export function publicKeyName(type: KeyType): string {
  return CURVES[type] ?? type
}

/** The hash Go pairs with each curve's size for JWS marshaling: the byte length of r and s. */
export function ecdsaCoordinateBytes(type: KeyType): number {
  return type === 'ecdsa-p256' || type === 'ecdsa-secp256k1' ? 32 : type === 'ecdsa-p384' ? 48 : 66
}

/** Node's names of the curves, as a private key's asymmetricKeyDetails report them. */
const NODE_CURVES: Record<string, string> = {
  'ecdsa-p256': 'prime256v1',
  'ecdsa-p384': 'secp384r1',
  'ecdsa-p521': 'secp521r1',
  'ecdsa-secp256k1': 'secp256k1',
}

/** Whether a private key is of `type`: the algorithm, and the curve or modulus size the type names. */
export function privateKeyMatchesType(type: KeyType, privateKey: crypto.KeyObject): boolean {
  const details = privateKey.asymmetricKeyDetails ?? {}
  return (
    (type === 'ed25519' && privateKey.asymmetricKeyType === 'ed25519') ||
    (isEcdsa(type) && privateKey.asymmetricKeyType === 'ec' && details.namedCurve === NODE_CURVES[type]) ||
    (isRsa(type) && privateKey.asymmetricKeyType === 'rsa' && details.modulusLength === Number(type.slice(4)))
  )
}

const generateKeyPair = promisify(crypto.generateKeyPair)

/** A fresh private key for an asymmetric type, as PKCS#8 PEM; generated off the event loop (RSA-4096 takes a while). */
export async function generatePrivateKey(type: KeyType): Promise<string> {
  const pair =
    type === 'ed25519'
      ? await generateKeyPair('ed25519')
      : isEcdsa(type)
        ? await generateKeyPair('ec', { namedCurve: CURVES[type] as string })
        : await generateKeyPair('rsa', { modulusLength: Number(type.slice('rsa-'.length)) })
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}
