// UpdateSecret: description, KMS key and type, and with a value a new AWSCURRENT version exactly as PutSecretValue makes it.
import type { StorageOp } from '../../../../sdk/storage.ts'
import { type ActionContext, arnOf } from '../context.ts'
import { type Input, optString, secretIdOf, secretValueOf, tokenOf } from '../input.ts'
import { addKey, isDefaultKey, isSealed, keysOf, resolveKey } from '../kms-envelope.ts'
import {
  loadValue,
  putRecordOp,
  putValueOp,
  type SecretRecord,
  storeIdOf,
  versionWithStage,
} from '../model.ts'
import { findPrimary, lockKey, requireLive } from '../resolve.ts'
import { CURRENT, PREVIOUS } from '../versions.ts'
import { writeVersion } from '../write-version.ts'

const PENDING = 'AWSPENDING'

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
    // An empty KmsKeyId (or aws/secretsmanager) means the AWS-managed default key, which a record shows by having
    // none; a customer key must exist, and is recorded by its ARN.
    // The label an older record was given, named again, changes nothing.
    let newKey: Awaited<ReturnType<typeof resolveKey>> | undefined
    if (kmsKeyId !== undefined && !(record.kmsKey === undefined && kmsKeyId === record.kmsKeyId)) {
      newKey = isDefaultKey(kmsKeyId) ? undefined : await resolveKey(ctx, kmsKeyId)
      if (newKey?.arn !== record.kmsKey?.arn || (newKey === undefined && record.kmsKeyId !== undefined)) {
        delete record.kmsKeyId
        delete record.kmsKey
        if (newKey !== undefined) {
          record.kmsKey = newKey
          record.kmsKeyId = newKey.arn
        }
        changed = true
      } else newKey = undefined
    }
    if (type !== undefined && type !== record.type) {
      record.type = type
      changed = true
    }
    // AWS documents UpdateSecret's token like PutSecretValue's: the same token and value again is ignored.
    // The new version is sealed under the key just recorded.
    const write = value === undefined ? undefined : await writeVersion(ctx, record, value, token, undefined)
    const fresh = write?.created ? write.versionId : undefined
    const reencrypted = newKey ? await reencryptLabelled(ctx, record, newKey, fresh) : []
    if (changed && !write?.created) record.lastChangedDate = ctx.now()
    if (changed || write?.created)
      await ctx.storage.batch([putRecordOp(record), ...(write?.ops ?? []), ...reencrypted])
    const out: Record<string, unknown> = { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
    if (write) out['VersionId'] = write.versionId
    return out
  })
}

/**
 * AWS on a new KMS key: the AWSCURRENT, AWSPENDING and AWSPREVIOUS versions become readable under it as well, and
 * stay readable under the key they had, so nobody is locked out; other versions keep their key only. A version the
 * caller cannot decrypt, or whose new key they may not encrypt with, is left as it was (as AWS leaves it). A version
 * under the default key stays so: it never needed a KMS permission, and a new key does not add one.
 */
async function reencryptLabelled(
  ctx: ActionContext,
  record: SecretRecord,
  key: { keyId: string; arn: string },
  /** The version this call just added (sealed under the new key already, and not yet stored). */
  fresh: string | undefined,
): Promise<StorageOp[]> {
  const ops: StorageOp[] = []
  const ids = new Set(
    [CURRENT, PENDING, PREVIOUS]
      .map((stage) => versionWithStage(record, stage))
      .filter((id): id is string => id !== undefined),
  )
  for (const id of ids) {
    const meta = record.versions[id]!
    if (id === fresh || meta.noValue || meta.kmsKeyIds === undefined) continue
    const stored = await loadValue(ctx.storage, storeIdOf(record), id)
    if (!isSealed(stored)) continue
    const widened = await addKey(ctx, stored, key)
    if (!widened) continue
    meta.kmsKeyIds = keysOf(widened)
    ops.push(putValueOp(storeIdOf(record), id, widened))
  }
  return ops
}
