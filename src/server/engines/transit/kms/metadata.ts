// A KMS key's metadata beside its transit key (kms/keys/<id>): usage, spec, state, description and tags.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { getJson, putJson, type Storage } from '../../../../sdk/storage.ts'
import type { KeyType } from '../key-types.ts'

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion'
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC'

export interface Tag {
  TagKey: string
  TagValue: string
}

export interface KmsKeyMeta {
  keyId: string
  /** Unix seconds. */
  creationDate: number
  description: string
  keyUsage: KeyUsage
  keySpec: string
  keyState: KeyState
  /** Unix seconds; set while PendingDeletion. */
  deletionDate?: number
  pendingWindowInDays?: number
  tags: Tag[]
  /** The key policy document CreateKey or PutKeyPolicy gave; absent for AWS's default one (policy-actions.ts). */
  policy?: string
  /** The transit versions RotateKeyOnDemand made; any other version past the first was an automatic rotation. */
  onDemandRotations?: number[]
}

export const META_PREFIX = 'kms/keys/'

export function loadMeta(storage: Storage, keyId: string): Promise<KmsKeyMeta | undefined> {
  return getJson<KmsKeyMeta>(storage, META_PREFIX + keyId)
}

export async function saveMeta(storage: Storage, meta: KmsKeyMeta): Promise<void> {
  await putJson(storage, META_PREFIX + meta.keyId, meta)
}

/**
 * A KMS key that does not exist. AWS names it by its key ARN, which needs the request's region and account:
 * dispatch.ts words it so (keyNotFoundArn); out of a request it names the key id.
 */
export class KeyNotFoundError extends AwsError {
  readonly keyId: string
  constructor(keyId: string, arn = keyId) {
    super('NotFoundException', `Key '${arn}' does not exist`)
    this.keyId = keyId
  }
}

export const keyNotFound = (keyId: string) => new KeyNotFoundError(keyId)

export async function requireMeta(storage: Storage, keyId: string): Promise<KmsKeyMeta> {
  const meta = await loadMeta(storage, keyId)
  if (meta === undefined) throw keyNotFound(keyId)
  return meta
}

/** A key that may be used for cryptography: Enabled; AWS answers Disabled and PendingDeletion differently. */
export function requireEnabled(meta: KmsKeyMeta, arn: string): void {
  if (meta.keyState === 'Disabled') throw new AwsError('DisabledException', `${arn} is disabled.`)
  if (meta.keyState === 'PendingDeletion')
    throw new AwsError('KMSInvalidStateException', `${arn} is pending deletion.`)
}

export function requireUsage(meta: KmsKeyMeta, usage: KeyUsage, action: string): void {
  if (meta.keyUsage !== usage)
    throw new AwsError(
      'InvalidKeyUsageException',
      `KeyUsage ${meta.keyUsage} is not compatible with KMS operation ${action}.`,
    )
}

interface SpecInfo {
  type: KeyType
  usages: KeyUsage[]
  encryptionAlgorithms?: string[]
  signingAlgorithms?: string[]
  macAlgorithms?: string[]
  /** The hmac type's key size in bytes. */
  hmacKeyBytes?: number
}

/** AWS key specs and the transit key type behind each, with the usages AWS allows for it. */
export const KEY_SPECS: Record<string, SpecInfo> = {
  SYMMETRIC_DEFAULT: {
    type: 'aes256-gcm96',
    usages: ['ENCRYPT_DECRYPT'],
    encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  },
  RSA_2048: rsa('rsa-2048'),
  RSA_3072: rsa('rsa-3072'),
  RSA_4096: rsa('rsa-4096'),
  ECC_NIST_P256: ecc('ecdsa-p256', 'ECDSA_SHA_256'),
  ECC_NIST_P384: ecc('ecdsa-p384', 'ECDSA_SHA_384'),
  ECC_NIST_P521: ecc('ecdsa-p521', 'ECDSA_SHA_512'),
  ECC_SECG_P256K1: ecc('ecdsa-secp256k1', 'ECDSA_SHA_256'),
  ECC_NIST_EDWARDS25519: {
    type: 'ed25519',
    usages: ['SIGN_VERIFY'],
    signingAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
  },
  HMAC_224: hmac(224),
  HMAC_256: hmac(256),
  HMAC_384: hmac(384),
  HMAC_512: hmac(512),
}

/** The model's KeySpec enum: the specs above, and those AWS has that this server does not make. */
export const MODEL_KEY_SPECS = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
  'ECC_NIST_EDWARDS25519',
]

/**
 * An HMAC key of `bits`, MACing with the SHA-2 hash of that size. Its material is as long as the digest, but at
 * least the 32 bytes transit's hmac type holds (HMAC_224 then has a longer key than AWS's, which no MAC shows).
 */
function hmac(bits: 224 | 256 | 384 | 512): SpecInfo {
  return {
    type: 'hmac',
    usages: ['GENERATE_VERIFY_MAC'],
    macAlgorithms: [`HMAC_SHA_${bits}`],
    hmacKeyBytes: Math.max(32, bits / 8),
  }
}

function rsa(type: KeyType): SpecInfo {
  return {
    type,
    usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    signingAlgorithms: [
      'RSASSA_PSS_SHA_256',
      'RSASSA_PSS_SHA_384',
      'RSASSA_PSS_SHA_512',
      'RSASSA_PKCS1_V1_5_SHA_256',
      'RSASSA_PKCS1_V1_5_SHA_384',
      'RSASSA_PKCS1_V1_5_SHA_512',
    ],
  }
}

function ecc(type: KeyType, algorithm: string): SpecInfo {
  return { type, usages: ['SIGN_VERIFY'], signingAlgorithms: [algorithm] }
}

export function keyArn(region: string, account: string, keyId: string): string {
  return `arn:aws:kms:${region}:${account}:key/${keyId}`
}

/** DescribeKey's KeyMetadata. */
export function keyMetadata(meta: KmsKeyMeta, arn: string, account: string): Record<string, unknown> {
  const spec = KEY_SPECS[meta.keySpec]
  const out: Record<string, unknown> = {
    AWSAccountId: account,
    KeyId: meta.keyId,
    Arn: arn,
    CreationDate: meta.creationDate,
    Enabled: meta.keyState === 'Enabled',
    Description: meta.description,
    KeyUsage: meta.keyUsage,
    KeyState: meta.keyState,
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: meta.keySpec,
    KeySpec: meta.keySpec,
    MultiRegion: false,
  }
  if (meta.deletionDate !== undefined) {
    out['DeletionDate'] = meta.deletionDate
    out['PendingDeletionWindowInDays'] = meta.pendingWindowInDays
  }
  if (meta.keyUsage === 'ENCRYPT_DECRYPT' && spec?.encryptionAlgorithms)
    out['EncryptionAlgorithms'] = spec.encryptionAlgorithms
  if (meta.keyUsage === 'SIGN_VERIFY' && spec?.signingAlgorithms)
    out['SigningAlgorithms'] = spec.signingAlgorithms
  if (meta.keyUsage === 'GENERATE_VERIFY_MAC' && spec?.macAlgorithms)
    out['MacAlgorithms'] = spec.macAlgorithms
  return out
}
