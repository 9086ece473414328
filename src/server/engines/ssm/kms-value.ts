// A SecureString's value under its KMS key: sealed with a data key from the key's GenerateDataKey, opened with the caller's kms:Decrypt.
import { decryptValue, encryptValue } from '../../../lib/sealed-value.ts'
import { AwsError, isAwsError } from '../../../sdk/aws-error.ts'
import { KmsAccessDenied } from '../../../sdk/aws-ssm-fanout.ts'
import type { KeyCaller, KeyService, KmsKeyRef } from '../../../sdk/key-service.ts'
import type { ParameterVersion, SealedParameterValue } from './model.ts'

/** Who may use the keys: the request being handled, and the server's key service (absent without a KMS mount). */
export interface KeyAccess {
  keys?: KeyService | undefined
  caller?: KeyCaller | undefined
}

export const DEFAULT_KEY = 'alias/aws/ssm'

/**
 * The AWS-managed aws/ssm key: AWS lets every principal of the account use it through Parameter Store, so Coffer
 * keeps such values under the barrier alone and checks nothing more than the parameter's own path.
 */
export function isDefaultKey(keyId: string | undefined): boolean {
  return (
    keyId === undefined || keyId === DEFAULT_KEY || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\/aws\/ssm$/.test(keyId)
  )
}

function service(access: KeyAccess): { keys: KeyService; caller: KeyCaller } {
  if (!access.keys)
    throw new AwsError(
      'InvalidKeyId',
      'KMS is not enabled on this server: a SecureString can use only the default key alias/aws/ssm.',
    )
  if (!access.caller) throw new KmsAccessDenied(DECRYPT_DENIED)
  return { keys: access.keys, caller: access.caller }
}

/** The key a KeyId names; an unknown one is AWS's InvalidKeyId. */
async function resolve(access: KeyAccess, keyId: string): Promise<KmsKeyRef> {
  const { keys, caller } = service(access)
  try {
    return await keys.resolve(caller, keyId)
  } catch (error) {
    throw ssmKeyError(error, 'write')
  }
}

/** AWS binds a SecureString to its parameter: the data key's EncryptionContext names the parameter's ARN. */
const contextOf = (parameterArn: string) => ({ PARAMETER_ARN: parameterArn })
const aad = (sealed: Pick<SealedParameterValue, 'context'>, version: number) =>
  Buffer.from(`${sealed.context.PARAMETER_ARN}\u0000${version}`, 'utf8')

/** `value` sealed under the key `keyId` names, for version `version` of the parameter `parameterArn`. */
export async function sealParameterValue(
  access: KeyAccess,
  keyId: string,
  parameterArn: string,
  version: number,
  value: string,
): Promise<SealedParameterValue> {
  const key = await resolve(access, keyId)
  const { keys, caller } = service(access)
  const context = contextOf(parameterArn)
  let dataKey: { plaintext: Buffer; blob: Buffer }
  try {
    dataKey = await keys.generateDataKey(caller, key.keyId, context)
  } catch (error) {
    throw ssmKeyError(error, 'write')
  }
  try {
    const sealed = { keyId: key.keyId, keyArn: key.arn, blob: dataKey.blob.toString('base64'), context }
    const data = encryptValue(dataKey.plaintext, 0, Buffer.from(value, 'utf8'), aad(sealed, version))
    return { ...sealed, data: Buffer.from(data).toString('base64') }
  } finally {
    dataKey.plaintext.fill(0)
  }
}

/**
 * A version's value in clear for this caller. Under a customer key that takes their kms:Decrypt on it, whichever
 * action reads it. A version stored before values were sealed holds its value under the barrier: the same check is
 * made (a data key made by the server under the recorded key, decrypted as the caller), so the key's permissions
 * and state apply to it as to a sealed one.
 */
export async function openParameterValue(
  access: KeyAccess,
  version: ParameterVersion,
  parameterArn: string,
): Promise<string> {
  if (version.type !== 'SecureString') return version.value
  const { sealed } = version
  if (sealed === undefined) {
    if (isDefaultKey(version.keyId)) return version.value
    await checkDecrypt(access, version.keyId!, parameterArn)
    return version.value
  }
  const { keys, caller } = service(access)
  let dataKey: Buffer
  try {
    dataKey = await keys.decrypt(caller, sealed.keyId, Buffer.from(sealed.blob, 'base64'), sealed.context)
  } catch (error) {
    throw ssmKeyError(error, 'read')
  }
  try {
    return Buffer.from(
      decryptValue(dataKey, Buffer.from(sealed.data, 'base64'), aad(sealed, version.version)),
    ).toString('utf8')
  } catch {
    throw undecryptable()
  } finally {
    dataKey.fill(0)
  }
}

/** The caller's kms:Decrypt on `keyId` and the key's state, as a decryption under it would check them. */
async function checkDecrypt(access: KeyAccess, keyId: string, parameterArn: string): Promise<void> {
  const key = await resolve(access, keyId)
  const { keys, caller } = service(access)
  const context = contextOf(parameterArn)
  try {
    const probe = await keys.generateDataKey('server', key.keyId, context)
    probe.plaintext.fill(0)
    ;(await keys.decrypt(caller, key.keyId, probe.blob, context)).fill(0)
  } catch (error) {
    throw ssmKeyError(error, 'read')
  }
}

const DECRYPT_DENIED =
  'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are ' +
  'not allowed to access.'

const undecryptable = () =>
  new AwsError('InvalidKeyId', "The parameter's value cannot be decrypted under its KMS key.")

/**
 * A KMS failure in Parameter Store's words: a key the caller may not use is AccessDeniedException (a refusal that
 * fails a whole GetParametersByPath, as at AWS); a key that does not exist, is disabled or pending deletion is
 * InvalidKeyId carrying KMS's own message, as AWS wraps it.
 */
function ssmKeyError(error: unknown, use: 'read' | 'write'): unknown {
  if (!isAwsError(error)) return error
  switch (error.awsType) {
    case 'AccessDeniedException':
      return new KmsAccessDenied(
        use === 'read'
          ? DECRYPT_DENIED
          : "User is not authorized to perform: kms:GenerateDataKey on the parameter's KMS key.",
      )
    case 'NotFoundException':
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return new AwsError('InvalidKeyId', `${error.message} (Service: AWSKMS; Error Code: ${error.awsType})`)
    case 'InvalidKeyId':
      return error
    default:
      // An asymmetric or HMAC key, say: AWS takes only symmetric encryption keys for a SecureString.
      return use === 'read'
        ? undecryptable()
        : new AwsError('InvalidKeyId', `The KMS key cannot encrypt a SecureString: ${error.message}`)
  }
}
