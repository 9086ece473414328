// The stored shape of a secret (metadata, versions and labels) and its value entries, behind the mount's barrier view.
import { sha256Hex } from '../../../lib/hash.ts'
import type { KmsKeyRef } from '../../../sdk/key-service.ts'
import { encodeJson, getJson, getJsonSharedNow, type Storage, type StorageOp } from '../../../sdk/storage.ts'

export interface Tag {
  Key: string
  Value: string
}

export interface RotationConfig {
  enabled: boolean
  lambdaArn?: string
  rules?: Record<string, unknown>
  /** ms; when the last rotation finished. */
  lastRotatedDate?: number
  /** ms; the last second of the next rotation window (DescribeSecret's NextRotationDate). */
  nextRotationDate?: number
  /** ms; when the next scheduled rotation starts: a random instant inside the window, so rotations are staggered. */
  dueAt?: number
  /** The rotation under way (or whose retries ran out): its version keeps AWSPENDING until it completes. */
  inFlight?: RotationInFlight
  /** The last failed attempt, until a rotation succeeds. */
  lastFailure?: RotationFailure
}

export interface RotationInFlight {
  /** The ClientRequestToken the steps carry: the VersionId of the pending version. */
  token: string
  /** ms */
  startedDate: number
  /** Failed attempts so far. */
  attempts: number
  /** ms; when the next attempt runs. Absent while an attempt runs, and once the attempts ran out. */
  nextAttemptAt?: number
  /** The attempts ran out: the next scheduled rotation, or a RotateSecret, reattempts it. */
  exhausted?: true
}

export interface RotationFailure {
  step: string
  /** What the function reported, cut short, never a secret value (the runner keeps those out). */
  message: string
  /** ms */
  date: number
  attempts: number
}

export interface VersionMeta {
  /** ms since the epoch. */
  createdDate: number
  stages: string[]
  /**
   * A rotation's pending version before its createSecret step stored a value (AWS creates it so the function finds
   * its token labelled AWSPENDING): GetSecretValue does not find it; PutSecretValue with its token fills it.
   */
  noValue?: true
  /** The KMS keys (ARNs) its value is encrypted under, besides the barrier; absent under the default key. */
  kmsKeyIds?: string[]
}

export interface SecretRecord {
  name: string
  /** The six random characters ending the ARN; a re-created secret gets new ones. */
  suffix: string
  description?: string
  /**
   * The KmsKeyId DescribeSecret shows: the customer key's ARN. A record written before KMS keys were used may hold
   * whatever label it was given, with no `kmsKey`: its values stay barrier-only until UpdateSecret names a key.
   */
  kmsKeyId?: string
  /** The customer KMS key new versions are sealed under; absent for the default key. */
  kmsKey?: KmsKeyRef
  type?: string
  tags: Tag[]
  /** Tags were given once (CreateSecret's Tags or TagResource): AWS then lists Tags, empty after all are removed. */
  tagged?: true
  /** ms since the epoch. */
  createdDate: number
  lastChangedDate: number
  /** When DeleteSecret was called; present while the secret waits for its purge. */
  deletedDate?: number
  /** When the scheduled purge removes the secret. */
  deletionDate?: number
  /** The ClientRequestToken of the CreateSecret call, so a retry of it is recognised. */
  createToken?: string
  rotation?: RotationConfig
  /** The resource policy document as PutResourcePolicy received it (it parsed then). */
  resourcePolicy?: string
  /** By VersionId, oldest first (insertion order: version IDs are never array-index-like). */
  versions: Record<string, VersionMeta>
  /** The primary region. Absent on records written before regions were kept: those are seen from every region. */
  region?: string
  /** By region: where read-only replicas of this secret are seen (a replica is a view of these versions). */
  replicas?: Record<string, ReplicaMeta>
  /**
   * The identity storage keys hash when it is not the name: a secret whose name is already taken by a secret
   * primary in another region (created there, or a promoted replica) is stored under its region and name.
   */
  storeAs?: string
}

export type ReplicaStatus = 'InSync' | 'Failed'

export interface ReplicaMeta {
  kmsKeyId?: string
  /** The key kmsKeyId resolved to: the key of the secret a promotion of this replica makes. */
  kmsKey?: KmsKeyRef
  status: ReplicaStatus
  /** Why a replica failed (a secret of the same name already in that region). */
  statusMessage?: string
}

/** One version's value: exactly one of the two, as AWS stores it. */
export interface SecretValue {
  SecretString?: string
  /** Base64, as on the wire. */
  SecretBinary?: string
}

/**
 * The stored form of a version encrypted under customer KMS keys: the value (as JSON) sealed with a data key, and
 * that data key encrypted under each KMS key that protects the version (one, or two once UpdateSecret changed the
 * key: AWS keeps the version readable with either). The EncryptionContext each key's blob is bound to is AWS's,
 * kept here so a later read presents the same one wherever the secret is seen from.
 */
export interface SealedValue {
  sealed: {
    /** The EncryptionContext: `{ SecretARN, SecretVersionId }`, the ARN in the secret's primary region. */
    context: { SecretARN: string; SecretVersionId: string }
    /** The data key under each KMS key (ARN), in the order they were added. */
    keys: { arn: string; keyId: string; blob: string }[]
    /** Base64 of the barrier's sealed-value format, the KMS context as AAD. */
    data: string
  }
}

export type StoredValue = SecretValue | SealedValue

export function isSealed(value: StoredValue): value is SealedValue {
  return (value as SealedValue).sealed !== undefined
}

export const SECRETS_PREFIX = 'secrets/'

/** Names may contain '/', so keys hash them: one flat level to list, no alias between names. */
function nameHash(name: string): string {
  return memoHash(name)
}

/**
 * SHA-256 of names and version IDs, remembered: a read of a hot secret hashes the same few strings on every
 * request (its record key twice, its value key once). Bounded; cleared whole when full.
 */
const hashes = new Map<string, string>()
const HASH_LIMIT = 4096

function memoHash(text: string): string {
  let hash = hashes.get(text)
  if (hash === undefined) {
    hash = sha256Hex(text)
    if (hashes.size >= HASH_LIMIT) hashes.clear()
    hashes.set(text, hash)
  }
  return hash
}

/** What a record's storage keys hash: its name, or its region and name (NUL never occurs in a name). */
export function storeIdOf(record: Pick<SecretRecord, 'name' | 'storeAs'>): string {
  return record.storeAs ?? record.name
}

export function regionalStoreId(region: string, name: string): string {
  return `${region}\u0000${name}`
}

/** `name` here and below is the store identity (storeIdOf): the plain name for most secrets. */
export function recordKey(name: string): string {
  return SECRETS_PREFIX + nameHash(name)
}

export function valueKey(name: string, versionId: string): string {
  return `values/${nameHash(name)}/${memoHash(versionId)}`
}

/** When the secret, its versions and its replicas were last read (access.ts): apart from the record, so reads never rewrite it. */
export function accessKey(name: string): string {
  return `access/${nameHash(name)}`
}

export function valuesPrefix(name: string): string {
  return `values/${nameHash(name)}/`
}

export function loadRecord(storage: Storage, name: string): Promise<SecretRecord | undefined> {
  return getJson<SecretRecord>(storage, recordKey(name))
}

/**
 * loadRecord for readers that change nothing (GetSecretValue, the resource-policy check): deeply frozen (a write to
 * it throws) and shared, parsed once per stored version of the record while the barrier caches it.
 */
export function loadRecordShared(
  storage: Storage,
  name: string,
): SecretRecord | undefined | Promise<SecretRecord | undefined> {
  return getJsonSharedNow<SecretRecord>(storage, recordKey(name))
}

export function putRecordOp(record: SecretRecord): StorageOp {
  return { op: 'put', key: recordKey(storeIdOf(record)), value: encodeJson(record) }
}

export function putValueOp(name: string, versionId: string, value: StoredValue): StorageOp {
  return { op: 'put', key: valueKey(name, versionId), value: encodeJson(value) }
}

export function deleteValueOp(name: string, versionId: string): StorageOp {
  return { op: 'delete', key: valueKey(name, versionId) }
}

/** A version's value as stored: plain under the barrier, or sealed under KMS keys (kms-envelope.ts opens it). */
export async function loadValue(storage: Storage, name: string, versionId: string): Promise<StoredValue> {
  const value = await getJson<StoredValue>(storage, valueKey(name, versionId))
  // The record and its value are written in one batch, so a gap means damaged storage.
  if (!value) throw new Error('secretsmanager: a version listed in the secret has no stored value')
  return value
}

/** Every secret record, in storage order. */
export async function loadAllRecords(storage: Storage): Promise<SecretRecord[]> {
  const keys = await storage.list(SECRETS_PREFIX)
  const records = await Promise.all(keys.map((key) => getJson<SecretRecord>(storage, SECRETS_PREFIX + key)))
  return records.filter((r): r is SecretRecord => r !== undefined)
}

export function sameValue(a: SecretValue, b: SecretValue): boolean {
  return a.SecretString === b.SecretString && a.SecretBinary === b.SecretBinary
}

/** The version holding `stage`, if any. */
export function versionWithStage(record: SecretRecord, stage: string): string | undefined {
  for (const [id, meta] of Object.entries(record.versions)) if (meta.stages.includes(stage)) return id
  return undefined
}

/** VersionId → labels, for versions that have labels (AWS leaves deprecated ones out). */
export function versionsToStages(record: SecretRecord): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [id, meta] of Object.entries(record.versions))
    if (meta.stages.length > 0) out[id] = [...meta.stages]
  return out
}
