// Finding the secret a SecretId names (name, full ARN or partial ARN) and refusing one that waits for deletion.
import { parseSecretId } from '../../../sdk/aws-secretsmanager-routes.ts'
import type { ActionContext } from './context.ts'
import { markedForDeletion, secretNotFound } from './errors.ts'
import { loadRecord, type SecretRecord } from './model.ts'

/** The record, or ResourceNotFoundException when the name, the ARN's suffix, region or account do not match. */
export async function findSecret(ctx: ActionContext, secretId: string): Promise<SecretRecord> {
  const record = await findSecretOrUndefined(ctx, secretId)
  if (!record) throw secretNotFound()
  return record
}

export async function findSecretOrUndefined(
  ctx: ActionContext,
  secretId: string,
): Promise<SecretRecord | undefined> {
  const { name, suffix, arn } = parseSecretId(secretId)
  if (arn && (arn.region !== ctx.region || arn.account !== ctx.accountId)) return undefined
  const record = await loadRecord(ctx.storage, name)
  if (!record || (suffix !== undefined && record.suffix !== suffix)) return undefined
  return record
}

/** The lock key for a SecretId: every form of it for one secret takes the same lock. */
export function lockKey(secretId: string): string {
  return parseSecretId(secretId).name
}

export function requireLive(record: SecretRecord): SecretRecord {
  if (record.deletedDate !== undefined) throw markedForDeletion()
  return record
}
