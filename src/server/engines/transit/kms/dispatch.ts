// Running a KMS action carried by a transit request (the adapter's X-Amz-Target), after checking it targets the request's path.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { dryRunSucceeded, kmsCommonMembers } from '../../../../sdk/aws-kms-common.ts'
import {
  actionKeyRef,
  aliasName,
  isKmsAction,
  KMS_REENCRYPT_HEADER,
  KMS_TARGET_PREFIX,
  type KmsAction,
  kmsRoute,
  parseKeyRef,
} from '../../../../sdk/aws-kms-routes.ts'
import { AWS_TARGET_HEADER } from '../../../../sdk/aws-secretsmanager-routes.ts'
import { UnsupportedOperationError } from '../../../../sdk/errors.ts'
import type { Handler, HandlerContext, PathDefinition } from '../../../../sdk/framework/backend.ts'
import type { Fields } from '../../../../sdk/framework/fields.ts'
import type { BackendRequest, LogicalResponse, Operation } from '../../../../sdk/request.ts'
import type { TransitState } from '../state.ts'
import { createAlias, deleteAlias, listAliases, resolveAlias, updateAlias } from './alias-actions.ts'
import { type KmsContext, kmsContext } from './context.ts'
import {
  blobKeyId,
  blobKeyIdIfAny,
  decryptAction,
  encryptAction,
  generateDataKey,
  generateRandom,
} from './crypto-actions.ts'
import { generateDataKeyPair } from './data-key-pair.ts'
import {
  cancelDeletion,
  createKey,
  describeKey,
  listKeys,
  listTags,
  rotationStatus,
  scheduleDeletion,
  setEnabled,
  setRotation,
  tagResource,
  untagResource,
} from './key-actions.ts'
import { keyPolicyCheck, policyActionOf } from './key-policy-check.ts'
import {
  KeyNotFoundError,
  type KeyUsage,
  type KmsKeyMeta,
  requireEnabled,
  requireMeta,
  requireUsage,
} from './metadata.ts'
import { getKeyPolicy, listKeyPolicies, putKeyPolicy, updateDescription } from './policy-actions.ts'
import { listRotations, rotateOnDemand } from './rotation-actions.ts'
import { generateMac, getPublicKey, signAction, verifyAction, verifyMac } from './sign-actions.ts'

/** The KMS action a request carries (`TrentService.Encrypt`), or undefined for a Vault-API request. */
export function kmsActionOf(request: BackendRequest): KmsAction | undefined {
  const target = request.headers[AWS_TARGET_HEADER]
  if (target === undefined || !target.startsWith(KMS_TARGET_PREFIX)) return undefined
  const action = target.slice(KMS_TARGET_PREFIX.length)
  if (!isKmsAction(action))
    throw new AwsError('UnknownOperationException', 'The action or operation requested is not supported.')
  return action
}

const ALIAS_ACTIONS = new Set<KmsAction>(['CreateAlias', 'UpdateAlias', 'DeleteAlias'])

/** The key the input designates: by KeyId (an alias resolved here), or by the blob for Decrypt; '' when keyless. */
async function keyOf(ctx: KmsContext, action: KmsAction, input: Record<string, unknown>): Promise<string> {
  if (
    action === 'ListKeys' ||
    action === 'ListAliases' ||
    action === 'GenerateRandom' ||
    ALIAS_ACTIONS.has(action)
  )
    return ''
  if (action === 'CreateKey') return ctx.request.path.slice('keys/'.length)
  if (action === 'Decrypt' && input['KeyId'] === undefined) return blobKeyId(input)
  const ref = actionKeyRef(action, input['KeyId'])
  return 'keyId' in ref ? ref.keyId : resolveAlias(ctx, ref.alias)
}

/** The key usage a cryptographic action needs. */
function usageOf(action: KmsAction): KeyUsage {
  if (action === 'Sign' || action === 'Verify') return 'SIGN_VERIFY'
  if (action === 'GenerateMac' || action === 'VerifyMac') return 'GENERATE_VERIFY_MAC'
  return 'ENCRYPT_DECRYPT'
}

/** create and update are one family here: core turns a write into either by the existence check. */
const family = (op: string) => (op === 'create' ? 'update' : op)

/**
 * The path was authorised, not the body: an action whose input names another key or alias than the path would
 * act on something the caller was never checked for, so it is refused.
 */
export async function runKmsAction(
  handler: HandlerContext<Fields, TransitState>,
  action: KmsAction,
): Promise<LogicalResponse> {
  const ctx = kmsContext(handler)
  try {
    return await runChecked(ctx, handler, action)
  } catch (error) {
    // AWS names a missing key by its key ARN.
    if (error instanceof KeyNotFoundError) throw new KeyNotFoundError(error.keyId, ctx.arn(error.keyId))
    throw error
  }
}

async function runChecked(
  ctx: KmsContext,
  handler: HandlerContext<Fields, TransitState>,
  action: KmsAction,
): Promise<LogicalResponse> {
  const input = handler.request.data
  const { dryRun } = kmsCommonMembers(action, input)
  const keyId = await keyOf(ctx, action, input)
  const alias = ALIAS_ACTIONS.has(action) ? aliasName(input['AliasName']) : ''
  const route = kmsRoute(action, keyId, alias)
  if (route.path !== handler.request.path || family(route.operation) !== family(handler.request.operation))
    throw new AwsError('AccessDeniedException', 'The request path does not match the key the action names.')
  const named = action === 'Decrypt' && input['KeyId'] !== undefined ? blobKeyIdIfAny(input) : undefined
  if (named !== undefined && named !== keyId)
    throw new AwsError(
      'IncorrectKeyException',
      'The key ID in the request does not identify the key that encrypted the ciphertext.',
    )
  const checkPolicy = await enforceKeyPolicy(ctx, action, keyId, input)
  if (checkPolicy) ctx.checkPolicy = checkPolicy
  // A dry run answers whether the call would succeed: authorised (the pipeline has checked the path) on an enabled
  // key of the usage the action needs. Only the actions AWS lets be dry-run (the cryptographic ones, each naming a
  // key) have one.
  if (dryRun) {
    const meta = await requireMeta(ctx.storage, keyId)
    requireEnabled(meta, ctx.arn(keyId))
    requireUsage(meta, usageOf(action), action)
    throw dryRunSucceeded()
  }
  return { data: await perform(ctx, action, keyId, alias, input) }
}

/**
 * The key policy of the key the action uses, checked after the pipeline's ACL check (Coffer's identity policy)
 * allowed the request. CreateKey has no key yet (its Policy passes the lockout check in createKey), the keyless
 * actions have no key policy to check, and the alias actions check the policies of the keys they affect themselves
 * (alias-actions.ts), under those keys' locks. The metadata is read here, per call, so a call that arrives after
 * PutKeyPolicy answered is checked against the new document. Answers the check, for changeMeta to repeat.
 */
async function enforceKeyPolicy(
  ctx: KmsContext,
  action: KmsAction,
  keyId: string,
  input: Record<string, unknown>,
): Promise<((meta: KmsKeyMeta) => void) | undefined> {
  if (keyId === '' || action === 'CreateKey') return undefined
  const check = keyPolicyCheck(
    ctx,
    policyActionOf(action, ctx.request.headers[KMS_REENCRYPT_HEADER]),
    keyId,
    input,
    requestAliasOf(action, input),
  )
  if (check === undefined) return undefined
  check(await requireMeta(ctx.storage, keyId))
  return check
}

/** The actions kms:RequestAlias applies to, as AWS lists them: the cryptographic ones, DescribeKey and GetPublicKey. */
const REQUEST_ALIAS_ACTIONS = new Set<KmsAction>([
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
  'DescribeKey',
  'GetPublicKey',
])

/**
 * kms:RequestAlias: `alias/<name>` when the request's KeyId is an alias name or alias ARN; absent when it names the
 * key by id or ARN (or, for Decrypt, not at all), even if the key has aliases. A ReEncrypt arrives as its two halves,
 * each with the KeyId of its own key (the adapter passes SourceKeyId and DestinationKeyId as they were sent).
 */
function requestAliasOf(action: KmsAction, input: Record<string, unknown>): string | undefined {
  if (!REQUEST_ALIAS_ACTIONS.has(action) || input['KeyId'] === undefined) return undefined
  const ref = parseKeyRef(input['KeyId'])
  return 'alias' in ref ? `alias/${ref.alias}` : undefined
}

function perform(
  ctx: KmsContext,
  action: KmsAction,
  keyId: string,
  alias: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> | Record<string, unknown> {
  switch (action) {
    case 'CreateKey':
      return createKey(ctx, keyId, input)
    case 'DescribeKey':
      return describeKey(ctx, keyId)
    case 'ListKeys':
      return listKeys(ctx, input)
    case 'Encrypt':
      return encryptAction(ctx, keyId, input)
    case 'ReEncrypt':
      // Two keys, two authorisations: the adapter runs it as a Decrypt then an Encrypt.
      throw new AwsError(
        'ValidationException',
        'ReEncrypt is answered by the AWS adapter as Decrypt then Encrypt.',
      )
    case 'Decrypt':
      return decryptAction(ctx, keyId, input)
    case 'GenerateDataKey':
      return generateDataKey(ctx, keyId, input, true)
    case 'GenerateDataKeyWithoutPlaintext':
      return generateDataKey(ctx, keyId, input, false)
    case 'GenerateRandom':
      return generateRandom(input)
    case 'CreateAlias':
      return createAlias(ctx, alias, input)
    case 'UpdateAlias':
      return updateAlias(ctx, alias, input)
    case 'DeleteAlias':
      return deleteAlias(ctx, alias)
    case 'ListAliases':
      return listAliases(ctx, input)
    case 'EnableKey':
      return setEnabled(ctx, keyId, true)
    case 'DisableKey':
      return setEnabled(ctx, keyId, false)
    case 'EnableKeyRotation':
      return setRotation(ctx, keyId, true, input)
    case 'DisableKeyRotation':
      return setRotation(ctx, keyId, false)
    case 'GetKeyRotationStatus':
      return rotationStatus(ctx, keyId)
    case 'ScheduleKeyDeletion':
      return scheduleDeletion(ctx, keyId, input)
    case 'CancelKeyDeletion':
      return cancelDeletion(ctx, keyId)
    case 'TagResource':
      return tagResource(ctx, keyId, input)
    case 'UntagResource':
      return untagResource(ctx, keyId, input)
    case 'ListResourceTags':
      return listTags(ctx, keyId, input)
    case 'Sign':
      return signAction(ctx, keyId, input)
    case 'Verify':
      return verifyAction(ctx, keyId, input)
    case 'GetPublicKey':
      return getPublicKey(ctx, keyId)
    case 'GenerateMac':
      return generateMac(ctx, keyId, input)
    case 'VerifyMac':
      return verifyMac(ctx, keyId, input)
    case 'UpdateKeyDescription':
      return updateDescription(ctx, keyId, input)
    case 'GetKeyPolicy':
      return getKeyPolicy(ctx, keyId, input)
    case 'PutKeyPolicy':
      return putKeyPolicy(ctx, keyId, input)
    case 'ListKeyPolicies':
      return listKeyPolicies(ctx, keyId, input)
    case 'ListKeyRotations':
      return listRotations(ctx, keyId, input)
    case 'RotateKeyOnDemand':
      return rotateOnDemand(ctx, keyId)
    case 'GenerateDataKeyPair':
      return generateDataKeyPair(ctx, keyId, input, true)
    case 'GenerateDataKeyPairWithoutPlaintext':
      return generateDataKeyPair(ctx, keyId, input, false)
  }
}

/**
 * A transit path that also answers KMS actions: each operation runs the KMS action when the request carries one.
 * `kmsOnly` operations exist for KMS calls alone (an alias's create, update and delete); the Vault API is refused them.
 */
// biome-ignore lint/suspicious/noExplicitAny: wraps paths of any field types
export function withKms<P extends PathDefinition<any, TransitState>>(path: P, kmsOnly: Operation[] = []): P {
  // biome-ignore lint/suspicious/noExplicitAny: the handler types follow the path's fields
  const operations: Partial<Record<Operation, Handler<any, TransitState>>> = {}
  for (const [operation, handler] of Object.entries(path.operations) as [
    Operation,
    Handler<Fields, TransitState>,
  ][])
    operations[operation] = (ctx) => {
      const action = kmsActionOf(ctx.request)
      return action ? runKmsAction(ctx, action) : handler(ctx)
    }
  for (const operation of kmsOnly)
    operations[operation] ??= (ctx) => {
      const action = kmsActionOf(ctx.request)
      if (!action) throw new UnsupportedOperationError()
      return runKmsAction(ctx, action)
    }
  return { ...path, operations }
}
