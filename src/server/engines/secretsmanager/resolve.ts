// Finding the secret a SecretId names (name, full ARN or partial ARN) in the caller's region, and refusing one that waits for deletion or is a replica.
import { parseSecretId } from '../../../sdk/aws-secretsmanager-routes.ts'
import type { ActionContext } from './context.ts'
import { markedForDeletion, replicaReadOnly, secretNotFound } from './errors.ts'
import { loadRecord, loadRecordShared, regionalStoreId, type SecretRecord } from './model.ts'

/** The record, or ResourceNotFoundException when the name, the ARN's suffix, region or account do not match. */
export async function findSecret(
  ctx: ActionContext,
  secretId: string,
  shared = false,
): Promise<SecretRecord> {
  const record = await findSecretOrUndefined(ctx, secretId, shared)
  if (!record) throw secretNotFound()
  return record
}

/** As findSecret, refusing a replica: only the primary region may change a secret. */
export async function findPrimary(ctx: ActionContext, secretId: string): Promise<SecretRecord> {
  return requirePrimary(ctx, await findSecret(ctx, secretId))
}

/** `shared`: the frozen, shared record (loadRecordShared), for a reader that changes nothing. */
export async function findSecretOrUndefined(
  ctx: ActionContext,
  secretId: string,
  shared = false,
): Promise<SecretRecord | undefined> {
  const { name, suffix, arn } = parseSecretId(secretId)
  if (arn && arn.account !== ctx.accountId) return undefined
  if (arn && !ctx.anyRegion && arn.region !== ctx.region) return undefined
  const record = await locate(ctx, name, shared)
  if (!record || (suffix !== undefined && record.suffix !== suffix)) return undefined
  // A request without a region acts in the secret's primary region, so its ARNs name that region.
  if (ctx.anyRegion && record.region !== undefined) ctx.region = record.region
  if (arn && arn.region !== ctx.region) return undefined
  return record
}

/** Seen from `region`: its primary region (any region for a record without one) and its replicas' regions. */
export function visibleIn(record: SecretRecord, region: string): boolean {
  return (
    record.region === undefined || record.region === region || record.replicas?.[region]?.status === 'InSync'
  )
}

/** Whether `record`, as the caller sees it, is a replica (read-only) rather than the primary. */
export function isReplicaView(ctx: Pick<ActionContext, 'region'>, record: SecretRecord): boolean {
  return record.region !== undefined && record.region !== ctx.region
}

/**
 * The secret `name` seen from the caller's region: the record stored under the name when it is visible there,
 * else one stored under the region and name (a same-name secret primary in this region).
 */
export async function locate(
  ctx: ActionContext,
  name: string,
  shared = false,
): Promise<SecretRecord | undefined> {
  const load = shared ? loadRecordShared : loadRecord
  const home = await load(ctx.storage, name)
  if (home && (ctx.anyRegion || visibleIn(home, ctx.region))) return home
  return load(ctx.storage, regionalStoreId(ctx.region, name))
}

/** The lock key for a SecretId: every form of it for one secret takes the same lock (all regions' too). */
export function lockKey(secretId: string): string {
  return parseSecretId(secretId).name
}

export function requireLive(record: SecretRecord): SecretRecord {
  if (record.deletedDate !== undefined) throw markedForDeletion()
  return record
}

export function requirePrimary(ctx: ActionContext, record: SecretRecord): SecretRecord {
  if (isReplicaView(ctx, record)) throw replicaReadOnly()
  return record
}
