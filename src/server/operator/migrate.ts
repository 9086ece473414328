// Offline storage migration: copy every raw entry from one backend to another, then verify both sides match.
import { existsSync, realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Logger } from '../../lib/logger.ts'
import type { StorageConfig } from '../config/load-config.ts'
import { openStorage } from '../open-storage.ts'
import type { PhysicalStorage, StoredEntry } from '../physical/physical.ts'
import { digestEntries } from '../physical/snapshot-format.ts'

export interface MigrateOptions {
  /** Replace a destination that already holds data. */
  force?: boolean
  /**
   * Vault's -start: copy only source keys at or after this one (resuming an interrupted run); the destination's
   * keys before it are kept as they are.
   */
  start?: string
}

export interface MigrateResult {
  copied: number
  source: { count: number; sha256: string }
  destination: { count: number; sha256: string }
}

/** A config's identity as a store: a SQLite file by its real path, other backends by their whole config block. */
function storeIdentity(storage: StorageConfig): string {
  if (storage.type === 'sqlite') {
    const path = resolve(storage.path ?? '')
    return `sqlite:${existsSync(path) ? realpathSync(path) : path}`
  }
  return JSON.stringify(storage)
}

export function sameStore(a: StorageConfig, b: StorageConfig): boolean {
  return storeIdentity(a) === storeIdentity(b)
}

async function isEmpty(storage: PhysicalStorage): Promise<boolean> {
  for await (const _ of storage.entries()) return false
  return true
}

async function* merged(
  source: PhysicalStorage,
  destination: PhysicalStorage,
  start: string | undefined,
  counter: { copied: number },
): AsyncGenerator<StoredEntry> {
  if (start !== undefined) for await (const entry of destination.entries()) if (entry.key < start) yield entry
  for await (const entry of source.entries()) {
    if (start !== undefined && entry.key < start) continue
    counter.copied++
    yield entry
  }
}

/**
 * Copy the source store into the destination (raw bytes: nothing is decrypted, no unseal needed), in one atomic
 * replace, then count and hash every key and value on both sides. Run it with the server stopped.
 */
export async function migrateStorage(
  sourceConfig: StorageConfig,
  destinationConfig: StorageConfig,
  logger: Logger,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  if (sameStore(sourceConfig, destinationConfig))
    throw new Error('storage_source and storage_destination are the same store')
  if (sourceConfig.type === 'sqlite' && !existsSync(resolve(sourceConfig.path ?? '')))
    throw new Error('storage_source: the SQLite database file does not exist')
  const { physical: source } = await openStorage(sourceConfig, logger)
  try {
    const { physical: destination } = await openStorage(destinationConfig, logger)
    try {
      if (await isEmpty(source)) throw new Error('storage_source holds no data: check its settings')
      if (options.start === undefined && !options.force && !(await isEmpty(destination)))
        throw new Error(
          'storage_destination already holds data; use -force to replace it, or -start to resume',
        )
      const counter = { copied: 0 }
      await destination.replaceAll(merged(source, destination, options.start, counter))
      const sourceDigest = await digestEntries(source.entries())
      const destinationDigest = await digestEntries(destination.entries())
      const result = { copied: counter.copied, source: sourceDigest, destination: destinationDigest }
      if (sourceDigest.count !== destinationDigest.count || sourceDigest.sha256 !== destinationDigest.sha256)
        throw Object.assign(
          new Error(
            `verification failed: the source has ${sourceDigest.count} entries (sha256 ${sourceDigest.sha256}), the destination ${destinationDigest.count} (sha256 ${destinationDigest.sha256})`,
          ),
          { result },
        )
      return result
    } finally {
      await destination.close()
    }
  } finally {
    await source.close()
  }
}
