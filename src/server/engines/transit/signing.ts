// Signatures with Vault's conventions: hash_algorithm, prehashed, PSS or PKCS#1 v1.5, ASN.1 or JWS marshaling for ECDSA.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { digestName } from '../../../sdk/hash-algorithms.ts'
import { deriveKey } from './derive.ts'
import { type EcdsaEncoding, signDigestEcdsa, verifyDigestEcdsa } from './digest-ecdsa.ts'
import { signDigestPss, verifyDigestPss } from './digest-pss.ts'
import { digestLength, signDigestPkcs1, verifyDigestPkcs1 } from './digest-signing.ts'
import { decodeBase64 } from './encoding.ts'
import { ecdsaCoordinateBytes, isEcdsa, isRsa, supportsSigning } from './key-types.ts'
import { privateKeyOf, type TransitKey, versionOf } from './model.ts'
import { checkSaltLength, nodeSaltLength } from './pss-salt.ts'
import { formatVersioned, parseVersioned } from './versioned-value.ts'

export interface SignOptions {
  hashAlgorithm: string
  prehashed: boolean
  signatureAlgorithm: string
  marshalingAlgorithm: string
  /** RSA-PSS salt length as Go counts it (pss-salt.ts): 0 auto, -1 the digest's length, else bytes. */
  saltLength: number
  context: Buffer
}

/** Vault's marshaling names; JWS signatures are base64url without padding, ASN.1 ones standard base64. */
function checkMarshaling(key: TransitKey, marshaling: string): void {
  if (marshaling !== 'asn1' && marshaling !== 'jws')
    throw new InvalidRequestError(`unsupported marshaling type ${marshaling}`)
  if (marshaling === 'jws' && !isEcdsa(key.type) && key.type !== 'ed25519' && !isRsa(key.type))
    throw new InvalidRequestError(`unsupported marshaling type ${marshaling}`)
}

function privateKeyFor(key: TransitKey, version: number, context: Buffer): crypto.KeyObject {
  const entry = versionOf(key, version)
  if (key.type === 'ed25519' && key.derived) {
    // Vault derives a 32-byte Ed25519 seed with HKDF over Go's 64-byte private key (seed | public key).
    const seed = deriveKey(ed25519GoPrivateKey(entry.private_key ?? ''), context, 32)
    return ed25519FromSeed(seed)
  }
  return privateKeyOf(entry)
}

/** Go's form of an Ed25519 private key: the 32-byte seed then the 32-byte public key. */
export function ed25519GoPrivateKey(pem: string): Buffer {
  const privateKey = crypto.createPrivateKey(pem)
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32)
  const publicKey = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32)
  return Buffer.concat([seed, publicKey])
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function ed25519FromSeed(seed: Buffer): crypto.KeyObject {
  return crypto.createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
}

function rsaAlgorithm(algorithm: string): 'pss' | 'pkcs1v15' {
  if (algorithm === 'pss' || algorithm === '') return 'pss'
  if (algorithm === 'pkcs1v15') return 'pkcs1v15'
  throw new InvalidRequestError(`unsupported rsa signature algorithm ${algorithm}`)
}

/**
 * The digest algorithm Node signs with, or for `prehashed` input (a digest the caller computed) the digest it is
 * of. Node hashes whatever crypto.sign is given, so a digest is signed by digest-signing.ts (PKCS#1 v1.5),
 * digest-pss.ts and digest-ecdsa.ts instead. hash_algorithm=none is Vault's PKCS#1 v1.5 signature of the input as
 * is; ECDSA ignores the hash of prehashed input, as Vault does.
 */
function signingInput(
  key: TransitKey,
  input: Buffer,
  options: SignOptions,
): { digest: string | null; data: Buffer; prehashed: boolean } {
  if (key.type === 'ed25519') return { digest: null, data: input, prehashed: false }
  const none = options.hashAlgorithm === 'none'
  if (none && !(options.prehashed && options.signatureAlgorithm === 'pkcs1v15'))
    throw new InvalidRequestError(
      'hash_algorithm=none requires prehashed=true and signature_algorithm=pkcs1v15',
    )
  if (!options.prehashed) return { digest: digestName(options.hashAlgorithm), data: input, prehashed: false }
  return { digest: none ? null : digestName(options.hashAlgorithm), data: input, prehashed: true }
}

/** Vault's range check of an RSA-PSS salt length, against the key's size and the digest's length. */
function checkPssSalt(key: crypto.KeyObject, digest: string, saltLength: number): void {
  checkSaltLength(saltLength, key.asymmetricKeyDetails?.modulusLength ?? 0, digestLength(digest))
}

function ecdsaEncoding(options: SignOptions): EcdsaEncoding {
  return options.marshalingAlgorithm === 'jws' ? 'ieee-p1363' : 'der'
}

/** A signature of a digest the caller computed (`digest` is null only for RSA PKCS#1 v1.5 with hash_algorithm=none). */
function signPrehashed(
  key: TransitKey,
  privateKey: crypto.KeyObject,
  digest: string | null,
  data: Buffer,
  options: SignOptions,
): Buffer {
  if (isEcdsa(key.type)) return signDigestEcdsa(key.type, privateKey, data, ecdsaEncoding(options))
  if (rsaAlgorithm(options.signatureAlgorithm) === 'pkcs1v15')
    return signDigestPkcs1(privateKey, digest, data)
  return signDigestPss(privateKey, digest ?? '', data, options.saltLength)
}

function verifyPrehashed(
  key: TransitKey,
  publicKey: crypto.KeyObject,
  digest: string | null,
  data: Buffer,
  signature: Buffer,
  options: SignOptions,
): boolean {
  if (isEcdsa(key.type))
    return verifyDigestEcdsa(key.type, publicKey, data, signature, ecdsaEncoding(options))
  if (rsaAlgorithm(options.signatureAlgorithm) === 'pkcs1v15')
    return verifyDigestPkcs1(publicKey, digest, data, signature)
  return verifyDigestPss(publicKey, digest ?? '', data, signature, options.saltLength)
}

/** Node's options for a non-prehashed RSA signature: the padding and, for PSS, the checked salt length. */
function rsaOptions(
  key: crypto.KeyObject,
  digest: string,
  options: SignOptions,
  operation: 'sign' | 'verify',
): { padding: number; saltLength?: number } {
  if (rsaAlgorithm(options.signatureAlgorithm) === 'pkcs1v15')
    return { padding: crypto.constants.RSA_PKCS1_PADDING }
  checkPssSalt(key, digest, options.saltLength)
  return {
    padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    saltLength: nodeSaltLength(options.saltLength, operation),
  }
}

export function requireSigning(key: TransitKey): void {
  if (!supportsSigning(key.type))
    throw new InvalidRequestError(`key type ${key.type} does not support signing`)
}

/** `vault:v<N>:<signature>` for `input` with the given version. */
export function sign(key: TransitKey, version: number, input: Buffer, options: SignOptions): string {
  requireSigning(key)
  checkMarshaling(key, options.marshalingAlgorithm)
  const { digest, data, prehashed } = signingInput(key, input, options)
  const privateKey = privateKeyFor(key, version, options.context)
  let signature: Buffer
  if (prehashed) signature = signPrehashed(key, privateKey, digest, data, options)
  else if (isRsa(key.type))
    signature = crypto.sign(digest, data, {
      key: privateKey,
      ...rsaOptions(privateKey, digest ?? '', options, 'sign'),
    })
  else if (isEcdsa(key.type))
    signature = crypto.sign(digest, data, { key: privateKey, dsaEncoding: ecdsaEncoding(options) })
  else signature = crypto.sign(null, data, privateKey)
  const text =
    options.marshalingAlgorithm === 'jws' ? signature.toString('base64url') : signature.toString('base64')
  return formatVersioned(version, text)
}

/** Whether `signature` (a `vault:v<N>:` value) is valid for `input`; malformed values are 400s with Vault's text. */
export function verify(key: TransitKey, input: Buffer, signatureText: string, options: SignOptions): boolean {
  requireSigning(key)
  checkMarshaling(key, options.marshalingAlgorithm)
  const { version, payload } = parseVersioned(key, signatureText, 'signature')
  const signature =
    options.marshalingAlgorithm === 'jws'
      ? /^[A-Za-z0-9_-]*$/.test(payload)
        ? Buffer.from(payload, 'base64url')
        : undefined
      : decodeBase64(payload)
  if (signature === undefined) throw new InvalidRequestError('invalid base64 signature value')
  const { digest, data, prehashed } = signingInput(key, input, options)
  const publicKey = crypto.createPublicKey(privateKeyFor(key, version, options.context))
  if (prehashed) return verifyPrehashed(key, publicKey, digest, data, signature, options)
  const rsa = isRsa(key.type) ? rsaOptions(publicKey, digest ?? '', options, 'verify') : undefined
  // A signature of the wrong length or shape is simply invalid; OpenSSL may throw on it instead of answering false.
  try {
    if (rsa) return crypto.verify(digest, data, { key: publicKey, ...rsa }, signature)
    if (isEcdsa(key.type)) {
      if (options.marshalingAlgorithm === 'jws' && signature.length !== 2 * ecdsaCoordinateBytes(key.type))
        return false
      return crypto.verify(digest, data, { key: publicKey, dsaEncoding: ecdsaEncoding(options) }, signature)
    }
    return crypto.verify(null, data, publicKey, signature)
  } catch {
    return false
  }
}

/** The public key Vault shows for a version: base64 raw bytes for Ed25519, PKIX PEM otherwise. */
export function publicKeyText(key: TransitKey, version: number, context?: Buffer): string {
  const privateKey =
    context !== undefined && context.length > 0
      ? privateKeyFor(key, version, context)
      : privateKeyOf(versionOf(key, version))
  const publicKey = crypto.createPublicKey(privateKey)
  if (key.type === 'ed25519') {
    const der = publicKey.export({ format: 'der', type: 'spki' })
    return der.subarray(der.length - 32).toString('base64')
  }
  return publicKey.export({ format: 'pem', type: 'spki' }).toString()
}
