// A version's value on its way to and from storage: sealed under the secret's KMS key when it has one, recorded per version.
import { type ActionContext, arnOf } from './context.ts'
import { type KeyAccess, keysOf, openValue, type StoredValue, sealValue } from './kms-envelope.ts'
import { loadValue, type SecretRecord, type SecretValue, storeIdOf } from './model.ts'

/** The ARN AWS binds a version's encryption to: the secret's, in its primary region, whichever region writes. */
function contextArn(ctx: Pick<ActionContext, 'region' | 'accountId'>, record: SecretRecord): string {
  return arnOf({ region: record.region ?? ctx.region, accountId: ctx.accountId }, record.name, record.suffix)
}

/**
 * What to store for version `versionId` of `record`: the value itself under the default key, else the value sealed
 * under the secret's KMS key as it is now. The caller holds the secret's lock, so the key recorded on the version
 * (`kmsKeyIds`) is the one the value was sealed under, whatever UpdateSecret does next.
 */
export async function storedValueFor(
  ctx: ActionContext,
  record: SecretRecord,
  versionId: string,
  value: SecretValue,
): Promise<StoredValue> {
  const meta = record.versions[versionId]
  if (record.kmsKey === undefined) {
    if (meta) delete meta.kmsKeyIds
    return value
  }
  const sealed = await sealValue(ctx, record.kmsKey, contextArn(ctx, record), versionId, value)
  if (meta) meta.kmsKeyIds = keysOf(sealed)
  return sealed
}

/** A stored version's value in clear, for this caller: a sealed one needs their kms:Decrypt on one of its keys. */
export async function openStored(
  access: KeyAccess,
  record: Pick<SecretRecord, 'kmsKey'>,
  stored: StoredValue,
): Promise<SecretValue> {
  return openValue(access, stored, record.kmsKey?.arn)
}

/** loadValue, then openStored. */
export async function readValue(
  ctx: ActionContext,
  record: SecretRecord,
  versionId: string,
): Promise<SecretValue> {
  return openStored(ctx, record, await loadValue(ctx.storage, storeIdOf(record), versionId))
}
