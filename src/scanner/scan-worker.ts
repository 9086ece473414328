// Worker thread of the scan pool: reads the files of each batch it is sent and returns their findings.
import { parentPort, workerData } from 'node:worker_threads'
import { ScanEngine } from './engine.ts'
import type { Finding } from './types.ts'
import { readTextSync } from './walk.ts'

export interface BatchRequest {
  batch: number
  files: { path: string; display: string }[]
}

export interface BatchReply {
  batch: number
  findings: Finding[]
  /** Indices (in the batch) of files left out: unreadable, or binary by content. */
  skipped: number[]
  error?: string
}

export interface PoolWorkerData {
  disabledRules: string[]
}

const port = parentPort
if (!port) throw new Error('scan-worker.ts runs only as a worker thread')
const engine = new ScanEngine({ disabledRules: (workerData as PoolWorkerData).disabledRules })

port.on('message', ({ batch, files }: BatchRequest) => {
  const findings: Finding[] = []
  const skipped: number[] = []
  try {
    files.forEach((file, i) => {
      const text = readTextSync(file.path)
      if (text === undefined) skipped.push(i)
      else for (const f of engine.scanText(text, file.display)) findings.push(f)
    })
    port.postMessage({ batch, findings, skipped } satisfies BatchReply)
  } catch (error) {
    // A bug in a rule: report it to the pool rather than dying with the batch unanswered.
    port.postMessage({ batch, findings: [], skipped: [], error: String(error) } satisfies BatchReply)
  }
})
