// How far the WAL runs ahead of the database file, read from SQLite's wal-index header (the -shm file) without a lock.
import { closeSync, openSync, readSync } from 'node:fs'

/**
 * The header's layout is documented (sqlite.org/walformat.html, "The WAL-Index Header"), in native byte order:
 * mxFrame, the last valid frame of the WAL, is the u32 at byte 16; nBackfill, the frames already copied into the
 * database file, the u32 at byte 96. Read without SQLite's locks, a value may be a moment old or torn: it only
 * decides when to start a checkpoint, never what a checkpoint or a commit does.
 */
const HEADER_BYTES = 100
const MX_FRAME_WORD = 16 / 4
const N_BACKFILL_WORD = 96 / 4

export class WalIndex {
  readonly #file: string
  #fd: number | undefined
  readonly #words = new Uint32Array(HEADER_BYTES / 4)
  readonly #bytes = new Uint8Array(this.#words.buffer)

  /** `databaseFile`: the database's path; its wal-index is beside it. */
  constructor(databaseFile: string) {
    this.#file = `${databaseFile}-shm`
  }

  /** Frames in the WAL not yet in the database file; undefined when the wal-index cannot be read. */
  uncheckpointedFrames(): number | undefined {
    try {
      this.#fd ??= openSync(this.#file, 'r')
      if (readSync(this.#fd, this.#bytes, 0, HEADER_BYTES, 0) < HEADER_BYTES) return undefined
    } catch {
      return undefined
    }
    const last = this.#words[MX_FRAME_WORD]!
    const copied = this.#words[N_BACKFILL_WORD]!
    return copied <= last ? last - copied : last
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd)
    this.#fd = undefined
  }
}
