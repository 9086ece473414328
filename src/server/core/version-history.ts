// The versions this storage has been unsealed by, each with when it was first seen (Vault's sys/version-history).
import { rfc3339 } from '../../lib/time.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'

/** Barrier prefix: one entry per version, written once by the active node at the first unseal that ran it. */
export const VERSION_PREFIX = 'core/versions/'

interface StoredVersion {
  /** Milliseconds since the epoch. */
  installed_at: number
}

export interface VersionEntry {
  version: string
  timestampInstalled: string
  previousVersion: string | null
}

/** Note `version` as installed now unless it already is (an entry is never rewritten: the first time counts). */
export async function recordVersion(
  storage: Storage & { getFresh?(key: string): Promise<Uint8Array | undefined> },
  version: string,
  now: number,
): Promise<boolean> {
  const key = VERSION_PREFIX + encodeURIComponent(version)
  // Past any read cache: another node may have written it meanwhile.
  const existing = storage.getFresh ? await storage.getFresh(key) : await storage.get(key)
  if (existing !== undefined) return false
  await putJson(storage, key, { installed_at: now } satisfies StoredVersion)
  return true
}

/** Every recorded version, oldest first, each naming the one installed before it. */
export async function readVersionHistory(storage: Storage): Promise<VersionEntry[]> {
  const entries: { version: string; installed: number }[] = []
  for (const key of await storage.list(VERSION_PREFIX)) {
    if (key.endsWith('/')) continue
    const stored = await getJson<StoredVersion>(storage, VERSION_PREFIX + key)
    if (stored) entries.push({ version: decodeURIComponent(key), installed: stored.installed_at })
  }
  entries.sort((a, b) => a.installed - b.installed || a.version.localeCompare(b.version))
  return entries.map((entry, i) => ({
    version: entry.version,
    timestampInstalled: rfc3339(entry.installed),
    previousVersion: i === 0 ? null : entries[i - 1]!.version,
  }))
}
