// Which Coffer capability on which transit path each KMS action needs, and the KeyId forms: shared by the engine and the adapter.
import { AwsError } from './aws-error.ts'
import type { Operation } from './request.ts'

export const KMS_TARGET_PREFIX = 'TrentService.'

/**
 * Marks the Decrypt (`from`) and Encrypt (`to`) the AWS front door runs a ReEncrypt as, so the key policies are
 * checked for kms:ReEncryptFrom and kms:ReEncryptTo. Only the front door sets it: the Vault API drops every
 * `x-coffer-kms-` header a client sends (a forged `from` would decrypt under a ReEncryptFrom permission).
 */
export const KMS_REENCRYPT_HEADER = 'x-coffer-kms-reencrypt'
export const KMS_INTERNAL_HEADER_PREFIX = 'x-coffer-kms-'

export const KMS_ACTIONS = [
  'CreateKey',
  'DescribeKey',
  'ListKeys',
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateRandom',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'ListAliases',
  'EnableKey',
  'DisableKey',
  'EnableKeyRotation',
  'DisableKeyRotation',
  'GetKeyRotationStatus',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'TagResource',
  'UntagResource',
  'ListResourceTags',
  'Sign',
  'Verify',
  'GetPublicKey',
  'GenerateMac',
  'VerifyMac',
  'UpdateKeyDescription',
  'GetKeyPolicy',
  'PutKeyPolicy',
  'ListKeyPolicies',
  'ListKeyRotations',
  'RotateKeyOnDemand',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
] as const

export type KmsAction = (typeof KMS_ACTIONS)[number]

export function isKmsAction(name: string): name is KmsAction {
  return (KMS_ACTIONS as readonly string[]).includes(name)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const KEY_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/
const ALIAS_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/
const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]{1,250}$/

/** The model's KeyIdType length bound. */
const MAX_KEY_ID = 2048

/** What a KeyId designates: a key (by id or key ARN) or an alias (by name or alias ARN). */
export type KeyRef = { keyId: string } | { alias: string }

/** AWS's answer to a KeyId it cannot take, naming it. */
const invalidKeyId = (raw: string) => new AwsError('NotFoundException', `Invalid keyId ${raw}`)

export function parseKeyRef(raw: unknown): KeyRef {
  if (typeof raw !== 'string' || raw === '')
    throw new AwsError('ValidationException', 'KeyId is required and must be a non-empty string.')
  if (raw.length > MAX_KEY_ID)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length less than or equal to ${MAX_KEY_ID}`,
    )
  const arn = KEY_ARN.exec(raw)
  const id = arn ? arn[1]! : raw
  if (UUID.test(id)) return { keyId: id }
  const aliasArn = ALIAS_ARN.exec(raw)
  const alias = aliasArn ? aliasArn[1]! : raw
  if (ALIAS_NAME.test(alias)) return { alias: alias.slice('alias/'.length) }
  throw invalidKeyId(raw)
}

/**
 * The actions whose KeyId may be an alias name or alias ARN, as AWS's model documents each KeyId: DescribeKey,
 * GetPublicKey and the cryptographic ones. The others (key management: EnableKey, PutKeyPolicy, TagResource…)
 * take a key id or key ARN only.
 */
const ALIAS_KEY_ID_ACTIONS = new Set<KmsAction>([
  'DescribeKey',
  'GetPublicKey',
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
])

/** parseKeyRef for the KeyId of `action`: an alias where the action takes none is an invalid keyId, as on AWS. */
export function actionKeyRef(action: KmsAction, raw: unknown): KeyRef {
  const ref = parseKeyRef(raw)
  if ('alias' in ref && !ALIAS_KEY_ID_ACTIONS.has(action)) throw invalidKeyId(raw as string)
  return ref
}

/** The model's AliasNameType: 1 to 256 characters of this pattern (the prefix included). */
const ALIAS_NAME_PATTERN = '^[a-zA-Z0-9:/_-]+$'
const MAX_ALIAS_NAME = 256

/** An alias name as CreateAlias receives it (`alias/<name>`), without the prefix; AWS reserves `alias/aws/`. */
export function aliasName(raw: unknown): string {
  const constraint = (text: string) =>
    new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'aliasName' failed to satisfy constraint: ${text}`,
    )
  if (typeof raw !== 'string') throw constraint('Member must not be null')
  if (raw.length < 1) throw constraint('Member must have length greater than or equal to 1')
  if (raw.length > MAX_ALIAS_NAME)
    throw constraint(`Member must have length less than or equal to ${MAX_ALIAS_NAME}`)
  if (!new RegExp(ALIAS_NAME_PATTERN).test(raw))
    throw constraint(`Member must satisfy regular expression pattern: ${ALIAS_NAME_PATTERN}`)
  if (!raw.startsWith('alias/') || raw === 'alias/')
    throw new AwsError(
      'ValidationException',
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    )
  // The model's pattern allows a colon; KMS itself does not (an alias ARN is split at its colons).
  if (!ALIAS_NAME.test(raw))
    throw new AwsError('ValidationException', `${raw} contains invalid characters for an alias`)
  if (raw.startsWith('alias/aws/'))
    throw new AwsError('NotAuthorizedException', 'Aliases beginning with alias/aws/ are reserved.')
  return raw.slice('alias/'.length)
}

/** The region and account a KMS mount's ARNs name: the signed region, else the mount's `region`; its `account_id`. */
export function kmsArnScope(
  signedRegion: string | undefined,
  options: Record<string, string>,
): { region: string; account: string } {
  return {
    region: signedRegion || options['region'] || 'us-east-1',
    account: options['account_id'] || '000000000000',
  }
}

/** AWS names a missing alias by its alias ARN. */
export function aliasNotFound(scope: { region: string; account: string }, name: string): AwsError {
  return new AwsError(
    'NotFoundException',
    `Alias arn:aws:kms:${scope.region}:${scope.account}:alias/${name} is not found.`,
  )
}

/**
 * The CiphertextBlob: a magic byte, a version byte, the 36-byte key id, then the transit `vault:v<N>:` ciphertext.
 * Decrypt reads the key id from it, as AWS's blob names its key; the rest is transit's own format, so the blob of
 * a call without EncryptionContext decrypts through the transit API too.
 */
const BLOB_MAGIC = 0xc0
const BLOB_VERSION = 1
const ID_BYTES = 36

export function encodeBlob(keyId: string, ciphertext: string): Buffer {
  return Buffer.concat([
    Buffer.from([BLOB_MAGIC, BLOB_VERSION]),
    Buffer.from(keyId, 'latin1'),
    Buffer.from(ciphertext, 'utf8'),
  ])
}

export function decodeBlob(blob: Buffer): { keyId: string; ciphertext: string } {
  if (!isEncodedBlob(blob)) throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.')
  return {
    keyId: blob.subarray(2, 2 + ID_BYTES).toString('latin1'),
    ciphertext: blob.subarray(2 + ID_BYTES).toString('utf8'),
  }
}

/** Whether a blob is in the format encodeBlob makes (not, say, the raw RSA ciphertext an asymmetric key takes). */
export function isEncodedBlob(blob: Buffer): boolean {
  return (
    blob.length > 2 + ID_BYTES &&
    blob[0] === BLOB_MAGIC &&
    blob[1] === BLOB_VERSION &&
    UUID.test(blob.subarray(2, 2 + ID_BYTES).toString('latin1'))
  )
}

/** A base64 blob field (CiphertextBlob, Plaintext) as bytes, or ValidationException. */
export function blobField(input: Record<string, unknown>, name: string, required = true): Buffer | undefined {
  const value = input[name]
  if (value === undefined && !required) return undefined
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new AwsError('ValidationException', `${name} must be a base64-encoded blob.`)
  return Buffer.from(value, 'base64')
}

/** A required blob member within its model length bounds (1 to `max` bytes), refused in AWS's words. */
export function boundedBlob(input: Record<string, unknown>, name: string, max: number): Buffer {
  const bytes = blobField(input, name) as Buffer
  const bound =
    bytes.length < 1
      ? 'greater than or equal to 1'
      : bytes.length > max
        ? `less than or equal to ${max}`
        : undefined
  if (bound !== undefined)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must have length ${bound}`,
    )
  return bytes
}

export interface KmsRoute {
  operation: Operation
  /** Relative to the transit mount. */
  path: string
}

/**
 * The transit path and capability an action on key `keyId` is authorised as (docs/kms.md has the table). Alias
 * actions are on `kms/aliases/<name>`; ReEncrypt is run by the adapter as a Decrypt then an Encrypt.
 */
export function kmsRoute(action: KmsAction, keyId: string, alias = ''): KmsRoute {
  switch (action) {
    case 'CreateKey':
      return { operation: 'create', path: `keys/${keyId}` }
    case 'DescribeKey':
    case 'GetPublicKey':
    case 'GetKeyRotationStatus':
    case 'ListResourceTags':
    case 'GetKeyPolicy':
    case 'ListKeyPolicies':
    case 'ListKeyRotations':
      return { operation: 'read', path: `keys/${keyId}` }
    case 'ListKeys':
      return { operation: 'list', path: 'keys/' }
    case 'Encrypt':
    case 'ReEncrypt':
      return { operation: 'update', path: `encrypt/${keyId}` }
    case 'Decrypt':
      return { operation: 'update', path: `decrypt/${keyId}` }
    // A data key pair is a data key too: the same use of the key, with or without the private half in clear.
    case 'GenerateDataKey':
    case 'GenerateDataKeyPair':
      return { operation: 'update', path: `datakey/plaintext/${keyId}` }
    case 'GenerateDataKeyWithoutPlaintext':
    case 'GenerateDataKeyPairWithoutPlaintext':
      return { operation: 'update', path: `datakey/wrapped/${keyId}` }
    case 'GenerateRandom':
      return { operation: 'update', path: 'random' }
    case 'Sign':
      return { operation: 'update', path: `sign/${keyId}` }
    case 'Verify':
    case 'VerifyMac':
      return { operation: 'update', path: `verify/${keyId}` }
    case 'GenerateMac':
      return { operation: 'update', path: `hmac/${keyId}` }
    case 'EnableKey':
    case 'DisableKey':
    case 'EnableKeyRotation':
    case 'DisableKeyRotation':
    case 'CancelKeyDeletion':
    case 'TagResource':
    case 'UntagResource':
    case 'UpdateKeyDescription':
    case 'PutKeyPolicy':
      return { operation: 'update', path: `keys/${keyId}/config` }
    // Transit's own rotation path: the capability that rotates the key through the Vault API.
    case 'RotateKeyOnDemand':
      return { operation: 'update', path: `keys/${keyId}/rotate` }
    case 'ScheduleKeyDeletion':
      return { operation: 'delete', path: `keys/${keyId}` }
    case 'CreateAlias':
      return { operation: 'create', path: `kms/aliases/${alias}` }
    case 'UpdateAlias':
      return { operation: 'update', path: `kms/aliases/${alias}` }
    case 'DeleteAlias':
      return { operation: 'delete', path: `kms/aliases/${alias}` }
    case 'ListAliases':
      return { operation: 'list', path: 'kms/aliases/' }
  }
}
