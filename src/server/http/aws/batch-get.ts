// BatchGetSecretValue in the adapter: each secret read with its own authorisation; refusals go into Errors.
import { AwsError } from '../../../sdk/aws-error.ts'
import type { SecretsManagerAction } from '../../../sdk/aws-secretsmanager-routes.ts'

type Call = (action: SecretsManagerAction, input: Record<string, unknown>) => Promise<Record<string, unknown>>

const invalid = (message: string) => new AwsError('InvalidParameterException', message)

/**
 * The engine cannot answer this action itself: every secret needs its own `read` check, which only core makes.
 * With Filters the names come from ListSecrets (authorised as `list` on the metadata folder), then each value
 * from GetSecretValue (authorised on that secret's path).
 */
export async function batchGetSecretValue(
  input: Record<string, unknown>,
  call: Call,
): Promise<Record<string, unknown>> {
  const ids = input['SecretIdList']
  const filters = input['Filters']
  const hasFilters = filters !== undefined && filters !== null
  if (ids !== undefined && ids !== null && hasFilters)
    throw invalid('Either SecretIdList or Filters must be provided, but not both.')
  let targets: string[]
  let nextToken: unknown
  if (ids !== undefined && ids !== null) {
    if (
      !Array.isArray(ids) ||
      ids.length < 1 ||
      ids.length > 20 ||
      !ids.every((id) => typeof id === 'string')
    )
      throw invalid('SecretIdList must hold 1 to 20 secret IDs.')
    if (input['MaxResults'] !== undefined || input['NextToken'] !== undefined)
      throw invalid('MaxResults and NextToken can only be used with Filters.')
    targets = ids as string[]
  } else if (hasFilters) {
    const maxResults = input['MaxResults'] ?? 20
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 20)
      throw invalid('MaxResults must be between 1 and 20.')
    const page = await call('ListSecrets', {
      Filters: filters,
      MaxResults: maxResults,
      ...(input['NextToken'] !== undefined ? { NextToken: input['NextToken'] } : {}),
    })
    const list = Array.isArray(page['SecretList']) ? (page['SecretList'] as Record<string, unknown>[]) : []
    targets = list.map((entry) => String(entry['Name']))
    nextToken = page['NextToken']
  } else throw invalid('Either SecretIdList or Filters must be provided.')

  const values: Record<string, unknown>[] = []
  const errors: Record<string, unknown>[] = []
  for (const secretId of targets) {
    try {
      const { ARN, Name, VersionId, SecretString, SecretBinary, VersionStages, CreatedDate } = await call(
        'GetSecretValue',
        { SecretId: secretId },
      )
      const value = { ARN, Name, VersionId, SecretString, SecretBinary, VersionStages, CreatedDate }
      values.push(Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)))
    } catch (error) {
      // Refusals and missing secrets are reported per secret; anything else fails the whole call.
      if (!(error instanceof AwsError) || error.status >= 500) throw error
      errors.push({ SecretId: secretId, ErrorCode: error.awsType, Message: error.message })
    }
  }
  return {
    SecretValues: values,
    Errors: errors,
    ...(typeof nextToken === 'string' ? { NextToken: nextToken } : {}),
  }
}
