// Versions and staging labels: AWS's invariants (one version per label, AWSPREVIOUS follows AWSCURRENT) and retention.
import { invalidParameter, limitExceeded } from './errors.ts'
import { type SecretRecord, versionWithStage } from './model.ts'

export const CURRENT = 'AWSCURRENT'
export const PREVIOUS = 'AWSPREVIOUS'
export const MAX_VERSIONS = 100
export const MAX_STAGES_PER_VERSION = 20
/** AWS never removes a version younger than a day, whatever the count. */
export const RETENTION_MIN_AGE_MS = 24 * 3600 * 1000

/** Put `stage` on `versionId` alone; moving AWSCURRENT hands AWSPREVIOUS to the version it left. */
function attach(record: SecretRecord, stage: string, versionId: string): void {
  const holder = versionWithStage(record, stage)
  if (holder === versionId) return
  if (holder !== undefined) detach(record, stage, holder)
  const target = record.versions[versionId]!
  if (target.stages.length >= MAX_STAGES_PER_VERSION)
    throw limitExceeded(`A version can have at most ${MAX_STAGES_PER_VERSION} staging labels.`)
  target.stages.push(stage)
  if (stage === CURRENT && holder !== undefined) attach(record, PREVIOUS, holder)
}

/** Attach `stage` to `versionId`, taking it from whichever version holds it (AWSPREVIOUS follows AWSCURRENT). */
export function moveStageTo(record: SecretRecord, stage: string, versionId: string): void {
  attach(record, stage, versionId)
}

function detach(record: SecretRecord, stage: string, versionId: string): void {
  const meta = record.versions[versionId]!
  meta.stages = meta.stages.filter((s) => s !== stage)
}

/**
 * Add a version with `stages` (AWSCURRENT when none are given). The first value a secret gets is AWSCURRENT
 * whatever was asked, as AWS does. Returns the versions retention dropped, whose values the caller deletes in the
 * same batch; throws LimitExceededException, leaving the record as it was in storage, when none could be dropped.
 */
export function addVersion(
  record: SecretRecord,
  versionId: string,
  now: number,
  stages: string[] | undefined,
): string[] {
  record.versions[versionId] = { createdDate: now, stages: [] }
  const wanted = stages ?? [CURRENT]
  const labels =
    versionWithStage(record, CURRENT) === undefined && !wanted.includes(CURRENT)
      ? [...wanted, CURRENT]
      : wanted
  for (const stage of new Set(labels)) attach(record, stage, versionId)
  return prune(record, now)
}

/**
 * Keep at most MAX_VERSIONS: drop the oldest versions that have no label and are at least a day old. When that
 * is not enough, the write fails (AWS's version quota), so a version is never lost silently.
 */
export function prune(record: SecretRecord, now: number): string[] {
  const ids = Object.keys(record.versions)
  let excess = ids.length - MAX_VERSIONS
  const dropped: string[] = []
  for (const id of ids) {
    if (excess <= 0) break
    const meta = record.versions[id]!
    if (meta.stages.length === 0 && now - meta.createdDate >= RETENTION_MIN_AGE_MS) {
      delete record.versions[id]
      dropped.push(id)
      excess--
    }
  }
  if (excess > 0)
    throw limitExceeded(
      `You have exceeded the maximum number of versions (${MAX_VERSIONS}) for this secret; unlabeled versions are removed once they are a day old.`,
    )
  return dropped
}

/**
 * UpdateSecretVersionStage: move `stage` to `moveTo`, or remove it from `removeFrom`. A label attached elsewhere
 * must be named in RemoveFromVersionId; AWSCURRENT can be moved but never just removed.
 */
export function moveStage(
  record: SecretRecord,
  stage: string,
  removeFrom: string | undefined,
  moveTo: string | undefined,
): void {
  if (removeFrom === undefined && moveTo === undefined)
    throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.')
  if (moveTo !== undefined && !record.versions[moveTo])
    throw invalidParameter(`Not a valid version: ${moveTo}`)
  if (removeFrom !== undefined && !record.versions[removeFrom])
    throw invalidParameter(`Not a valid version: ${removeFrom}`)
  // A rotation's pending version before createSecret stored its value: AWSCURRENT there would leave no value.
  if (stage === CURRENT && moveTo !== undefined && record.versions[moveTo]!.noValue)
    throw invalidParameter(
      `Version ${moveTo} has no value yet; AWSCURRENT can only move to a version with a value.`,
    )
  const holder = versionWithStage(record, stage)
  if (removeFrom !== undefined && holder !== removeFrom) {
    if (holder === undefined)
      throw invalidParameter(`Version stage ${stage} not found in version ${removeFrom}`)
    throw invalidParameter(
      `When you move staging label ${stage}, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label ${stage}.`,
    )
  }
  if (moveTo === undefined) {
    if (stage === CURRENT)
      throw invalidParameter(
        "You can't remove the staging label AWSCURRENT from a version; move it to another version with MoveToVersionId.",
      )
    detach(record, stage, removeFrom!)
    return
  }
  if (holder !== undefined && holder !== moveTo && removeFrom === undefined)
    throw invalidParameter(
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
    )
  attach(record, stage, moveTo)
}
