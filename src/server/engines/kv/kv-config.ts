// KV v2 mount-wide settings: stored shape, defaults and how they combine with a key's own settings.
import { isRepresentableTime } from '../../../lib/time.ts'
import { getJson, getJsonCached, NOT_CACHED, type Storage } from '../../../sdk/storage.ts'
import { CONFIG_KEY } from './storage-keys.ts'

export interface KvConfig {
  /** 0 means the default of 10. */
  maxVersions: number
  casRequired: boolean
  /** Seconds; 0 unset, -1 disables delete_version_after for every key (Vault's "-1s"). */
  deleteVersionAfter: number
}

export const DEFAULT_MAX_VERSIONS = 10
export const DELETE_VERSION_AFTER_DISABLED = -1

export const DEFAULT_CONFIG: KvConfig = { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 }

export async function loadConfig(storage: Storage): Promise<KvConfig> {
  return { ...DEFAULT_CONFIG, ...(await getJson<Partial<KvConfig>>(storage, CONFIG_KEY)) }
}

/** loadConfig without an await when the storage holds the entry, or knows it is absent; undefined otherwise. */
export function loadConfigCached(storage: Storage): KvConfig | undefined {
  const stored = getJsonCached<Partial<KvConfig>>(storage, CONFIG_KEY)
  return stored === NOT_CACHED ? undefined : { ...DEFAULT_CONFIG, ...stored }
}

/**
 * When a new (or undeleted) version stops being readable: `from` plus the smaller non-zero of the
 * mount's and the key's delete_version_after, or null when neither is set or the mount disables it.
 * A deadline no Date can hold (a setting stored before durations were bounded) also means never.
 */
export function scheduledDeletion(from: number, config: KvConfig, keySeconds: number): number | null {
  if (config.deleteVersionAfter === DELETE_VERSION_AFTER_DISABLED) return null
  const candidates = [config.deleteVersionAfter, keySeconds].filter((s) => s > 0)
  if (candidates.length === 0) return null
  const at = from + Math.min(...candidates) * 1000
  return isRepresentableTime(at) ? at : null
}
