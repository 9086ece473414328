// A secret's metadata as DescribeSecret and ListSecrets answer it (no values; absent members left out).
import { type ActionContext, arnOf } from './context.ts'
import { epochSeconds } from './input.ts'
import { type SecretRecord, versionsToStages } from './model.ts'

/** DescribeSecret names the label map VersionIdsToStages; ListSecrets entries name it SecretVersionsToStages. */
export function secretMetadata(
  ctx: Pick<ActionContext, 'region' | 'accountId'>,
  record: SecretRecord,
  mapName: 'VersionIdsToStages' | 'SecretVersionsToStages',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
  if (record.type !== undefined) out['Type'] = record.type
  if (record.description !== undefined) out['Description'] = record.description
  if (record.kmsKeyId !== undefined) out['KmsKeyId'] = record.kmsKeyId
  const rotation = record.rotation
  out['RotationEnabled'] = rotation?.enabled ?? false
  if (rotation?.lambdaArn !== undefined) out['RotationLambdaARN'] = rotation.lambdaArn
  if (rotation?.rules !== undefined) out['RotationRules'] = rotation.rules
  if (rotation?.lastRotatedDate !== undefined) out['LastRotatedDate'] = epochSeconds(rotation.lastRotatedDate)
  if (rotation?.enabled && rotation.nextRotationDate !== undefined)
    out['NextRotationDate'] = epochSeconds(rotation.nextRotationDate)
  out['LastChangedDate'] = epochSeconds(record.lastChangedDate)
  if (record.deletedDate !== undefined) out['DeletedDate'] = epochSeconds(record.deletedDate)
  if (record.tags.length > 0) out['Tags'] = record.tags.map((t) => ({ ...t }))
  out[mapName] = versionsToStages(record)
  out['CreatedDate'] = epochSeconds(record.createdDate)
  return out
}
