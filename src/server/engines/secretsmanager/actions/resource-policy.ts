// PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy and ValidateResourcePolicy: the policy text stored on the secret.
import { type ActionContext, arnOf } from '../context.ts'
import { type Input, optBool, reqString, secretIdOf } from '../input.ts'
import { putRecordOp, type SecretRecord } from '../model.ts'
import { findPrimary, findSecret, lockKey, requireLive } from '../resolve.ts'
import { isPublic, MAX_POLICY_LENGTH, parsePolicy, publicPolicy } from '../resource-policy.ts'

const policyText = (input: Input) => reqString(input, 'ResourcePolicy', { min: 1, max: MAX_POLICY_LENGTH })
const named = (ctx: ActionContext, record: SecretRecord) => ({
  ARN: arnOf(ctx, record.name, record.suffix),
  Name: record.name,
})

/**
 * Stores the document as sent (AWS answers GetResourcePolicy with the caller's text), after it parsed. The secret
 * is found first, as AWS does: a missing one is ResourceNotFoundException whatever the document says.
 */
export async function putResourcePolicy(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const text = policyText(input)
  const block = optBool(input, 'BlockPublicPolicy') === true
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    const statements = parsePolicy(text)
    if (block && statements.some(isPublic)) throw publicPolicy()
    record.resourcePolicy = text
    await ctx.storage.batch([putRecordOp(record)])
    return named(ctx, record)
  })
}

/** Without a policy the answer has no ResourcePolicy member, as AWS's. */
export async function getResourcePolicy(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const record = await findSecret(ctx, secretIdOf(input))
  const out: Record<string, unknown> = named(ctx, record)
  if (record.resourcePolicy !== undefined) out['ResourcePolicy'] = record.resourcePolicy
  return out
}

/** Deleting a policy the secret does not have succeeds, as AWS's does. */
export async function deleteResourcePolicy(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    if (record.resourcePolicy !== undefined) {
      delete record.resourcePolicy
      await ctx.storage.batch([putRecordOp(record)])
    }
    return named(ctx, record)
  })
}

/**
 * A malformed document is MalformedPolicyDocumentException, as from PutResourcePolicy; a well-formed one that
 * allows every principal without a narrowing condition fails the BROAD_ACCESS check.
 */
export async function validateResourcePolicy(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const text = policyText(input)
  if (input['SecretId'] !== undefined && input['SecretId'] !== null) await findSecret(ctx, secretIdOf(input))
  const statements = parsePolicy(text)
  const errors = statements.some(isPublic)
    ? [
        {
          CheckName: 'BROAD_ACCESS',
          ErrorMessage: 'A statement allows every principal ("*") without a condition that narrows it.',
        },
      ]
    : []
  return { PolicyValidationPassed: errors.length === 0, ValidationErrors: errors }
}
