// Adding a value to a secret for PutSecretValue and UpdateSecret: idempotent on the token, retention in the same batch.
import { uuid } from '../../../lib/random.ts'
import type { StorageOp } from '../../../sdk/storage.ts'
import { type ActionContext, arnOf } from './context.ts'
import { tokenInUse } from './errors.ts'
import {
  deleteValueOp,
  putValueOp,
  type SecretRecord,
  type SecretValue,
  sameValue,
  storeIdOf,
} from './model.ts'
import { readValue, storedValueFor } from './version-crypto.ts'
import { addVersion, CURRENT, moveStageTo } from './versions.ts'

export interface VersionWrite {
  versionId: string
  /** False when the token named an existing version with the same value: a retry, nothing written. */
  created: boolean
  ops: StorageOp[]
}

/**
 * Add `value` to `record` (mutated) as version `token` (a new UUID without one). An existing version with the
 * same value is a retry and succeeds unchanged; with another value it is ResourceExistsException, since versions
 * are immutable. The caller holds the secret's lock and writes `ops` with the record in one batch.
 */
export async function writeVersion(
  ctx: ActionContext,
  record: SecretRecord,
  value: SecretValue,
  token: string | undefined,
  stages: string[] | undefined,
): Promise<VersionWrite> {
  const versionId = token ?? uuid()
  const existing = record.versions[versionId]
  if (existing?.noValue) return fillPending(ctx, record, versionId, value, stages)
  if (existing) {
    // Plaintexts compared: a version sealed under a KMS key has a fresh ciphertext on every write.
    if (sameValue(await readValue(ctx, record, versionId), value))
      return { versionId, created: false, ops: [] }
    throw tokenInUse(versionId, arnOf(ctx, record.name, record.suffix))
  }
  const now = ctx.now()
  const dropped = addVersion(record, versionId, now, stages)
  record.lastChangedDate = now
  // Sealed (when the secret has a KMS key) while the caller holds the lock: the key recorded is the key used.
  const stored = await storedValueFor(ctx, record, versionId, value)
  return {
    versionId,
    created: true,
    ops: [
      putValueOp(storeIdOf(record), versionId, stored),
      ...dropped.map((id) => deleteValueOp(storeIdOf(record), id)),
    ],
  }
}

/** The pending version a rotation created gets its value: the labels asked for join the AWSPENDING it has. */
async function fillPending(
  ctx: ActionContext,
  record: SecretRecord,
  versionId: string,
  value: SecretValue,
  stages: string[] | undefined,
): Promise<VersionWrite> {
  const meta = record.versions[versionId]!
  delete meta.noValue
  for (const stage of stages ?? [CURRENT])
    if (!meta.stages.includes(stage)) moveStageTo(record, stage, versionId)
  record.lastChangedDate = ctx.now()
  const stored = await storedValueFor(ctx, record, versionId, value)
  return { versionId, created: true, ops: [putValueOp(storeIdOf(record), versionId, stored)] }
}
