// UpdateSecret: description, KMS key and type, and with a value a new AWSCURRENT version exactly as PutSecretValue makes it.
import { type ActionContext, arnOf } from '../context.ts'
import { type Input, optString, secretIdOf, secretValueOf, tokenOf } from '../input.ts'
import { putRecordOp } from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'
import { writeVersion } from '../write-version.ts'

export async function updateSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const token = tokenOf(input)
  const value = secretValueOf(input)
  const description = optString(input, 'Description', { max: 2048 })
  const kmsKeyId = optString(input, 'KmsKeyId', { max: 2048 })
  const type = optString(input, 'Type', { max: 256 })
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    let changed = false
    if (description !== undefined && description !== record.description) {
      record.description = description
      changed = true
    }
    // An empty KmsKeyId means the AWS-managed default key, which a record shows by having none.
    if (kmsKeyId !== undefined && (kmsKeyId || undefined) !== record.kmsKeyId) {
      if (kmsKeyId === '') delete record.kmsKeyId
      else record.kmsKeyId = kmsKeyId
      changed = true
    }
    if (type !== undefined && type !== record.type) {
      record.type = type
      changed = true
    }
    // AWS documents UpdateSecret's token like PutSecretValue's: the same token and value again is ignored.
    const write = value === undefined ? undefined : await writeVersion(ctx, record, value, token, undefined)
    if (changed && !write?.created) record.lastChangedDate = ctx.now()
    if (changed || write?.created) await ctx.storage.batch([putRecordOp(record), ...(write?.ops ?? [])])
    const out: Record<string, unknown> = { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
    if (write) out['VersionId'] = write.versionId
    return out
  })
}
