// A file audit device's writer thread: chains each line (SHA-256, seq, prev_hash), signs checkpoints and writes.
import { parentPort, workerData } from 'node:worker_threads'
import { AuditChain, resumeChainState } from '../chain.ts'
import type {
  WireItem,
  WriterData,
  WriterFailure,
  WriterReply,
  WriterRequest,
} from './chained-file-protocol.ts'
import { type AuditDevice, LineBatch } from './device.ts'
import { createFileDevice } from './file-device.ts'

const port = parentPort
if (port === null)
  throw new Error('chained-file-worker.ts runs as a worker thread started by a file audit device')
const data = workerData as WriterData

function failure(error: unknown): WriterFailure {
  // Device errors are composed from the device's name and an OS code (deviceError), never from entry content.
  const code = (error as { code?: unknown })?.code
  return {
    message: (error as Error)?.message ?? String(error),
    ...(typeof code === 'string' ? { code } : {}),
  }
}

const reply = (message: WriterReply) => port.postMessage(message)

/** The file, opened as the request thread's own file device would open it (direct writes, queue, deadlines). */
function openFile(): Promise<AuditDevice> {
  return createFileDevice({
    filePath: data.filePath,
    mode: data.mode,
    writeTimeoutMs: data.writeTimeoutMs,
    ...(data.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: data.maxQueuedBytes }),
  })
}

let device: Promise<AuditDevice> = openFile()
// After opening (which creates the file), so a new file starts a new chain and an existing one continues its own.
const chain = device.then(
  () => new AuditChain(resumeChainState(data.filePath)),
  () => new AuditChain(resumeChainState(data.filePath)),
)
device.then(
  () => reply({ type: 'opened' }),
  (error: unknown) => reply({ type: 'opened', error: failure(error) }),
)
/** The size of the last batch, to size the next one's buffer. */
let lastBatchBytes = 0

/** The device, opening it again when the last attempt failed (a directory created after enable, say). */
function ready(): Promise<AuditDevice> {
  device = device.catch(openFile)
  return device
}

/** The texts of fragment numbers, as the request thread last defined them. */
const fragments = new Map<number, string>()

function joined(parts: readonly (string | number)[]): string {
  let text = ''
  for (const part of parts) {
    if (typeof part === 'string') text += part
    else {
      const fragment = fragments.get(part)
      if (fragment === undefined) throw new Error(`audit line refers to undefined fragment ${part}`)
      text += fragment
    }
  }
  return text
}

function chainItems(target: AuditChain, items: readonly WireItem[]): LineBatch {
  const batch = new LineBatch(Math.max(16 * 1024, lastBatchBytes + (lastBatchBytes >> 1)))
  for (const item of items) {
    if (typeof item === 'string') target.appendOpen(item, batch)
    else if ('checkpoint' in item)
      target.checkpoint(data.signingKey, item.checkpoint, batch, item.resumed === true)
    else if ('fragment' in item) fragments.set(item.fragment, item.text)
    else target.appendOpen(joined(item), batch)
  }
  lastBatchBytes = batch.bytes
  return batch
}

/**
 * Requests are handled in arrival order: each batch is chained as soon as it arrives (the chain is the order of
 * arrival) and handed to the device, whose own queue keeps writes, reopens and the close in that order.
 */
let tail: Promise<unknown> = Promise.resolve()
port.on('message', (request: WriterRequest) => {
  const settle = (work: Promise<void>) =>
    work.then(
      () => reply({ type: 'done', id: request.id }),
      (error: unknown) => reply({ type: 'done', id: request.id, error: failure(error) }),
    )
  if (request.type === 'batch') {
    tail = tail.then(async () => {
      let batch: LineBatch
      try {
        batch = chainItems(await chain, request.items)
      } catch (error) {
        // A malformed batch fails alone; `tail` must not reject, or every later request would be skipped.
        settle(Promise.reject(error))
        return
      }
      // Not awaited: the device's own queue orders the writes, so the next batch is chained meanwhile.
      settle(ready().then((open) => open.write(batch.encoded())))
    })
    return
  }
  if (request.type === 'reopen') {
    tail = tail.then(async () => settle(ready().then((open) => open.reopen())))
    return
  }
  tail = tail.then(async () => {
    await settle(
      device.then(
        (open) => open.close(),
        () => undefined,
      ),
    )
    port.close()
  })
})
