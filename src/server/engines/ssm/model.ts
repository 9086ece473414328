// The stored shape of a parameter: its versions (values included, oldest first), labels and tags, behind the barrier.
import { sha256Hex } from '../../../lib/hash.ts'
import { encodeJson, getJson, type Storage, type StorageOp } from '../../../sdk/storage.ts'

export interface Tag {
  Key: string
  Value: string
}

export type ParameterType = 'String' | 'StringList' | 'SecureString'
export const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString']

/** A SecureString value under a customer KMS key (kms-value.ts): AES-256-GCM under a data key the KMS key wraps. */
export interface SealedParameterValue {
  keyId: string
  keyArn: string
  /** The data key as the KMS key encrypted it (base64). */
  blob: string
  /** The EncryptionContext the data key is bound to: the parameter's ARN when it was written. */
  context: { PARAMETER_ARN: string }
  /** The value under the data key (base64). */
  data: string
}

export interface ParameterVersion {
  version: number
  /** In clear under the barrier; empty when `sealed` holds it. */
  value: string
  /** SecureString under a customer KMS key: the value, sealed. Versions written before sealing have none. */
  sealed?: SealedParameterValue
  /** SecureString only: the opaque stand-in answered without WithDecryption (random, unrelated to the value). */
  masked?: string
  type: ParameterType
  keyId?: string
  description?: string
  allowedPattern?: string
  tier: 'Standard' | 'Advanced'
  dataType: string
  /** ms since the epoch. */
  lastModifiedDate: number
  lastModifiedUser: string
  labels: string[]
}

export interface ParameterRecord {
  name: string
  tags: Tag[]
  /** Oldest first; at most 100. */
  versions: ParameterVersion[]
}

const PREFIX = 'parameters/'

/** Names may contain '/', so keys hash them: one flat level to list, no alias between names. */
const recordKey = (name: string) => PREFIX + sha256Hex(name)

/**
 * The spellings of one parameter: AWS takes `foo` and `/foo` for the same one-level parameter (they share the ARN
 * `parameter/foo`), so either finds it. A deeper name has one spelling: `a/b` is no name, `/a/b` is.
 */
export function nameSpellings(name: string): string[] {
  const bare = name.startsWith('/') ? name.slice(1) : name
  if (bare === '' || bare.includes('/')) return [name]
  return name.startsWith('/') ? [name, bare] : [name, `/${name}`]
}

/** The key a parameter's writers lock on: the same for every spelling of its name. */
export const lockKey = (name: string) => name.replace(/^\/+/, '')

/** The parameter under the name as given, else under its other spelling; it keeps the spelling it was created with. */
export async function loadRecord(storage: Storage, name: string): Promise<ParameterRecord | undefined> {
  for (const spelling of nameSpellings(name)) {
    const record = await getJson<ParameterRecord>(storage, recordKey(spelling))
    if (record) return record
  }
  return undefined
}

export function putRecordOp(record: ParameterRecord): StorageOp {
  return { op: 'put', key: recordKey(record.name), value: encodeJson(record) }
}

export function deleteRecordOp(name: string): StorageOp {
  return { op: 'delete', key: recordKey(name) }
}

/** Every parameter, sorted by name (listings page through this order). */
export async function loadAllRecords(storage: Storage): Promise<ParameterRecord[]> {
  const keys = await storage.list(PREFIX)
  const records = await Promise.all(keys.map((key) => getJson<ParameterRecord>(storage, PREFIX + key)))
  return records
    .filter((r): r is ParameterRecord => r !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export const latest = (record: ParameterRecord): ParameterVersion => record.versions.at(-1)!
