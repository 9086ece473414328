// Physical-private: what a physical backend offers the server beyond the Storage contract (close, whole-store copy).
import type { Storage } from '../../sdk/storage.ts'

/** One stored entry, key and raw (still sealed) value, as a whole-store copy carries it. */
export interface StoredEntry {
  key: string
  value: Uint8Array
}

/**
 * A physical backend as the server holds it. Engines never see this: they get barrier views of `Storage`.
 * `entries` and `replaceAll` move the raw, still-encrypted bytes, so snapshots and migrations never decrypt.
 */
export interface PhysicalStorage extends Storage {
  /** Commit anything queued and release connections and threads; later calls reject. */
  close(): Promise<void>
  /**
   * Every stored entry, sorted by key (JavaScript string order), read as one point in time: writes that land
   * while the iteration runs are either wholly in it or wholly absent.
   */
  entries(): AsyncIterable<StoredEntry>
  /**
   * Replace the whole store with `entries` in one atomic step: afterwards exactly these are stored, or, when it
   * rejects, nothing changed. Writers queued before the call finish before it; later ones wait for it.
   */
  replaceAll(entries: AsyncIterable<StoredEntry>): Promise<void>
  /**
   * Optional, for folders too large to list at once: up to `limit` of the entries `list(prefix)` returns,
   * those strictly after `after` (an entry as returned, such as 'name' or 'folder/'; undefined starts at the
   * beginning), in Unicode code point order, which is the order a backend's index walks. Pages concatenate to
   * `list(prefix)`'s entries; JavaScript's order differs only for astral characters, so a caller wanting it
   * sorts the whole. A limit of 0 or less means no limit, as OpenBao's ListPage.
   */
  listPage?(prefix: string, after: string | undefined, limit: number): Promise<string[]>
}
