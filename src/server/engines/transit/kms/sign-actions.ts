// KMS Sign, Verify, GetPublicKey, GenerateMac and VerifyMac on transit keys, with AWS's algorithms and raw signatures.
import crypto from 'node:crypto'
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optEnum, validation } from '../../../../sdk/aws-input.ts'
import { MAC_ALGORITHMS, MESSAGE_TYPES, SIGNING_ALGORITHMS } from '../../../../sdk/aws-kms-model.ts'
import { boundedBlob } from '../../../../sdk/aws-kms-routes.ts'
import { signDigestEcdsa, verifyDigestEcdsa } from '../digest-ecdsa.ts'
import { signDigestPss, verifyDigestPss } from '../digest-pss.ts'
import { digestLength, signDigestPkcs1, verifyDigestPkcs1 } from '../digest-signing.ts'
import { isEcdsa, isRsa } from '../key-types.ts'
import { liveVersions, privateKeyOf, requireKey, type TransitKey, versionOf } from '../model.ts'
import { SALT_HASH } from '../pss-salt.ts'
import type { KmsContext } from './context.ts'
import {
  isEd25519Algorithm,
  requireEd25519MessageType,
  signEd25519,
  verifyEd25519,
} from './ed25519-signing.ts'
import { KEY_SPECS, type KmsKeyMeta, requireEnabled, requireMeta, requireUsage } from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

const MAX_MESSAGE = 4096
/** The model's bound on a Signature or a Mac. */
const MAX_SIGNATURE = 6144

async function usableKey(
  ctx: KmsContext,
  keyId: string,
  usage: 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC',
  action: string,
): Promise<{ meta: KmsKeyMeta; key: TransitKey }> {
  const meta = await requireMeta(ctx.storage, keyId)
  requireEnabled(meta, ctx.arn(keyId))
  requireUsage(meta, usage, action)
  return { meta, key: await requireKey(ctx.storage, keyId) }
}

/** Node's options for an AWS signing algorithm: the digest, and PSS with a salt as long as the digest, as AWS signs. */
function signingOptions(
  meta: KmsKeyMeta,
  algorithm: string,
): { digest: string; padding?: number; saltLength?: number } {
  const allowed = KEY_SPECS[meta.keySpec]?.signingAlgorithms ?? []
  if (!allowed.includes(algorithm))
    throw new AwsError(
      'InvalidKeyUsageException',
      `Signing algorithm ${algorithm} is not supported by this key; it supports ${allowed.join(', ')}.`,
    )
  const bits = algorithm.slice(-3)
  const digest = `sha${bits}`
  if (algorithm.startsWith('RSASSA_PSS_'))
    return { digest, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 }
  if (algorithm.startsWith('RSASSA_PKCS1_V1_5_'))
    return { digest, padding: crypto.constants.RSA_PKCS1_PADDING }
  return { digest }
}

/** The Message, and whether it is a digest the caller computed (MessageType DIGEST) rather than the message. */
function message(input: Input): { bytes: Buffer; isDigest: boolean } {
  const messageType = optEnum(input, 'MessageType', MESSAGE_TYPES) ?? 'RAW'
  if (messageType === 'EXTERNAL_MU')
    throw new AwsError(
      'ValidationException',
      'MessageType EXTERNAL_MU is for ML-DSA keys, which this server does not have.',
    )
  const bytes = boundedBlob(input, 'Message', MAX_MESSAGE)
  return { bytes, isDigest: messageType === 'DIGEST' }
}

/** A DIGEST message is signed as is: AWS wants it exactly as long as the algorithm's digest. */
function checkDigest(algorithm: string, digest: string, bytes: Buffer): void {
  if (bytes.length !== digestLength(digest))
    throw new AwsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}.`)
}

/** The signature of a caller's digest: PKCS#1 v1.5, PSS with a salt as long as the digest, or DER ECDSA, as AWS. */
function signDigest(
  key: TransitKey,
  privateKey: crypto.KeyObject,
  algorithm: string,
  digest: string,
  data: Buffer,
) {
  if (isEcdsa(key.type)) return signDigestEcdsa(key.type, privateKey, data, 'der')
  if (algorithm.startsWith('RSASSA_PSS_')) return signDigestPss(privateKey, digest, data, SALT_HASH)
  return signDigestPkcs1(privateKey, digest, data)
}

function verifyDigest(
  key: TransitKey,
  publicKey: crypto.KeyObject,
  algorithm: string,
  digest: string,
  data: Buffer,
  signature: Buffer,
): boolean {
  if (isEcdsa(key.type)) return verifyDigestEcdsa(key.type, publicKey, data, signature, 'der')
  if (algorithm.startsWith('RSASSA_PSS_'))
    return verifyDigestPss(publicKey, digest, data, signature, SALT_HASH)
  return verifyDigestPkcs1(publicKey, digest, data, signature)
}

function signingAlgorithm(input: Input): string {
  const algorithm = optEnum(input, 'SigningAlgorithm', SIGNING_ALGORITHMS)
  if (algorithm === undefined) throw validation('signingAlgorithm', 'Member must not be null')
  return algorithm
}

export async function signAction(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const { bytes: data, isDigest } = message(input)
  const algorithm = signingAlgorithm(input)
  const { meta, key } = await usableKey(ctx, keyId, 'SIGN_VERIFY', 'Sign')
  const { digest, ...padding } = signingOptions(meta, algorithm)
  if (isEd25519Algorithm(algorithm)) requireEd25519MessageType(algorithm, isDigest)
  if (isDigest) checkDigest(algorithm, digest, data)
  const privateKey = privateKeyOf(versionOf(key, key.latest_version))
  const signature = isEd25519Algorithm(algorithm)
    ? signEd25519(privateKey, algorithm, data)
    : isDigest
      ? signDigest(key, privateKey, algorithm, digest, data)
      : crypto.sign(digest, data, { key: privateKey, ...padding })
  return { KeyId: ctx.arn(keyId), Signature: signature.toString('base64'), SigningAlgorithm: algorithm }
}

/** A signature is valid when any live version verifies it (a KMS signature does not name its version). */
export async function verifyAction(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const { bytes: data, isDigest } = message(input)
  const algorithm = signingAlgorithm(input)
  const signature = boundedBlob(input, 'Signature', MAX_SIGNATURE)
  const { meta, key } = await usableKey(ctx, keyId, 'SIGN_VERIFY', 'Verify')
  const { digest, ...padding } = signingOptions(meta, algorithm)
  if (isEd25519Algorithm(algorithm)) requireEd25519MessageType(algorithm, isDigest)
  if (isDigest) checkDigest(algorithm, digest, data)
  const valid = liveVersions(key).some(([, entry]) => {
    const publicKey = crypto.createPublicKey(privateKeyOf(entry))
    if (isEd25519Algorithm(algorithm)) return verifyEd25519(publicKey, algorithm, data, signature)
    if (isDigest) return verifyDigest(key, publicKey, algorithm, digest, data, signature)
    try {
      return crypto.verify(digest, data, { key: publicKey, ...padding }, signature)
    } catch {
      return false
    }
  })
  if (!valid) throw new AwsError('KMSInvalidSignatureException', 'The signature is not valid.')
  return { KeyId: ctx.arn(keyId), SignatureValid: true, SigningAlgorithm: algorithm }
}

export async function getPublicKey(ctx: KmsContext, keyId: string): Promise<Output> {
  const meta = await requireMeta(ctx.storage, keyId)
  requireEnabled(meta, ctx.arn(keyId))
  const key = await requireKey(ctx.storage, keyId)
  const spec = KEY_SPECS[meta.keySpec]
  if (!isRsa(key.type) && !isEcdsa(key.type) && key.type !== 'ed25519')
    throw new AwsError('UnsupportedOperationException', 'GetPublicKey needs an asymmetric key.')
  const der = crypto
    .createPublicKey(privateKeyOf(versionOf(key, key.latest_version)))
    .export({ format: 'der', type: 'spki' })
  const out: Output = {
    KeyId: ctx.arn(keyId),
    PublicKey: der.toString('base64'),
    KeySpec: meta.keySpec,
    CustomerMasterKeySpec: meta.keySpec,
    KeyUsage: meta.keyUsage,
  }
  if (meta.keyUsage === 'SIGN_VERIFY') out['SigningAlgorithms'] = spec?.signingAlgorithms
  else out['EncryptionAlgorithms'] = spec?.encryptionAlgorithms
  return out
}

function macAlgorithm(input: Input): string {
  const algorithm = optEnum(input, 'MacAlgorithm', MAC_ALGORITHMS)
  if (algorithm === undefined) throw validation('macAlgorithm', 'Member must not be null')
  return algorithm
}

/** An HMAC key MACs with the one algorithm of its KeySpec (HMAC_384: HMAC_SHA_384), as on AWS. */
function requireMacAlgorithm(meta: KmsKeyMeta, algorithm: string): void {
  const allowed = KEY_SPECS[meta.keySpec]?.macAlgorithms ?? []
  if (!allowed.includes(algorithm))
    throw new AwsError(
      'InvalidKeyUsageException',
      `MAC algorithm ${algorithm} is not supported by this key; it supports ${allowed.join(', ')}.`,
    )
}

/** HMAC_SHA_384 is HMAC with SHA-384. */
function mac(algorithm: string, hmacKey: string, data: Buffer): Buffer {
  const hash = `sha${algorithm.slice(-3)}`
  return crypto.createHmac(hash, Buffer.from(hmacKey, 'base64')).update(data).digest()
}

export async function generateMac(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const data = boundedBlob(input, 'Message', MAX_MESSAGE)
  const algorithm = macAlgorithm(input)
  const { meta, key } = await usableKey(ctx, keyId, 'GENERATE_VERIFY_MAC', 'GenerateMac')
  requireMacAlgorithm(meta, algorithm)
  const value = mac(algorithm, versionOf(key, key.latest_version).hmac_key, data)
  return { KeyId: ctx.arn(keyId), Mac: value.toString('base64'), MacAlgorithm: algorithm }
}

export async function verifyMac(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const data = boundedBlob(input, 'Message', MAX_MESSAGE)
  const given = boundedBlob(input, 'Mac', MAX_SIGNATURE)
  const algorithm = macAlgorithm(input)
  const { meta, key } = await usableKey(ctx, keyId, 'GENERATE_VERIFY_MAC', 'VerifyMac')
  requireMacAlgorithm(meta, algorithm)
  const valid = liveVersions(key).some(([, entry]) => {
    const expected = mac(algorithm, entry.hmac_key, data)
    return expected.length === given.length && crypto.timingSafeEqual(expected, given)
  })
  if (!valid) throw new AwsError('KMSInvalidMacException', 'The MAC is not valid.')
  return { KeyId: ctx.arn(keyId), MacValid: true, MacAlgorithm: algorithm }
}
