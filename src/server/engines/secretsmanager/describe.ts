// A secret's metadata as DescribeSecret and ListSecrets answer it (no values; absent members left out).
import { type AccessView, lastAccessedIn } from './access.ts'
import { type ActionContext, arnOf } from './context.ts'
import { epochSeconds } from './input.ts'
import { type SecretRecord, versionsToStages } from './model.ts'
import { replicationStatus } from './replication.ts'

/**
 * DescribeSecret names the label map VersionIdsToStages; ListSecrets entries name it SecretVersionsToStages.
 * Seen from a replica's region it describes the replica (its ARN and KMS key); a request without a region sees
 * the primary. `access`: the days it was read (access.ts); LastAccessedDate is left out without one.
 */
export function secretMetadata(
  ctx: Pick<ActionContext, 'region' | 'accountId' | 'anyRegion'>,
  record: SecretRecord,
  mapName: 'VersionIdsToStages' | 'SecretVersionsToStages',
  access?: AccessView,
): Record<string, unknown> {
  const region = seenRegion(ctx, record)
  const replica =
    record.region !== undefined && region !== record.region ? record.replicas?.[region] : undefined
  const out: Record<string, unknown> = {
    ARN: arnOf({ region, accountId: ctx.accountId }, record.name, record.suffix),
    Name: record.name,
  }
  if (record.type !== undefined) out['Type'] = record.type
  if (record.description !== undefined) out['Description'] = record.description
  const kmsKeyId = replica ? replica.kmsKeyId : record.kmsKeyId
  if (kmsKeyId !== undefined) out['KmsKeyId'] = kmsKeyId
  const rotation = record.rotation
  // AWS answers only members that have a value: a secret never configured for rotation has no RotationEnabled.
  if (rotation !== undefined) out['RotationEnabled'] = rotation.enabled
  if (rotation?.lambdaArn !== undefined) out['RotationLambdaARN'] = rotation.lambdaArn
  if (rotation?.rules !== undefined) out['RotationRules'] = rotation.rules
  if (rotation?.lastRotatedDate !== undefined) out['LastRotatedDate'] = epochSeconds(rotation.lastRotatedDate)
  if (rotation?.enabled && rotation.nextRotationDate !== undefined)
    out['NextRotationDate'] = epochSeconds(rotation.nextRotationDate)
  out['LastChangedDate'] = epochSeconds(record.lastChangedDate)
  const lastAccessed = lastAccessedIn(access, record, region)
  if (lastAccessed !== undefined) out['LastAccessedDate'] = epochSeconds(lastAccessed)
  if (record.deletedDate !== undefined) out['DeletedDate'] = epochSeconds(record.deletedDate)
  if (record.tags.length > 0 || record.tagged) out['Tags'] = record.tags.map((t) => ({ ...t }))
  const stages = versionsToStages(record)
  if (Object.keys(stages).length > 0) out[mapName] = stages
  out['CreatedDate'] = epochSeconds(record.createdDate)
  // Only replicated secrets and their replicas name a primary region, as moto answers.
  if (record.replicas !== undefined || replica) out['PrimaryRegion'] = record.region
  // DescribeSecret's model declares ReplicationStatus; a ListSecrets entry's (SecretListEntry) does not.
  if (mapName === 'VersionIdsToStages' && record.replicas !== undefined && !replica)
    out['ReplicationStatus'] = replicationStatus(record, access)
  return out
}

/** The region a secret is described in: the caller's, or its primary for a request without a region. */
export function seenRegion(ctx: Pick<ActionContext, 'region' | 'anyRegion'>, record: SecretRecord): string {
  return ctx.anyRegion ? (record.region ?? ctx.region) : ctx.region
}
