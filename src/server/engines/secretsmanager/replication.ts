// Replicas: read-only views of a primary's versions in other regions, so every write to the primary is in sync there by construction.

import { type Input, member } from '../../../sdk/aws-input.ts'
import type { StorageOp } from '../../../sdk/storage.ts'
import type { AccessView } from './access.ts'
import type { ActionContext } from './context.ts'
import { invalidParameter, invalidRequest, validation } from './errors.ts'
import { epochSeconds } from './input.ts'
import { isDefaultKey, resolveKey } from './kms-envelope.ts'
import { loadRecord, type ReplicaMeta, regionalStoreId, type SecretRecord, storeIdOf } from './model.ts'
import { purgeOps } from './purge.ts'

export interface ReplicaRequest {
  region: string
  kmsKeyId?: string
}

const REGION = /^([a-z]+-)+\d+$/

function regionOf(raw: unknown, memberName: string): string {
  if (typeof raw !== 'string' || raw.length < 1 || raw.length > 128)
    throw validation(memberName, 'Member must have length between 1 and 128')
  if (!REGION.test(raw))
    throw validation(memberName, 'Member must satisfy regular expression pattern: ^([a-z]+-)+\\d+$')
  return raw
}

/** `AddReplicaRegions: [{Region, KmsKeyId}]`, one entry per region; undefined when absent. */
export function replicaRequestsOf(input: Input, name = 'AddReplicaRegions'): ReplicaRequest[] | undefined {
  const raw = input[name]
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw) || raw.length < 1)
    throw validation(member(name), 'Member must have length greater than or equal to 1')
  const seen = new Set<string>()
  return raw.map((item: unknown) => {
    const entry = (item ?? {}) as { Region?: unknown; KmsKeyId?: unknown }
    const region = regionOf(entry.Region, `${member(name)}.member.region`)
    if (seen.has(region)) throw invalidParameter('Each replica region can be given only once.')
    seen.add(region)
    const kms = entry.KmsKeyId
    if (kms !== undefined && kms !== null && (typeof kms !== 'string' || kms.length > 2048))
      throw validation(
        `${member(name)}.member.kmsKeyId`,
        'Member must have length less than or equal to 2048',
      )
    return typeof kms === 'string' && kms !== '' ? { region, kmsKeyId: kms } : { region }
  })
}

/** `RemoveReplicaRegions: [region…]`. */
export function regionListOf(input: Input, name: string): string[] {
  const raw = input[name]
  if (!Array.isArray(raw) || raw.length < 1)
    throw validation(member(name), 'Member must have length greater than or equal to 1')
  return raw.map((item: unknown) => regionOf(item, `${member(name)}.member`))
}

/**
 * Add replicas to `record` (mutated; the caller holds the name's lock and stores it with the returned ops). A
 * region where another secret of the same name is primary fails the replica (`Failed`, as AWS reports it) unless
 * `force`, which deletes that secret. A region already replicated keeps its replica.
 */
export async function addReplicas(
  ctx: ActionContext,
  record: SecretRecord,
  requests: ReplicaRequest[],
  force: boolean,
): Promise<StorageOp[]> {
  if (record.storeAs !== undefined)
    // Its replicas would be found by name in a region where another secret holds the name's home: not kept.
    throw invalidRequest(
      'This server replicates a secret only when no secret of the same name is primary in another region.',
    )
  // A record written before regions were kept becomes primary in the region that first replicates it.
  record.region ??= ctx.region
  const replicas: Record<string, ReplicaMeta> = { ...record.replicas }
  const ops: StorageOp[] = []
  for (const { region, kmsKeyId } of requests) {
    if (region === record.region) throw invalidParameter("A replica can't be in the primary secret's region.")
    if (replicas[region]?.status === 'InSync') continue
    // A replica's key must exist too: it becomes the key of the secret its promotion makes.
    const key = isDefaultKey(kmsKeyId) ? undefined : await resolveKey(ctx, kmsKeyId!)
    const meta: ReplicaMeta = { status: 'InSync', ...(key ? { kmsKeyId: key.arn, kmsKey: key } : {}) }
    const there = await loadRecord(ctx.storage, regionalStoreId(region, record.name))
    if (there && !force) {
      meta.status = 'Failed'
      meta.statusMessage = 'Replication failed: Secret name already exists in Region.'
    } else if (there) ops.push(...(await purgeOps(ctx.storage, storeIdOf(there))))
    replicas[region] = meta
  }
  record.replicas = replicas
  return ops
}

/** ReplicationStatus as AWS answers it; LastAccessedDate (reads seen from that region) when `access` is given. */
export function replicationStatus(record: SecretRecord, access?: AccessView): Record<string, unknown>[] {
  return Object.entries(record.replicas ?? {}).map(([region, meta]) => {
    const lastAccessed = access?.regions[region]
    return {
      Region: region,
      ...(meta.kmsKeyId ? { KmsKeyId: meta.kmsKeyId } : {}),
      Status: meta.status,
      ...(meta.statusMessage ? { StatusMessage: meta.statusMessage } : {}),
      ...(lastAccessed !== undefined ? { LastAccessedDate: epochSeconds(lastAccessed) } : {}),
    }
  })
}
