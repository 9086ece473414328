// Writer thread for SqliteStorage: owns the write connection and commits queued groups in durable transactions.
import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'

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
}

export type WriterRequest = CommitRequest | { type: 'close' }

/** The error of a failed group, flattened so SQLite's code and message survive the thread boundary. */
export interface WriterFailure {
  message: string
  code?: string
  errcode?: number
  errstr?: string
}

export type WriterReply =
  | { type: 'committed'; seqs: number[] }
  | { type: 'failed'; seq: number; error: WriterFailure }
  | { type: 'closed' }

export interface WriterData {
  path: string
}

function describe(error: unknown): WriterFailure {
  if (!(error instanceof Error)) return { message: String(error) }
  const extra = error as Error & { code?: unknown; errcode?: unknown; errstr?: unknown }
  return {
    message: error.message,
    ...(typeof extra.code === 'string' ? { code: extra.code } : {}),
    ...(typeof extra.errcode === 'number' ? { errcode: extra.errcode } : {}),
    ...(typeof extra.errstr === 'string' ? { errstr: extra.errstr } : {}),
  }
}

const port = parentPort
if (port === null) throw new Error('sqlite-writer.ts runs as a worker thread started by SqliteStorage')
const { path } = workerData as WriterData

// The main thread has already created the file, switched it to WAL and created the table.
const db = new DatabaseSync(path, { timeout: 5000 })
// FULL fsyncs the WAL on every commit, so an acknowledged write survives power loss and kill -9.
db.exec('PRAGMA synchronous = FULL')
const put = db.prepare(
  'INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
)
const remove = db.prepare('DELETE FROM kv WHERE key = ?')

function apply(request: CommitRequest): void {
  const data = new Uint8Array(request.data)
  let offset = 0
  for (let i = 0; i < request.keys.length; i++) {
    const key = request.keys[i]!
    const length = request.lengths[i]!
    if (length < 0) remove.run(key)
    else {
      put.run(key, data.subarray(offset, offset + length))
      offset += length
    }
  }
}

/** Apply the groups in order inside one transaction: one fsync for all of them. */
function commit(requests: CommitRequest[]): void {
  db.exec('BEGIN IMMEDIATE')
  try {
    for (const request of requests) apply(request)
    db.exec('COMMIT')
  } catch (error) {
    try {
      if (db.isTransaction) db.exec('ROLLBACK')
    } catch {
      // The original failure is what callers need; SQLite has already aborted the transaction.
    }
    throw error
  }
}

/**
 * Groups that arrived while the last commit ran are all waiting in the port; they are gathered and
 * committed together, so the writer never idles between commits and the main thread never waits for a
 * reply before sending more. If the combined commit fails, each group is retried alone, so one group's
 * bad write fails only that group's callers.
 */
let queued: CommitRequest[] = []
let drainScheduled = false

function drain(): void {
  drainScheduled = false
  const requests = queued
  queued = []
  if (requests.length === 0) return
  try {
    commit(requests)
    port!.postMessage({ type: 'committed', seqs: requests.map((r) => r.seq) } satisfies WriterReply)
    return
  } catch (error) {
    if (requests.length === 1) {
      port!.postMessage({
        type: 'failed',
        seq: requests[0]!.seq,
        error: describe(error),
      } satisfies WriterReply)
      return
    }
  }
  for (const request of requests) {
    try {
      commit([request])
      port!.postMessage({ type: 'committed', seqs: [request.seq] } satisfies WriterReply)
    } catch (error) {
      port!.postMessage({ type: 'failed', seq: request.seq, error: describe(error) } satisfies WriterReply)
    }
  }
}

port.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    drain()
    // Closing the last connection checkpoints the WAL here, off the main thread.
    db.close()
    port.postMessage({ type: 'closed' } satisfies WriterReply)
    port.close()
    return
  }
  queued.push(request)
  if (!drainScheduled) {
    drainScheduled = true
    setImmediate(drain)
  }
})
