// A version's value under a KMS key (KmsKeyId): AES-256-GCM with a data key from the key's GenerateDataKey, as AWS does.
import { decryptValue, encryptValue } from '../../../lib/sealed-value.ts'
import { AwsError, isAwsError } from '../../../sdk/aws-error.ts'
import type { KeyCaller, KeyService, KmsKeyRef } from '../../../sdk/key-service.ts'
import { isSealed, type SealedValue, type SecretValue, type StoredValue } from './model.ts'

export { isSealed, type SealedValue, type StoredValue }

/** Who may use the keys, and through what: the request being handled, and the server's key service. */
export interface KeyAccess {
  keys?: KeyService | undefined
  /** The request's caller, or `server` for work no caller asked for (never answered to anyone). */
  caller?: KeyCaller | undefined
}

/** The default key AWS manages: no KMS key of ours, the barrier alone protects the value (Coffer's default). */
export function isDefaultKey(kmsKeyId: string | undefined): boolean {
  return (
    kmsKeyId === undefined ||
    kmsKeyId === '' ||
    kmsKeyId === 'alias/aws/secretsmanager' ||
    /^arn:[^:]+:kms:[^:]*:[^:]*:alias\/aws\/secretsmanager$/.test(kmsKeyId)
  )
}

function service(access: KeyAccess): { keys: KeyService; caller: KeyCaller } {
  if (!access.keys)
    throw new AwsError(
      'ResourceNotFoundException',
      'KMS is not enabled on this server: a secret can use only the default key.',
    )
  if (!access.caller) throw new AwsError('AccessDeniedException', 'Access to KMS is not allowed')
  return { keys: access.keys, caller: access.caller }
}

/** The key a KmsKeyId names, for a secret to record: unknown keys are refused. */
export async function resolveKey(access: KeyAccess, kmsKeyId: string): Promise<KmsKeyRef> {
  const { keys, caller } = service(access)
  try {
    return await keys.resolve(caller, kmsKeyId)
  } catch (error) {
    throw smError(error, 'write')
  }
}

const aad = (context: SealedValue['sealed']['context']) =>
  Buffer.from(`${context.SecretARN}\u0000${context.SecretVersionId}`, 'utf8')

/** `value` sealed under `key` for version `versionId` of the secret `secretArn` (kms:GenerateDataKey). */
export async function sealValue(
  access: KeyAccess,
  key: KmsKeyRef,
  secretArn: string,
  versionId: string,
  value: SecretValue,
): Promise<SealedValue> {
  const { keys, caller } = service(access)
  const context = { SecretARN: secretArn, SecretVersionId: versionId }
  let dataKey: { plaintext: Buffer; blob: Buffer }
  try {
    dataKey = await keys.generateDataKey(caller, key.keyId, context)
  } catch (error) {
    throw smError(error, 'write')
  }
  try {
    const data = encryptValue(
      dataKey.plaintext,
      0,
      Buffer.from(JSON.stringify(plainOf(value)), 'utf8'),
      aad(context),
    )
    return {
      sealed: {
        context,
        keys: [{ arn: key.arn, keyId: key.keyId, blob: dataKey.blob.toString('base64') }],
        data: Buffer.from(data).toString('base64'),
      },
    }
  } finally {
    dataKey.plaintext.fill(0)
  }
}

/**
 * The value a stored version holds: as is when the barrier alone protects it, else opened with the first of its
 * KMS keys the caller may decrypt with (`prefer` first: the secret's current key). A caller who may use none gets
 * the first refusal, as AWS answers it.
 */
export async function openValue(
  access: KeyAccess,
  stored: StoredValue,
  prefer?: string,
): Promise<SecretValue> {
  if (!isSealed(stored)) return stored
  const { keys, caller } = service(access)
  const { context } = stored.sealed
  const order = [...stored.sealed.keys].sort((a, b) => Number(b.arn === prefer) - Number(a.arn === prefer))
  let first: unknown
  for (const entry of order) {
    let dataKey: Buffer
    try {
      dataKey = await keys.decrypt(caller, entry.keyId, Buffer.from(entry.blob, 'base64'), context)
    } catch (error) {
      first ??= error
      continue
    }
    try {
      const plain = decryptValue(dataKey, Buffer.from(stored.sealed.data, 'base64'), aad(context))
      return JSON.parse(Buffer.from(plain).toString('utf8')) as SecretValue
    } catch {
      throw decryptionFailure()
    } finally {
      dataKey.fill(0)
    }
  }
  throw smError(first, 'read')
}

/**
 * The version also readable under `key` (UpdateSecret's new KmsKeyId): its data key encrypted under the new key too
 * (kms:Decrypt on one it has, kms:Encrypt on the new one). Undefined when the caller may not, or the version already
 * has the key: AWS then leaves the version as it was.
 */
export async function addKey(
  access: KeyAccess,
  stored: SealedValue,
  key: KmsKeyRef,
): Promise<SealedValue | undefined> {
  const { keys, caller } = service(access)
  if (stored.sealed.keys.some((k) => k.keyId === key.keyId)) return undefined
  const { context } = stored.sealed
  for (const entry of stored.sealed.keys) {
    let dataKey: Buffer
    try {
      dataKey = await keys.decrypt(caller, entry.keyId, Buffer.from(entry.blob, 'base64'), context)
    } catch {
      continue
    }
    try {
      const blob = await keys.encrypt(caller, key.keyId, dataKey, context)
      return {
        sealed: {
          ...stored.sealed,
          keys: [...stored.sealed.keys, { arn: key.arn, keyId: key.keyId, blob: blob.toString('base64') }],
        },
      }
    } catch {
      return undefined
    } finally {
      dataKey.fill(0)
    }
  }
  return undefined
}

/** The KMS keys (ARNs) a stored version is encrypted under; none when the barrier alone protects it. */
export function keysOf(stored: StoredValue): string[] {
  return isSealed(stored) ? stored.sealed.keys.map((k) => k.arn) : []
}

/** Exactly the members AWS keeps: nothing else reaches the sealed JSON. */
function plainOf(value: SecretValue): SecretValue {
  return value.SecretString !== undefined
    ? { SecretString: value.SecretString }
    : { SecretBinary: value.SecretBinary! }
}

const decryptionFailure = () =>
  new AwsError(
    'DecryptionFailure',
    "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
  )

/**
 * A KMS refusal in Secrets Manager's words. AccessDeniedException is AWS's "Access to KMS is not allowed"; a key
 * that is disabled or pending deletion is KMSInvalidStateException on a read and EncryptionFailure on a write (AWS's
 * model documents that case for writes); an unknown key is ResourceNotFoundException.
 */
export function smError(error: unknown, use: 'read' | 'write'): unknown {
  if (!isAwsError(error)) return error
  switch (error.awsType) {
    case 'AccessDeniedException':
      return new AwsError('AccessDeniedException', 'Access to KMS is not allowed')
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return use === 'read'
        ? new AwsError('KMSInvalidStateException', error.message)
        : new AwsError(
            'EncryptionFailure',
            `Secrets Manager can't encrypt the protected secret text using the provided KMS key: ${error.message}`,
          )
    case 'NotFoundException':
      return new AwsError('ResourceNotFoundException', `The KMS key could not be found: ${error.message}`)
    case 'ResourceNotFoundException':
      return error
    default:
      return use === 'read'
        ? decryptionFailure()
        : new AwsError(
            'EncryptionFailure',
            "Secrets Manager can't encrypt the protected secret text using the provided KMS key.",
          )
  }
}
