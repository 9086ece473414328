// KMS key attributes Terraform and the AWS CLI manage: UpdateKeyDescription, and the key policy (Get/Put/ListKeyPolicies).
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optBool, optInt, optString, validation } from '../../../../sdk/aws-input.ts'
import type { KmsContext } from './context.ts'
import { changeMeta, notPendingDeletion } from './key-actions.ts'
import { defaultPolicy, POLICY_NAME, readPolicy, readPolicyName } from './key-policy.ts'
import { lockoutCheck } from './key-policy-check.ts'
import { readMarker } from './marker.ts'
import { requireMeta } from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** A key pending deletion keeps its description, as AWS's key-state table has it. */
export async function updateDescription(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  if (input['Description'] === undefined || input['Description'] === null)
    throw validation('description', 'Member must not be null')
  const description = optString(input, 'Description', { max: 8192 }) ?? ''
  await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return { ...meta, description }
  })
  return {}
}

const noSuchPolicy = (name: string) =>
  new AwsError('NotFoundException', `No such policy exists: ${name}. The only key policy name is default.`)

export async function getKeyPolicy(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const name = readPolicyName(input)
  const meta = await requireMeta(ctx.storage, keyId)
  if (name !== POLICY_NAME) throw noSuchPolicy(name)
  return { Policy: meta.policy ?? defaultPolicy(ctx.account), PolicyName: POLICY_NAME }
}

/**
 * The document replaces the key's under the key's lock, so once this answers every later call is checked against
 * it (dispatch.ts reads the key's policy per call). A key pending deletion may still have its policy changed, as at
 * AWS.
 */
export async function putKeyPolicy(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const name = readPolicyName(input)
  const policy = readPolicy(input, true)!
  const bypass = optBool(input, 'BypassPolicyLockoutSafetyCheck') === true
  if (name !== POLICY_NAME) throw noSuchPolicy(name)
  if (!bypass) lockoutCheck(ctx, keyId, policy)
  await changeMeta(ctx, keyId, (meta) => ({ ...meta, policy }))
  return {}
}

/** Always the one name; Limit and Marker are read as the model has them. */
export async function listKeyPolicies(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  optInt(input, 'Limit', 1, 1000)
  readMarker(input, () => false)
  await requireMeta(ctx.storage, keyId)
  return { PolicyNames: [POLICY_NAME], Truncated: false }
}
