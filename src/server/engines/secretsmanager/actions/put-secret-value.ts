// PutSecretValue: a new immutable version; AWSCURRENT moves to it (AWSPREVIOUS to the old one) unless VersionStages say otherwise.
import { type ActionContext, arnOf } from '../context.ts'
import { invalidRequest } from '../errors.ts'
import { type Input, optString, optStringList, secretIdOf, secretValueOf, tokenOf } from '../input.ts'
import { putRecordOp } from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'
import { writeVersion } from '../write-version.ts'

export async function putSecretValue(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const token = tokenOf(input)
  const value = secretValueOf(input)
  // AWS's type: a request error (InvalidRequestException), checked before the secret is looked up.
  if (value === undefined) throw invalidRequest('You must provide either SecretString or SecretBinary.')
  const stages = optStringList(input, 'VersionStages', { min: 1, max: 20, itemMax: 256 })
  // RotationToken matters only for cross-account rotation functions; it is checked for shape and not kept.
  optString(input, 'RotationToken', { min: 36, max: 256 })
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    const write = await writeVersion(ctx, record, value, token, stages)
    if (write.created) await ctx.storage.batch([putRecordOp(record), ...write.ops])
    return {
      ARN: arnOf(ctx, record.name, record.suffix),
      Name: record.name,
      VersionId: write.versionId,
      VersionStages: [...record.versions[write.versionId]!.stages],
    }
  })
}
