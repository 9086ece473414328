// BatchGetSecretValue: AWSCURRENT values of up to 20 secrets by ID or by filters; per-secret failures go into Errors.
import type { ActionContext } from '../context.ts'
import { AwsError, invalidParameter } from '../errors.ts'
import { type Input, optStringList } from '../input.ts'
import { getSecretValue } from './get-secret-value.ts'
import { listPage } from './list-secrets.ts'

/**
 * How one secret is fetched: in the engine, GetSecretValue itself; the adapter, which authorises each secret
 * on its own path, passes a function that answers a refused one with AccessDeniedException.
 */
export type GetOne = (secretId: string) => Promise<Record<string, unknown>>

export async function batchGetSecretValue(
  ctx: ActionContext,
  input: Input,
  getOne: GetOne = (secretId) => getSecretValue(ctx, { SecretId: secretId }),
): Promise<Record<string, unknown>> {
  const ids = optStringList(input, 'SecretIdList', { min: 1, max: 20, itemMax: 2048 })
  const hasFilters = input['Filters'] !== undefined && input['Filters'] !== null
  if (ids !== undefined && hasFilters)
    throw invalidParameter('Either SecretIdList or Filters must be provided, but not both.')
  if (ids === undefined && !hasFilters)
    throw invalidParameter('Either SecretIdList or Filters must be provided.')
  if (ids !== undefined && (input['MaxResults'] !== undefined || input['NextToken'] !== undefined))
    throw invalidParameter('MaxResults and NextToken can only be used with Filters.')
  let targets: string[]
  let nextToken: string | undefined
  if (ids !== undefined) targets = ids
  else {
    const page = await listPage(
      ctx,
      { Filters: input['Filters'], MaxResults: input['MaxResults'], NextToken: input['NextToken'] },
      20,
      20,
    )
    targets = page.records.map((r) => r.name)
    nextToken = page.nextToken
  }
  const values: Record<string, unknown>[] = []
  const errors: Record<string, unknown>[] = []
  for (const secretId of targets) {
    try {
      const { ARN, Name, VersionId, SecretString, SecretBinary, VersionStages, CreatedDate } =
        await getOne(secretId)
      values.push({ ARN, Name, VersionId, SecretString, SecretBinary, VersionStages, CreatedDate })
    } catch (error) {
      if (!(error instanceof AwsError)) throw error
      errors.push({ SecretId: secretId, ErrorCode: error.awsType, Message: error.message })
    }
  }
  return {
    SecretValues: values.map((v) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined))),
    Errors: errors,
    ...(nextToken ? { NextToken: nextToken } : {}),
  }
}
