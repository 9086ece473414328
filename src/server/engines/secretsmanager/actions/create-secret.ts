// CreateSecret: a new secret, with a first AWSCURRENT version when a value is given; a retry with its token is a no-op.
import { randomAlphanumeric, uuid } from '../../../../lib/random.ts'
import { type ActionContext, arnOf } from '../context.ts'
import { invalidRequest, secretExists, tokenInUse } from '../errors.ts'
import {
  type Input,
  mergeTags,
  nameOf,
  optBool,
  optString,
  secretValueOf,
  tagsOf,
  tokenOf,
} from '../input.ts'
import { isDefaultKey, resolveKey } from '../kms-envelope.ts'
import {
  loadRecord,
  putRecordOp,
  putValueOp,
  regionalStoreId,
  type SecretRecord,
  sameValue,
  storeIdOf,
} from '../model.ts'
import { addReplicas, replicaRequestsOf, replicationStatus } from '../replication.ts'
import { locate } from '../resolve.ts'
import { readValue, storedValueFor } from '../version-crypto.ts'
import { addVersion } from '../versions.ts'

export async function createSecret(ctx: ActionContext, input: Input): Promise<Record<string, unknown>> {
  const name = nameOf(input)
  const token = tokenOf(input)
  const value = secretValueOf(input)
  const description = optString(input, 'Description', { max: 2048 })
  const kmsKeyId = optString(input, 'KmsKeyId', { max: 2048 })
  const type = optString(input, 'Type', { max: 256 })
  // Tags are a map: a key repeated in the list keeps its last value, as TagResource's merge keeps it.
  const given = tagsOf(input)
  const tags = mergeTags([], given ?? [])
  const replicas = replicaRequestsOf(input)
  const forceReplicas = optBool(input, 'ForceOverwriteReplicaSecret') ?? false
  return ctx.state.locks.run(name, async () => {
    const existing = await locate(ctx, name)
    if (existing) {
      if (existing.deletedDate !== undefined)
        throw invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        )
      if (token === undefined || existing.createToken !== token) throw secretExists(name)
      // A retry of the same call (SDKs resend their generated token): the same answer when the content matches.
      const version = existing.versions[token]
      const same =
        value === undefined
          ? version === undefined
          : version !== undefined &&
            // Plaintexts compared: a sealed version's ciphertext differs on every write.
            sameValue(await readValue(ctx, existing, token), value)
      if (!same) throw tokenInUse(token, arnOf(ctx, existing.name, existing.suffix))
      return answer(ctx, existing, value === undefined ? undefined : token)
    }
    const now = ctx.now()
    const record: SecretRecord = {
      name,
      suffix: randomAlphanumeric(6),
      tags,
      createdDate: now,
      lastChangedDate: now,
      versions: {},
      region: ctx.region,
    }
    // The name's home is taken by a secret primary in another region: this one is stored under its region too.
    if (await loadRecord(ctx.storage, name)) record.storeAs = regionalStoreId(ctx.region, name)
    if (given !== undefined) record.tagged = true
    if (description !== undefined) record.description = description
    // A customer key must exist: it is recorded by its ARN, and each version is sealed under it.
    if (!isDefaultKey(kmsKeyId)) {
      record.kmsKey = await resolveKey(ctx, kmsKeyId!)
      record.kmsKeyId = record.kmsKey.arn
    }
    if (type !== undefined) record.type = type
    if (token !== undefined) record.createToken = token
    const versionId = value === undefined ? undefined : (token ?? uuid())
    if (versionId !== undefined) addVersion(record, versionId, now, undefined)
    const stored =
      versionId !== undefined && value !== undefined
        ? await storedValueFor(ctx, record, versionId, value)
        : undefined
    const replicaOps = replicas ? await addReplicas(ctx, record, replicas, forceReplicas) : []
    await ctx.storage.batch([
      ...replicaOps,
      putRecordOp(record),
      ...(versionId !== undefined && stored !== undefined
        ? [putValueOp(storeIdOf(record), versionId, stored)]
        : []),
    ])
    return answer(ctx, record, versionId)
  })
}

function answer(ctx: ActionContext, record: SecretRecord, versionId: string | undefined) {
  const out: Record<string, unknown> = { ARN: arnOf(ctx, record.name, record.suffix), Name: record.name }
  if (versionId !== undefined) out['VersionId'] = versionId
  if (record.replicas !== undefined) out['ReplicationStatus'] = replicationStatus(record)
  return out
}
