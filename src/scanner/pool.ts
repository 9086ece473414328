// A pool of worker threads that read and scan files in batches, so big trees use every core.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { BatchReply, BatchRequest, PoolWorkerData } from './scan-worker.ts'
import type { Finding } from './types.ts'
import type { FileEntry } from './walk.ts'

/** Files per batch are capped by bytes and by count: enough work to outweigh a message, small enough to share. */
const BATCH_BYTES = 512 * 1024
const BATCH_FILES = 64
/** Batches in flight per worker, so a worker never waits for the main thread between two batches. */
const IN_FLIGHT = 2

/** Threads to use: one per core the process may use, and at least two. */
export function defaultPoolSize(): number {
  return Math.max(2, availableParallelism())
}

export interface PoolProgress {
  /** Called once per finished batch with its files and which of them were skipped. */
  onBatch(files: readonly FileEntry[], skipped: ReadonlySet<number>): void
}

/** Scans `files` on `size` worker threads; resolves with every finding, in no particular order. */
export async function scanInPool(
  files: readonly FileEntry[],
  options: { size: number; disabledRules: readonly string[] } & PoolProgress,
): Promise<Finding[]> {
  const batches = makeBatches(files)
  if (batches.length === 0) return []
  const size = Math.max(1, Math.min(options.size, batches.length))
  const workerData: PoolWorkerData = { disabledRules: [...options.disabledRules] }
  const workers = Array.from(
    { length: size },
    () => new Worker(new URL('./scan-worker.ts', import.meta.url), { workerData }),
  )
  const findings: Finding[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0
      let done = 0
      const send = (worker: Worker) => {
        if (next >= batches.length) return
        const batch = next++
        const request: BatchRequest = {
          batch,
          files: batches[batch]!.map((f) => ({ path: f.path, display: f.display })),
        }
        worker.postMessage(request)
      }
      for (const worker of workers) {
        worker.on('message', (reply: BatchReply) => {
          if (reply.error !== undefined) {
            reject(new Error(`scan worker failed: ${reply.error}`))
            return
          }
          for (const f of reply.findings) findings.push(f)
          options.onBatch(batches[reply.batch]!, new Set(reply.skipped))
          if (++done === batches.length) resolve()
          else send(worker)
        })
        worker.on('error', reject)
        worker.on('exit', (code) => {
          if (done < batches.length) reject(new Error(`scan worker exited with code ${code}`))
        })
        for (let i = 0; i < IN_FLIGHT; i++) send(worker)
      }
    })
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  return findings
}

/** Consecutive runs of files, each up to BATCH_BYTES or BATCH_FILES (a larger file makes a batch alone). */
function makeBatches(files: readonly FileEntry[]): FileEntry[][] {
  const out: FileEntry[][] = []
  let current: FileEntry[] = []
  let bytes = 0
  for (const file of files) {
    if (current.length > 0 && (bytes + file.size > BATCH_BYTES || current.length >= BATCH_FILES)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(file)
    bytes += file.size
  }
  if (current.length > 0) out.push(current)
  return out
}
