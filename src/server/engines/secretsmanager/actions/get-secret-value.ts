// GetSecretValue: one version's value, chosen by VersionId and/or VersionStage (AWSCURRENT by default).

import { sharedAnswer } from '../../../../sdk/shared-answer.ts'
import { getJsonSharedNow } from '../../../../sdk/storage.ts'
import { noteRead } from '../access.ts'
import { type ActionContext, arnOf } from '../context.ts'
import { invalidRequest, stageNotFound, versionNotFound } from '../errors.ts'
import { epochSeconds, type Input, optString, secretIdOf } from '../input.ts'
import { isSealed, type StoredValue } from '../kms-envelope.ts'
import { type SecretRecord, type SecretValue, storeIdOf, valueKey, versionWithStage } from '../model.ts'
import { findSecret, requireLive } from '../resolve.ts'
import { openStored } from '../version-crypto.ts'
import { CURRENT } from '../versions.ts'

export async function getSecretValue(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const secretId = secretIdOf(input)
  const versionId = optString(input, 'VersionId', { min: 32, max: 64 })
  const stage = optString(input, 'VersionStage', { min: 1, max: 256 })
  // Reads take no lock: a write stores the record and its value in one batch. A version dropped by retention
  // between our two reads (its labels moved away meanwhile) is looked up again once.
  for (let attempt = 0; ; attempt++) {
    const record = requireLive(await findSecret(ctx, secretId, true))
    const id = pickVersion(record, versionId, stage)
    const value = await getJsonSharedNow<StoredValue>(ctx.storage, valueKey(storeIdOf(record), id))
    if (value === undefined && attempt === 0) continue
    if (value === undefined) throw versionNotFound(id)
    const arn = arnOf(ctx, record.name, record.suffix)
    const meta = record.versions[id]!
    // Under a KMS key each read is this caller's kms:Decrypt, so nothing is remembered across callers.
    if (isSealed(value)) {
      const opened = await openStored(ctx, record, value)
      noteRead(ctx, record, id)
      return {
        ARN: arn,
        Name: record.name,
        VersionId: id,
        ...opened,
        VersionStages: [...meta.stages],
        CreatedDate: epochSeconds(meta.createdDate),
      }
    }
    // LastAccessedDate: all but the first read of the day cost a lookup and a compare here (access.ts).
    noteRead(ctx, record, id)
    const remembered = answers.get(record)
    if (remembered && remembered.value === value && remembered.id === id && remembered.arn === arn)
      return remembered.answer
    const answer = sharedAnswer({
      ARN: arn,
      Name: record.name,
      VersionId: id,
      ...value,
      VersionStages: [...meta.stages],
      CreatedDate: epochSeconds(meta.createdDate),
    })
    answers.set(record, { value, id, arn, answer })
    return answer
  }
}

/**
 * The last answer built from each stored version of a secret's record (the frozen shared parse, a new object
 * whenever the record is written): the same record, value, version and ARN give the same answer, handed out again
 * (frozen and shared) so that a hot secret's read builds nothing and the AWS front door encodes it once.
 */
const answers = new WeakMap<
  SecretRecord,
  { value: SecretValue; id: string; arn: string; answer: Record<string, unknown> }
>()

/** AWS: both selectors must designate the same version; a stage alone names its holder. */
export function pickVersion(
  record: SecretRecord,
  versionId: string | undefined,
  stage: string | undefined,
): string {
  if (versionId !== undefined) {
    const meta = record.versions[versionId]
    if (!meta) throw versionNotFound(versionId)
    if (stage !== undefined && !meta.stages.includes(stage))
      throw invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.')
    return versionId
  }
  const label = stage ?? CURRENT
  const holder = versionWithStage(record, label)
  if (holder === undefined) throw stageNotFound(label)
  return holder
}
