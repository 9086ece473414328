// KMS cryptographic actions on transit keys: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and GenerateRandom.
import crypto from 'node:crypto'
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optEnum, optInt, optString, validation } from '../../../../sdk/aws-input.ts'
import { DATA_KEY_SPECS, ENCRYPTION_ALGORITHMS } from '../../../../sdk/aws-kms-model.ts'
import {
  blobField,
  boundedBlob,
  decodeBlob,
  encodeBlob,
  isEncodedBlob,
} from '../../../../sdk/aws-kms-routes.ts'
import { isAppError } from '../../../../sdk/errors.ts'
import { decrypt, encrypt, encryptionVersion } from '../encryption.ts'
import { isRsa } from '../key-types.ts'
import { requireKey, type TransitKey } from '../model.ts'
import type { KmsContext } from './context.ts'
import { KEY_SPECS, type KmsKeyMeta, requireEnabled, requireMeta, requireUsage } from './metadata.ts'
import { rsaOpen, rsaSeal } from './rsa-oaep.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

const MAX_PLAINTEXT = 4096

/**
 * The EncryptionContext as additional authenticated data: its pairs sorted by key, as JSON, so the same context in
 * any order authenticates and any other context fails. No context is no AAD (the blob then decrypts through transit too).
 */
function contextAad(input: Input): Buffer {
  const raw = input['EncryptionContext']
  if (raw === undefined || raw === null) return Buffer.alloc(0)
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw validation('encryptionContext', 'Member must be a map')
  const entries = Object.entries(raw as Record<string, unknown>)
  if (entries.some(([, v]) => typeof v !== 'string'))
    throw validation('encryptionContext', 'Member must be a map of strings')
  if (entries.length === 0) return Buffer.alloc(0)
  return Buffer.from(JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), 'utf8')
}

/** The key for encryption: Enabled, ENCRYPT_DECRYPT, and the algorithm its spec uses. */
export async function encryptionKey(
  ctx: KmsContext,
  keyId: string,
  input: Input,
  action: string,
): Promise<{ meta: KmsKeyMeta; key: TransitKey; algorithm: string }> {
  const meta = await requireMeta(ctx.storage, keyId)
  requireEnabled(meta, ctx.arn(keyId))
  requireUsage(meta, 'ENCRYPT_DECRYPT', action)
  const key = await requireKey(ctx.storage, keyId)
  const allowed = KEY_SPECS[meta.keySpec]?.encryptionAlgorithms ?? []
  // An asymmetric key has no default: the caller names the algorithm, as AWS requires.
  const algorithm =
    optEnum(input, 'EncryptionAlgorithm', ENCRYPTION_ALGORITHMS) ??
    (isRsa(key.type) ? '' : 'SYMMETRIC_DEFAULT')
  if (!allowed.includes(algorithm))
    throw new AwsError(
      'InvalidKeyUsageException',
      `This key supports the encryption algorithms ${allowed.join(', ')} only.`,
    )
  if (isRsa(key.type) && contextAad(input).length > 0)
    throw new AwsError('ValidationException', 'EncryptionContext is not supported with asymmetric keys.')
  return { meta, key, algorithm }
}

/** encryptionKey for the data-key actions, which seal under a symmetric key only. */
export async function symmetricEncryptionKey(
  ctx: KmsContext,
  keyId: string,
  input: Input,
  action: string,
): Promise<TransitKey> {
  const { key } = await encryptionKey(ctx, keyId, input, action)
  if (isRsa(key.type))
    throw new AwsError('InvalidKeyUsageException', `${action} needs a symmetric encryption key.`)
  return key
}

export function seal(key: TransitKey, keyId: string, plaintext: Buffer, input: Input): Buffer {
  try {
    const ciphertext = encrypt(key, encryptionVersion(key, undefined), plaintext, {
      context: Buffer.alloc(0),
      nonce: Buffer.alloc(0),
      associatedData: contextAad(input),
    })
    return encodeBlob(keyId, ciphertext)
  } catch (error) {
    // Transit's own refusals (an RSA plaintext too long for the modulus) are the caller's input.
    if (isAppError(error) && error.status < 500) throw new AwsError('ValidationException', error.message)
    throw error
  }
}

export async function encryptAction(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const plaintext = boundedBlob(input, 'Plaintext', MAX_PLAINTEXT)
  const { key, algorithm } = await encryptionKey(ctx, keyId, input, 'Encrypt')
  const blob = isRsa(key.type) ? rsaSeal(key, algorithm, plaintext) : seal(key, keyId, plaintext, input)
  return {
    CiphertextBlob: blob.toString('base64'),
    KeyId: ctx.arn(keyId),
    EncryptionAlgorithm: algorithm,
  }
}

/** The key a CiphertextBlob names, read without decrypting (the adapter routes Decrypt by it). */
export function blobKeyId(input: Input): string {
  return decodeBlob(blobField(input, 'CiphertextBlob') as Buffer).keyId
}

/**
 * The key a CiphertextBlob names, or undefined for a raw RSA ciphertext, which names none (Decrypt then needs the
 * KeyId, as AWS does for asymmetric keys).
 */
export function blobKeyIdIfAny(input: Input): string | undefined {
  const blob = blobField(input, 'CiphertextBlob') as Buffer
  return isEncodedBlob(blob) ? decodeBlob(blob).keyId : undefined
}

export async function decryptAction(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const blob = blobField(input, 'CiphertextBlob') as Buffer
  const { key, algorithm } = await encryptionKey(ctx, keyId, input, 'Decrypt')
  // An RSA key's ciphertext is raw OAEP, as AWS's (and as anyone with its public key makes one); a blob in this
  // server's own format is one an RSA key made before, under RSAES_OAEP_SHA_256.
  if (isRsa(key.type) && (!isEncodedBlob(blob) || algorithm !== 'RSAES_OAEP_SHA_256'))
    return {
      Plaintext: rsaOpen(key, algorithm, blob).toString('base64'),
      KeyId: ctx.arn(keyId),
      EncryptionAlgorithm: algorithm,
    }
  const { ciphertext } = decodeBlob(blob)
  // Read before the attempt: a malformed EncryptionContext is the caller's input, not an invalid ciphertext.
  const associatedData = contextAad(input)
  let plaintext: Buffer
  try {
    plaintext = decrypt(key, ciphertext, {
      context: Buffer.alloc(0),
      nonce: Buffer.alloc(0),
      associatedData,
    }).plaintext
  } catch {
    // A wrong EncryptionContext, a forged or truncated blob, a trimmed version: AWS says only "invalid".
    throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.')
  }
  return {
    Plaintext: plaintext.toString('base64'),
    KeyId: ctx.arn(keyId),
    EncryptionAlgorithm: algorithm,
  }
}

function dataKeyBytes(input: Input): number {
  const spec = optString(input, 'KeySpec')
  const count = optInt(input, 'NumberOfBytes', 1, 1024)
  if ((spec === undefined) === (count === undefined))
    throw new AwsError('ValidationException', 'Please specify either KeySpec or NumberOfBytes, but not both.')
  if (count !== undefined) return count
  if (spec === 'AES_256') return 32
  if (spec === 'AES_128') return 16
  throw validation('keySpec', `Member must satisfy enum value set: [${DATA_KEY_SPECS.join(', ')}]`)
}

export async function generateDataKey(
  ctx: KmsContext,
  keyId: string,
  input: Input,
  withPlaintext: boolean,
): Promise<Output> {
  const bytes = dataKeyBytes(input)
  const action = withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext'
  const key = await symmetricEncryptionKey(ctx, keyId, input, action)
  const dataKey = crypto.randomBytes(bytes)
  const out: Output = {
    CiphertextBlob: seal(key, keyId, dataKey, input).toString('base64'),
    KeyId: ctx.arn(keyId),
  }
  if (withPlaintext) out['Plaintext'] = dataKey.toString('base64')
  return out
}

export function generateRandom(input: Input): Output {
  const count = optInt(input, 'NumberOfBytes', 1, 1024)
  if (count === undefined) throw validation('numberOfBytes', 'Member must not be null')
  // Random bytes from a custom key store's HSM were asked for; there is none to take them from.
  if (optString(input, 'CustomKeyStoreId', { min: 1, max: 64 }) !== undefined)
    throw new AwsError('CustomKeyStoreNotFoundException', 'There are no custom key stores on this server.')
  return { Plaintext: crypto.randomBytes(count).toString('base64') }
}
