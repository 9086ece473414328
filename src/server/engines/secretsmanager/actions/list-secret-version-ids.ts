// ListSecretVersionIds: the versions with labels (and the unlabeled ones with IncludeDeprecated), newest first, paged.
import { accessOf } from '../access.ts'
import { type ActionContext, arnOf } from '../context.ts'
import { AwsError } from '../errors.ts'
import { epochSeconds, type Input, optBool, optInt, secretIdOf } from '../input.ts'
import { findSecret } from '../resolve.ts'

export async function listSecretVersionIds(
  ctx: ActionContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const record = await findSecret(ctx, secretIdOf(input))
  const includeDeprecated = optBool(input, 'IncludeDeprecated') ?? false
  const max = optInt(input, 'MaxResults', 1, 100) ?? 100
  const ids = Object.keys(record.versions)
    .reverse()
    .filter((id) => includeDeprecated || record.versions[id]!.stages.length > 0)
  let start = 0
  const token = input['NextToken']
  if (token !== undefined && token !== null) {
    // The token is the version ID the next page starts with, encoded so callers treat it as opaque.
    const id = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : ''
    start = ids.indexOf(id)
    if (start < 0) throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.')
  }
  const page = ids.slice(start, start + max)
  const next = ids[start + max]
  const access = await accessOf(ctx, record)
  return {
    Versions: page.map((id) => {
      const meta = record.versions[id]!
      const lastAccessed = access.versions[id]
      return {
        VersionId: id,
        VersionStages: [...meta.stages],
        ...(lastAccessed !== undefined ? { LastAccessedDate: epochSeconds(lastAccessed) } : {}),
        CreatedDate: epochSeconds(meta.createdDate),
        // The keys this version's value is encrypted under (none under the default key).
        ...(meta.kmsKeyIds !== undefined ? { KmsKeyIds: [...meta.kmsKeyIds] } : {}),
      }
    }),
    ...(next !== undefined ? { NextToken: Buffer.from(next).toString('base64url') } : {}),
    ARN: arnOf(ctx, record.name, record.suffix),
    Name: record.name,
  }
}
