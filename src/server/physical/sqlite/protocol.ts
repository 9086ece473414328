// Messages between SqliteStorage's request thread (group-commit.ts) and its writer thread (writer.ts).

/**
 * One group of writes, packed so a group is one message: `keys[i]` with `lengths[i]` bytes taken in turn
 * from `data` for a put, or a length of -1 for a delete.
 */
export interface CommitRequest {
  type: 'commit'
  seq: number
  keys: string[]
  lengths: number[]
  data: ArrayBuffer
  /** How many of the ops belong to each caller's batch, in order: each batch succeeds or fails whole. */
  batches: number[]
  /** Per batch: 1 when its put values are plaintext to seal with the current seal key before storing. */
  seal: number[]
}

/** The barrier's active term and key for sealing; without them, sealing is off (the barrier is sealed). */
export type SealKeyRequest = { type: 'seal-key'; term?: number; key?: Uint8Array }

/**
 * Replace the whole table with these entries in one transaction (a snapshot restore or a migration), packed as a
 * commit's puts are: `keys[i]` with `lengths[i]` bytes taken in turn from `data`. Answered as a one-batch group.
 */
export interface ReplaceRequest {
  type: 'replace'
  seq: number
  keys: string[]
  lengths: number[]
  data: ArrayBuffer
}

export type WriterRequest = CommitRequest | ReplaceRequest | SealKeyRequest | { type: 'close' }

/** The error of a failed group, flattened so SQLite's code and message survive the thread boundary. */
export interface WriterFailure {
  message: string
  code?: string
  errcode?: number
  errstr?: string
}

/** One request's outcome: the indexes of its batches that failed (none when all committed). */
export interface GroupResult {
  seq: number
  failed: { index: number; error: WriterFailure }[]
}

export type WriterReply = { type: 'settled'; results: GroupResult[] } | { type: 'closed' }

export interface WriterData {
  path: string
  /** Frames the WAL may hold beyond the last checkpoint before the checkpoint thread is asked for one. */
  checkpointFrames: number
  /** The checkpoint thread's script (a URL's href); tests substitute a failing one. */
  checkpointerUrl?: string
}

export interface CheckpointerData {
  path: string
}

/** From the writer thread to its checkpoint thread. */
export type CheckpointerRequest = { type: 'checkpoint' } | { type: 'close' }

/** A checkpoint's outcome: the WAL's frames and how many of them are now in the database file. */
export type CheckpointerReply =
  | { type: 'checkpointed'; log: number; checkpointed: number }
  | { type: 'failed'; message: string }
