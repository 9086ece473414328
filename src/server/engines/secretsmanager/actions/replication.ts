// ReplicateSecretToRegions, RemoveRegionsFromReplication (in the primary's region) and StopReplicationToReplica (in the replica's).
import { type ActionContext, arnOf } from '../context.ts'
import { invalidRequest, validation } from '../errors.ts'
import { type Input, optBool, secretIdOf } from '../input.ts'
import {
  loadValue,
  putRecordOp,
  putValueOp,
  regionalStoreId,
  type SecretRecord,
  storeIdOf,
} from '../model.ts'
import { addReplicas, regionListOf, replicaRequestsOf, replicationStatus } from '../replication.ts'
import { findPrimary, findSecret, isReplicaView, lockKey, requireLive } from '../resolve.ts'

const answer = (ctx: ActionContext, record: SecretRecord) => ({
  ARN: arnOf(ctx, record.name, record.suffix),
  ReplicationStatus: replicationStatus(record),
})

export async function replicateSecretToRegions(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const requests = replicaRequestsOf(input)
  if (requests === undefined) throw validation('addReplicaRegions', 'Member must not be null')
  const force = optBool(input, 'ForceOverwriteReplicaSecret') ?? false
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = requireLive(await findPrimary(ctx, secretId))
    const ops = await addReplicas(ctx, record, requests, force)
    await ctx.storage.batch([...ops, putRecordOp(record)])
    return answer(ctx, record)
  })
}

export async function removeRegionsFromReplication(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const regions = regionListOf(input, 'RemoveReplicaRegions')
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const record = await findPrimary(ctx, secretId)
    // A region that holds no replica is left as it is: removing is idempotent.
    const replicas = { ...record.replicas }
    for (const region of regions) delete replicas[region]
    if (Object.keys(replicas).length > 0) record.replicas = replicas
    else delete record.replicas
    await ctx.storage.batch([putRecordOp(record)])
    return answer(ctx, record)
  })
}

/**
 * Promotion: the replica seen in the caller's region becomes a standalone secret there, with the same ARN, the
 * primary's versions, labels, tags and policy as they are now, and the replica's KMS key; the primary keeps its
 * other replicas. It is stored under its region and name, since the primary keeps the name's home.
 */
export async function stopReplicationToReplica(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  return ctx.state.locks.run(lockKey(secretId), async () => {
    const primary = requireLive(await findSecret(ctx, secretId))
    const replica = primary.replicas?.[ctx.region]
    if (!isReplicaView(ctx, primary) || replica === undefined)
      throw invalidRequest('StopReplicationToReplica must be called in the region of a replica secret.')
    const promoted: SecretRecord = structuredClone(primary)
    delete promoted.replicas
    delete promoted.kmsKeyId
    delete promoted.kmsKey
    if (replica.kmsKeyId !== undefined) promoted.kmsKeyId = replica.kmsKeyId
    if (replica.kmsKey !== undefined) promoted.kmsKey = replica.kmsKey
    promoted.region = ctx.region
    promoted.storeAs = regionalStoreId(ctx.region, primary.name)
    const values = await Promise.all(
      // A rotation's pending version without a value yet has nothing to copy.
      Object.keys(primary.versions)
        .filter((id) => !primary.versions[id]!.noValue)
        .map(async (id) =>
          putValueOp(storeIdOf(promoted), id, await loadValue(ctx.storage, storeIdOf(primary), id)),
        ),
    )
    const remaining = { ...primary.replicas }
    delete remaining[ctx.region]
    if (Object.keys(remaining).length > 0) primary.replicas = remaining
    else delete primary.replicas
    await ctx.storage.batch([putRecordOp(primary), putRecordOp(promoted), ...values])
    return { ARN: arnOf(ctx, promoted.name, promoted.suffix) }
  })
}
