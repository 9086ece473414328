// A KMS call as the transit requests it is authorised as: the key it names (alias resolved first), and ReEncrypt as two calls.
import { AwsError } from '../../../sdk/aws-error.ts'
import { kmsCommonMembers } from '../../../sdk/aws-kms-common.ts'
import { checkKmsModel } from '../../../sdk/aws-kms-model.ts'
import {
  actionKeyRef,
  aliasName,
  blobField,
  decodeBlob,
  type KmsAction,
  kmsRoute,
  parseKeyRef,
} from '../../../sdk/aws-kms-routes.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** Which half of a ReEncrypt a Decrypt (`from`) or Encrypt (`to`) is, for the key policy's check. */
export type ReEncryptPart = 'from' | 'to'

/** One action on one key (or alias, or none): a trip through the pipeline on its transit path. */
export type KmsCall = (
  action: KmsAction,
  input: Input,
  keyId: string,
  alias: string,
  part?: ReEncryptPart,
) => Promise<Output>

const KEYLESS = new Set<KmsAction>(['ListKeys', 'ListAliases', 'GenerateRandom'])
const ON_ALIAS = new Set<KmsAction>(['CreateAlias', 'UpdateAlias', 'DeleteAlias'])

/**
 * The key a KeyId designates: itself, or the key its alias points at, read through the Vault API
 * (`read` on kms/aliases/<name>), so resolving an alias is authorised and audited like any read.
 */
async function keyIdOf(
  action: KmsAction,
  raw: unknown,
  resolveAlias: (name: string) => Promise<string>,
): Promise<string> {
  const ref = actionKeyRef(action, raw)
  return 'keyId' in ref ? ref.keyId : resolveAlias(ref.alias)
}

export async function runKmsAction(
  action: KmsAction,
  input: Input,
  call: KmsCall,
  resolveAlias: (name: string) => Promise<string>,
  newKeyId: () => string,
): Promise<Output> {
  checkKmsModel(action, input)
  if (KEYLESS.has(action)) return call(action, input, '', '')
  if (ON_ALIAS.has(action)) return call(action, input, '', aliasName(input['AliasName']))
  if (action === 'CreateKey') return call(action, input, newKeyId(), '')
  if (action === 'ReEncrypt') return reEncrypt(input, call, resolveAlias)
  if (action === 'Decrypt' && input['KeyId'] === undefined) return call(action, input, blobKey(input), '')
  return call(action, input, await keyIdOf(action, input['KeyId'], resolveAlias), '')
}

function blobKey(input: Input): string {
  return decodeBlob(blobField(input, 'CiphertextBlob') as Buffer).keyId
}

/**
 * Decrypt under the source key, then Encrypt under the destination: each key authorised for its own use. A dry run
 * is one for each half, so both authorisations are checked and nothing is decrypted.
 */
async function reEncrypt(
  input: Input,
  call: KmsCall,
  resolveAlias: (name: string) => Promise<string>,
): Promise<Output> {
  const { dryRun } = kmsCommonMembers('ReEncrypt', input)
  if (input['DestinationKeyId'] === undefined)
    throw new AwsError('ValidationException', 'DestinationKeyId is required.')
  const sourceId =
    input['SourceKeyId'] === undefined
      ? blobKey(input)
      : await keyIdOf('ReEncrypt', input['SourceKeyId'], resolveAlias)
  const destinationId = await keyIdOf('ReEncrypt', input['DestinationKeyId'], resolveAlias)
  const decryptInput = defined({
    CiphertextBlob: input['CiphertextBlob'],
    KeyId: input['SourceKeyId'],
    EncryptionContext: input['SourceEncryptionContext'],
    EncryptionAlgorithm: input['SourceEncryptionAlgorithm'],
  })
  if (dryRun) {
    await call('Decrypt', { ...decryptInput, DryRun: true }, sourceId, '', 'from').catch(ifDryRun)
    await call(
      'Encrypt',
      defined({
        Plaintext: 'AA==',
        KeyId: input['DestinationKeyId'],
        EncryptionAlgorithm: input['DestinationEncryptionAlgorithm'],
        DryRun: true,
      }),
      destinationId,
      '',
      'to',
    )
    throw new AwsError('KMSInternalException', 'The dry run of Encrypt did not end as a dry run.', 500)
  }
  const decrypted = await call('Decrypt', decryptInput, sourceId, '', 'from')
  const encrypted = await call(
    'Encrypt',
    defined({
      Plaintext: decrypted['Plaintext'],
      KeyId: input['DestinationKeyId'],
      EncryptionContext: input['DestinationEncryptionContext'],
      EncryptionAlgorithm: input['DestinationEncryptionAlgorithm'],
    }),
    destinationId,
    '',
    'to',
  )
  return {
    CiphertextBlob: encrypted['CiphertextBlob'],
    SourceKeyId: decrypted['KeyId'],
    KeyId: encrypted['KeyId'],
    SourceEncryptionAlgorithm: decrypted['EncryptionAlgorithm'],
    DestinationEncryptionAlgorithm: encrypted['EncryptionAlgorithm'],
  }
}

/** The first half of a dry run passes on only by the answer a dry run that would succeed gets. */
function ifDryRun(error: unknown): void {
  if (!(error instanceof AwsError && error.awsType === 'DryRunOperationException')) throw error
}

function defined(input: Input): Input {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
}

/**
 * The path a call is counted on by the rate-limit quotas, read from the input alone (no alias lookup, which would
 * cost a request before the count): the key's path when KeyId names a key; otherwise this throws and the call
 * counts against the mount.
 */
export function countedPath(action: KmsAction, input: Input): string {
  if (KEYLESS.has(action)) return kmsRoute(action, '').path
  if (ON_ALIAS.has(action)) return kmsRoute(action, '', aliasName(input['AliasName'])).path
  const ref = parseKeyRef(action === 'ReEncrypt' ? input['DestinationKeyId'] : input['KeyId'])
  if (!('keyId' in ref)) throw new Error('an alias is counted against the mount')
  return kmsRoute(action === 'ReEncrypt' ? 'Encrypt' : action, ref.keyId).path
}
