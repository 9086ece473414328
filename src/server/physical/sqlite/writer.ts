// Writer thread for SqliteStorage: owns the write connection and commits queued groups in durable transactions.
import { parentPort, workerData } from 'node:worker_threads'
import { encryptValueTransient } from '../../../lib/sealed-value.ts'
import { CheckpointSchedule } from './checkpoints.ts'
import { openWriteConnection } from './driver.ts'
import type {
  CommitRequest,
  GroupResult,
  ReplaceRequest,
  SealKeyRequest,
  WriterData,
  WriterFailure,
  WriterReply,
  WriterRequest,
} from './protocol.ts'

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
if (port === null) throw new Error('sqlite/writer.ts runs as a worker thread started by SqliteStorage')
const { path, checkpointFrames, checkpointerUrl } = workerData as WriterData

// The main thread has already created the file, switched it to WAL and migrated the schema.
const db = openWriteConnection(path)
const checkpoints = new CheckpointSchedule(
  path,
  db,
  checkpointFrames,
  checkpointerUrl === undefined ? undefined : new URL(checkpointerUrl),
)

/** One caller's batch inside a request: ops [from, to) whose put values start at byte `offset`. */
interface Unit {
  request: CommitRequest
  data: Uint8Array
  index: number
  from: number
  to: number
  offset: number
}

function units(request: CommitRequest): Unit[] {
  const data = new Uint8Array(request.data)
  const out: Unit[] = []
  let from = 0
  let offset = 0
  request.batches.forEach((size, index) => {
    const to = from + size
    out.push({ request, data, index, from, to, offset })
    for (let i = from; i < to; i++) offset += Math.max(0, request.lengths[i]!)
    from = to
  })
  return out
}

/** The key values are sealed with; the barrier sends it on unseal and rotation and withdraws it on seal. */
let sealKey: { term: number; key: Uint8Array } | undefined

function setSealKey(request: SealKeyRequest): void {
  sealKey?.key.fill(0)
  sealKey =
    request.term !== undefined && request.key !== undefined
      ? { term: request.term, key: request.key }
      : undefined
}

function apply(unit: Unit): void {
  const { keys, lengths } = unit.request
  const seal = unit.request.seal[unit.index] === 1
  if (seal && sealKey === undefined) throw new Error('barrier is sealed: no key to seal the values with')
  let offset = unit.offset
  for (let i = unit.from; i < unit.to; i++) {
    const length = lengths[i]!
    const key = keys[i]!
    if (length < 0) db.delete(key)
    else {
      const value = unit.data.subarray(offset, offset + length)
      // SQLite copies the bound value, so the sealed bytes may live in a shared pool (encryptValueTransient).
      db.put(key, seal ? encryptValueTransient(sealKey!.key, sealKey!.term, value, Buffer.from(key)) : value)
      offset += length
    }
  }
}

/** Apply the batches in order inside one transaction: one fsync for all of them. */
function commit(batch: Unit[]): void {
  db.transaction(() => {
    for (const unit of batch) apply(unit)
  })
}

/**
 * Requests that arrived while the last commit ran are all waiting in the port; they are gathered and
 * committed together, so the writer never idles between commits and the main thread never waits for a
 * reply before sending more. If the combined commit fails, each caller's batch is retried alone, in
 * order, so one bad write fails only its own caller.
 */
let queued: CommitRequest[] = []
let drainScheduled = false

function drain(): void {
  drainScheduled = false
  const requests = queued
  queued = []
  if (requests.length === 0) return
  const results: GroupResult[] = requests.map((request) => ({ seq: request.seq, failed: [] }))
  const all = requests.flatMap(units)
  try {
    commit(all)
  } catch (error) {
    if (all.length === 1) results[0]!.failed.push({ index: 0, error: describe(error) })
    else
      for (const unit of all) {
        try {
          commit([unit])
        } catch (unitError) {
          results[requests.indexOf(unit.request)]!.failed.push({
            index: unit.index,
            error: describe(unitError),
          })
        }
      }
  }
  port!.postMessage({ type: 'settled', results } satisfies WriterReply)
  checkpoints.afterCommit()
}

/** Replace every row with the request's entries in one durable transaction; a failure leaves the table as it was. */
function replace(request: ReplaceRequest): void {
  const data = new Uint8Array(request.data)
  const result: GroupResult = { seq: request.seq, failed: [] }
  try {
    db.transaction(() => {
      db.clear()
      let offset = 0
      request.keys.forEach((key, i) => {
        const length = request.lengths[i]!
        db.put(key, data.subarray(offset, offset + length))
        offset += length
      })
    })
  } catch (error) {
    result.failed.push({ index: 0, error: describe(error) })
  }
  port!.postMessage({ type: 'settled', results: [result] } satisfies WriterReply)
  checkpoints.afterCommit()
}

/** Commit what is left, stop the checkpoint thread, then close the last connection (which checkpoints the WAL). */
async function close(): Promise<void> {
  drain()
  sealKey?.key.fill(0)
  await checkpoints.close()
  db.close()
  port!.postMessage({ type: 'closed' } satisfies WriterReply)
  port!.close()
}

port.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    // The request thread sends nothing after close and waits for this thread to exit.
    void close()
    return
  }
  if (request.type === 'replace') {
    // Groups that arrived earlier commit first; later ones wait in the port until the replace is done.
    drain()
    replace(request)
    return
  }
  if (request.type === 'seal-key') {
    // Groups that arrived earlier were queued under the previous key: commit them first.
    drain()
    setSealKey(request)
    return
  }
  queued.push(request)
  if (!drainScheduled) {
    drainScheduled = true
    setImmediate(drain)
  }
})
