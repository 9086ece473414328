// DescribeSecret: metadata, labels, dates and rotation progress, also for a secret that waits for deletion (DeletedDate tells).
import { accessOf } from '../access.ts'
import type { ActionContext } from '../context.ts'
import { secretMetadata } from '../describe.ts'
import { type Input, secretIdOf } from '../input.ts'
import { findSecret } from '../resolve.ts'
import { rotationProgress } from '../rotation-status.ts'

export async function describeSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const record = await findSecret(ctx, secretIdOf(input))
  const out = secretMetadata(ctx, record, 'VersionIdsToStages', await accessOf(ctx, record))
  const progress = rotationProgress(record)
  if (progress) out['RotationStatus'] = progress
  return out
}
