// The transit API honours a KMS key's state: a key backing a Disabled or PendingDeletion KMS key does no cryptography,
// and its material is never destroyed or replaced from the transit side.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { getJsonShared, type Storage } from '../../../sdk/storage.ts'
import type { KmsKeyMeta } from './kms/metadata.ts'
import { META_PREFIX } from './kms/metadata.ts'
import { requireKey, type TransitKey } from './model.ts'

/** Only KMS-made keys carry KMS metadata, and their names are key ids: other keys cost no extra read. */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * requireKey for the cryptographic paths (encrypt, decrypt, rewrap, datakey, sign, verify, hmac): a key that backs a
 * KMS key which is Disabled or PendingDeletion is refused with a 400 naming the state, as KMS refuses it, so
 * DisableKey cannot be bypassed through the Vault API. The state does not stop key management (read, config, rotate).
 */
export async function requireUsableKey(
  storage: Storage,
  name: string,
  message?: string,
): Promise<TransitKey> {
  const key = await requireKey(storage, name, message)
  if (!KEY_ID.test(name)) return key
  const meta = await getJsonShared<KmsKeyMeta>(storage, META_PREFIX + name)
  if (meta?.keyState === 'Disabled')
    throw new InvalidRequestError(
      `key "${name}" backs a KMS key that is disabled; enable it with KMS EnableKey`,
    )
  if (meta?.keyState === 'PendingDeletion')
    throw new InvalidRequestError(
      `key "${name}" backs a KMS key that is pending deletion; cancel it with KMS CancelKeyDeletion`,
    )
  return key
}

/**
 * For the transit paths that destroy, replace or hand out key material (delete, trim, restore over a key; export,
 * backup, and the flags allowing them): refused with a 400 when the key backs a KMS key. KMS removes a key's material only through ScheduleKeyDeletion's waiting period and
 * keeps every rotated version; deleting it here left a KMS key that DescribeKey showed Enabled while everything
 * encrypted under it (SecureStrings and secrets sealed under the key included) could never be decrypted again.
 */
export async function refuseIfKmsKey(
  storage: Storage,
  name: string,
  what: string,
  why = 'whose material only KMS removes (ScheduleKeyDeletion)',
): Promise<void> {
  if (!KEY_ID.test(name)) return
  if ((await getJsonShared<KmsKeyMeta>(storage, META_PREFIX + name)) === undefined) return
  throw new InvalidRequestError(`cannot ${what} key "${name}": it backs a KMS key, ${why}`)
}

/** Why a KMS key's material is not exported, backed up or made exportable: AWS KMS never lets it out. */
export const NEVER_LEAVES = 'whose material never leaves KMS'
