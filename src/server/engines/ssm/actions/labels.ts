// LabelParameterVersion and UnlabelParameterVersion: a label is on one version at a time, at most 10 per version.
import { parseParameterRef } from '../../../../sdk/aws-ssm-routes.ts'
import type { SsmContext } from '../context.ts'
import { labelLimit, parameterNotFound, validation, versionNotFound } from '../errors.ts'
import { type Input, optInt, reqString, reqStringList } from '../input.ts'
import { latest, loadRecord, lockKey, putRecordOp } from '../model.ts'
import { isValidLabel } from '../names.ts'

const MAX_LABELS = 10

function labelsOf(input: Input): string[] {
  const labels = reqStringList(input, 'Labels', { min: 1, max: 10 })
  if (labels.some((l) => l.length < 1 || l.length > 100))
    throw validation(
      'labels',
      'Member must satisfy constraint: [Member must have length less than or equal to 100, Member must have length ' +
        'greater than or equal to 1]',
    )
  return labels
}

/** Labels with valid syntax move to the version (from whichever version held them); the others come back unapplied. */
export async function labelParameterVersion(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const ref = reqString(input, 'Name', { min: 1, max: 2048 })
  const wanted = optInt(input, 'ParameterVersion', 1, Number.MAX_SAFE_INTEGER)
  const labels = labelsOf(input)
  const { name } = parseParameterRef(ref)
  return ctx.locks.run(lockKey(name), async () => {
    const record = await loadRecord(ctx.storage, name)
    if (!record) throw parameterNotFound(ref)
    const target = wanted === undefined ? latest(record) : record.versions.find((v) => v.version === wanted)
    if (!target) throw versionNotFound(name, wanted!)
    const valid = [...new Set(labels.filter(isValidLabel))]
    const invalid = labels.filter((l) => !isValidLabel(l))
    const added = valid.filter((l) => !target.labels.includes(l))
    if (target.labels.length + added.length > MAX_LABELS) throw labelLimit()
    for (const version of record.versions)
      if (version !== target) version.labels = version.labels.filter((l) => !added.includes(l))
    target.labels.push(...added)
    await ctx.storage.batch([putRecordOp(record)])
    return { InvalidLabels: invalid, ParameterVersion: target.version }
  })
}

/** Labels on the version are removed; labels it does not hold come back as InvalidLabels. */
export async function unlabelParameterVersion(
  ctx: SsmContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const ref = reqString(input, 'Name', { min: 1, max: 2048 })
  const wanted = optInt(input, 'ParameterVersion', 1, Number.MAX_SAFE_INTEGER)
  if (wanted === undefined) throw validation('parameterVersion', 'Member must not be null')
  const labels = labelsOf(input)
  const { name } = parseParameterRef(ref)
  return ctx.locks.run(lockKey(name), async () => {
    const record = await loadRecord(ctx.storage, name)
    if (!record) throw parameterNotFound(ref)
    const target = record.versions.find((v) => v.version === wanted)
    if (!target) throw versionNotFound(name, wanted)
    const removed = [...new Set(labels.filter((l) => target.labels.includes(l)))]
    const invalid = labels.filter((l) => !target.labels.includes(l))
    target.labels = target.labels.filter((l) => !removed.includes(l))
    if (removed.length > 0) await ctx.storage.batch([putRecordOp(record)])
    return { RemovedLabels: removed, InvalidLabels: invalid }
  })
}
