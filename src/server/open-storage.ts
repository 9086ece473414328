// Opens the physical backend a storage config block names: the one place that turns config into a backend.
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Logger } from '../lib/logger.ts'
import type { StorageConfig } from './config/load-config.ts'
import type { ChangeFeed, HaBackend } from './physical/ha.ts'
import { MemoryStorage } from './physical/memory.ts'
import type { PhysicalStorage } from './physical/physical.ts'
import { PostgresHaBackend } from './physical/postgres/ha-backend.ts'
import { PostgresStorage } from './physical/postgres.ts'
import { SqliteStorage } from './physical/sqlite.ts'

/** What openStorage hands back: the whole PhysicalStorage contract (close, entries, replaceAll). */
export type OpenedStorage = PhysicalStorage

/** A storage with high availability: its leader lock, and how to fence this node's writes once its id is known. */
export interface OpenedHa {
  backend: HaBackend
  /** From now on, this node's writes commit only while no other node holds a live lock. */
  fenceWrites(nodeId: string): void
  /** The keys written since a change number: what a standby drops from its caches before it serves a read. */
  changes: ChangeFeed
}

/**
 * Open (creating when needed) the backend `storage` describes; `type` is what `sys/seal-status` reports, and `ha`
 * is there when the block enables high availability (PostgreSQL's ha_enabled).
 */
export async function openStorage(
  storage: StorageConfig,
  logger: Logger,
): Promise<{ physical: OpenedStorage; type: string; ha?: OpenedHa }> {
  if (storage.type === 'inmem') return { physical: new MemoryStorage(), type: 'inmem' }
  if (storage.type === 'postgresql') {
    // Connects, creates or migrates the schema (or only checks it), and refuses a newer one.
    const physical = await PostgresStorage.open({
      connectionUrl: storage.connectionUrl,
      table: storage.table,
      maxParallel: storage.maxParallel,
      skipCreateTable: storage.skipCreateTable,
      changeLog: storage.haEnabled,
      logger,
      ...(storage.maxIdleConnections !== undefined ? { maxIdleConnections: storage.maxIdleConnections } : {}),
    })
    if (!storage.haEnabled) return { physical, type: 'postgresql' }
    let backend: PostgresHaBackend
    try {
      backend = await PostgresHaBackend.open({ connectionUrl: storage.connectionUrl, table: storage.haTable })
    } catch (error) {
      await physical.close()
      throw error
    }
    return {
      physical,
      type: 'postgresql',
      ha: {
        backend,
        fenceWrites: (nodeId) => physical.setWriteFence(backend.fenceStatement(nodeId)),
        changes: { since: async (seq) => (await physical.changesSince(seq))! },
      },
    }
  }
  const path = resolve(storage.path ?? join('.coffer', 'data', 'coffer.db'))
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  return { physical: SqliteStorage.open(path, { logger }), type: 'sqlite' }
}
