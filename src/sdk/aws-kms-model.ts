// The KMS model's constraints a request is checked against before it is authorised: blob bounds and enums.
import { optEnum } from './aws-input.ts'
import { boundedBlob, type KmsAction } from './aws-kms-routes.ts'

/** The model's EncryptionAlgorithmSpec; which one a key takes is checked against the key. */
export const ENCRYPTION_ALGORITHMS = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
] as const

/** The model's SigningAlgorithmSpec; which ones a key takes is checked against its spec. */
export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
] as const

export const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const

/** The model's MessageType; EXTERNAL_MU is for ML-DSA keys, which this server does not make. */
export const MESSAGE_TYPES = ['RAW', 'DIGEST', 'EXTERNAL_MU'] as const

/** The model's DataKeySpec (GenerateDataKey's KeySpec). */
export const DATA_KEY_SPECS = ['AES_256', 'AES_128'] as const

/** The blob members of the cryptographic actions and their model bounds (1 to this many bytes). */
const BLOB_BOUNDS: Partial<Record<KmsAction, [string, number][]>> = {
  Encrypt: [['Plaintext', 4096]],
  Decrypt: [['CiphertextBlob', 6144]],
  ReEncrypt: [['CiphertextBlob', 6144]],
  Sign: [['Message', 4096]],
  Verify: [
    ['Message', 4096],
    ['Signature', 6144],
  ],
  GenerateMac: [['Message', 4096]],
  VerifyMac: [
    ['Message', 4096],
    ['Mac', 6144],
  ],
}

/** The enum members of the cryptographic actions, when present. */
const ENUMS: Partial<Record<KmsAction, [string, readonly string[]][]>> = {
  Encrypt: [['EncryptionAlgorithm', ENCRYPTION_ALGORITHMS]],
  Decrypt: [['EncryptionAlgorithm', ENCRYPTION_ALGORITHMS]],
  ReEncrypt: [
    ['SourceEncryptionAlgorithm', ENCRYPTION_ALGORITHMS],
    ['DestinationEncryptionAlgorithm', ENCRYPTION_ALGORITHMS],
  ],
  GenerateDataKey: [['KeySpec', DATA_KEY_SPECS]],
  GenerateDataKeyWithoutPlaintext: [['KeySpec', DATA_KEY_SPECS]],
  Sign: [
    ['SigningAlgorithm', SIGNING_ALGORITHMS],
    ['MessageType', MESSAGE_TYPES],
  ],
  Verify: [
    ['SigningAlgorithm', SIGNING_ALGORITHMS],
    ['MessageType', MESSAGE_TYPES],
  ],
  GenerateMac: [['MacAlgorithm', MAC_ALGORITHMS]],
  VerifyMac: [['MacAlgorithm', MAC_ALGORITHMS]],
}

/**
 * AWS checks a request against its model before it authorises it: a blob out of bounds or a value outside an enum
 * is a ValidationException even for a caller who may not make the call. The engine checks the same again, with the
 * rest of the model, for calls that reach it another way.
 */
export function checkKmsModel(action: KmsAction, input: Record<string, unknown>): void {
  for (const [name, max] of BLOB_BOUNDS[action] ?? []) boundedBlob(input, name, max)
  for (const [name, values] of ENUMS[action] ?? []) optEnum(input, name, values)
}
