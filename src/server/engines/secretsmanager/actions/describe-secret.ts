// DescribeSecret: metadata, labels and dates, also for a secret that waits for deletion (DeletedDate tells).
import type { ActionContext } from '../context.ts'
import { secretMetadata } from '../describe.ts'
import { type Input, secretIdOf } from '../input.ts'
import { findSecret } from '../resolve.ts'

export async function describeSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const record = await findSecret(ctx, secretIdOf(input))
  return secretMetadata(ctx, record, 'VersionIdsToStages')
}
