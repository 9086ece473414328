// KV v2 key metadata: the version map, the max_versions window and the per-version summary Vault returns.
import { isRepresentableTime, rfc3339 } from '../../../lib/time.ts'
import {
  encodeJson,
  getJson,
  getJsonCached,
  getJsonShared,
  getJsonSharedCached,
  type NOT_CACHED,
  type Storage,
  type StorageOp,
} from '../../../sdk/storage.ts'
import { DEFAULT_MAX_VERSIONS } from './kv-config.ts'
import { metadataKey, newVersionKey, versionKey } from './storage-keys.ts'

export interface VersionMetadata {
  /** Milliseconds since the epoch. */
  createdTime: number
  /** When the version stops being readable (soft delete); null when never. */
  deletionTime: number | null
  destroyed: boolean
}

export interface KeyMetadata {
  versions: Record<string, VersionMetadata>
  currentVersion: number
  /** Mirrors Vault: 0 until the max_versions window first moves. */
  oldestVersion: number
  createdTime: number
  updatedTime: number
  maxVersions: number
  casRequired: boolean
  /** Seconds; 0 means unset. */
  deleteVersionAfter: number
  /** null until custom_metadata is first written, which Vault renders as JSON null. */
  customMetadata: Record<string, string> | null
}

/** What one version's storage entry holds. */
export interface StoredVersion {
  data: Record<string, unknown>
  createdTime: number
}

export function newMetadata(now: number): KeyMetadata {
  return {
    versions: {},
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: now,
    updatedTime: now,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
  }
}

export function loadMetadata(storage: Storage, path: string): Promise<KeyMetadata | undefined> {
  return getJson<KeyMetadata>(storage, metadataKey(path))
}

/** Whether `path` has a metadata entry, without parsing it: a write's create-or-update check needs no more. */
export async function metadataExists(storage: Storage, path: string): Promise<boolean> {
  return (await storage.get(metadataKey(path))) !== undefined
}

/** loadMetadata without an await when the storage holds the entry, or knows it is absent; NOT_CACHED otherwise. */
export function loadMetadataCached(
  storage: Storage,
  path: string,
): KeyMetadata | undefined | typeof NOT_CACHED {
  return getJsonCached<KeyMetadata>(storage, metadataKey(path))
}

/** Frozen and possibly shared: for reads that never modify what they load. */
export function readMetadata(storage: Storage, path: string): Promise<Readonly<KeyMetadata> | undefined> {
  return getJsonShared<KeyMetadata>(storage, metadataKey(path))
}

/** readMetadata without an await when the storage holds the entry in memory; undefined otherwise (fall back). */
export function readMetadataCached(storage: Storage, path: string): Readonly<KeyMetadata> | undefined {
  return getJsonSharedCached<KeyMetadata>(storage, metadataKey(path))
}

/** readVersionData without an await when the storage holds the entry in memory; undefined otherwise (fall back). */
export function readVersionDataCached(
  storage: Storage,
  path: string,
  version: number,
): Readonly<Record<string, unknown>> | undefined {
  return getJsonSharedCached<StoredVersion>(storage, versionKey(path, version))?.data
}

/** A version's data for a read; undefined if a concurrent destroy removed it after the metadata was read. */
export async function readVersionData(
  storage: Storage,
  path: string,
  version: number,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  return (await getJsonShared<StoredVersion>(storage, versionKey(path, version)))?.data
}

export function putMetadataOp(path: string, meta: KeyMetadata): StorageOp {
  return { op: 'put', key: metadataKey(path), value: encodeJson(meta) }
}

export function putVersionOp(path: string, version: number, stored: StoredVersion): StorageOp {
  return { op: 'put', key: newVersionKey(path, version), value: encodeJson(stored) }
}

export function deleteVersionOp(path: string, version: number): StorageOp {
  return { op: 'delete', key: versionKey(path, version) }
}

export async function loadVersionData(
  storage: Storage,
  path: string,
  version: number,
): Promise<Record<string, unknown>> {
  const stored = await getJson<StoredVersion>(storage, versionKey(path, version))
  // Metadata and version entries are written in one batch, so a gap means storage was damaged.
  if (!stored) throw new Error(`kv: could not find version data for version ${version}`)
  return stored.data
}

/**
 * A version's deletion time, or null for "never". A time no Date can hold (stored before durations were
 * bounded, e.g. from delete_version_after "99999999999999h") also means never, so reads keep working.
 */
function deletionTimeOf(vm: Readonly<VersionMetadata>): number | null {
  const time = vm.deletionTime
  return typeof time === 'number' && isRepresentableTime(time) ? time : null
}

/** Vault's deletion_time text: RFC 3339, or "" when the version is not scheduled for deletion. */
export function deletionTimeText(vm: Readonly<VersionMetadata>): string {
  const time = deletionTimeOf(vm)
  return time === null ? '' : rfc3339(time)
}

/** A version is unreadable once its deletion time has arrived (Vault compares with "before now"). */
export function isDeleted(vm: Readonly<VersionMetadata>, now: number): boolean {
  const time = deletionTimeOf(vm)
  return time !== null && time <= now
}

/**
 * Add the next version and slide the max_versions window the way Vault does: the larger of the
 * key's and the mount's max_versions, 10 when both are 0. Returns the new number and the versions
 * dropped from the map, whose data entries the caller deletes in the same batch.
 */
export function addVersion(
  meta: KeyMetadata,
  createdTime: number,
  deletionTime: number | null,
  configMaxVersions: number,
): { version: number; pruned: number[] } {
  meta.currentVersion += 1
  meta.versions[String(meta.currentVersion)] = { createdTime, deletionTime, destroyed: false }
  meta.updatedTime = createdTime
  const limit = Math.max(meta.maxVersions, configMaxVersions) || DEFAULT_MAX_VERSIONS
  const pruned: number[] = []
  if (meta.currentVersion - meta.oldestVersion >= limit) {
    const lastToDelete = meta.currentVersion - limit
    for (let v = meta.oldestVersion; v <= lastToDelete; v++) {
      if (meta.versions[String(v)]) pruned.push(v)
      delete meta.versions[String(v)]
    }
    meta.oldestVersion = lastToDelete + 1
  }
  return { version: meta.currentVersion, pruned }
}

/**
 * custom_metadata as Vault shows it: its protobuf storage keeps no empty map, so an empty one reads back as null.
 */
export function customMetadataView(meta: KeyMetadata): Record<string, string> | null {
  const custom = meta.customMetadata
  return custom && Object.keys(custom).length > 0 ? custom : null
}

/** Vault's per-version summary (keys in Go's sorted order): data write responses and read metadata. */
export function versionSummary(
  meta: KeyMetadata,
  version: number,
  vm: VersionMetadata,
): Record<string, unknown> {
  return {
    created_time: rfc3339(vm.createdTime),
    custom_metadata: customMetadataView(meta),
    deletion_time: deletionTimeText(vm),
    destroyed: vm.destroyed,
    version,
  }
}

/**
 * Resolve `?version=`: 0 or absent means the current version; any other number names a version, so a negative one
 * names none and reads as absent (404), as in Vault, instead of quietly answering the current version.
 */
export function pickVersion(meta: KeyMetadata, requested: number | undefined): number {
  return requested !== undefined && requested !== 0 ? requested : meta.currentVersion
}
