// The request thread's side of SQLite group commit: gathers writes into groups for the writer thread and settles callers.
import { Worker } from 'node:worker_threads'
import type { StorageOp } from '../../../sdk/storage.ts'
import type { SealKey } from '../sealing.ts'
import { CHECKPOINT_FRAMES } from './dialect.ts'
import type {
  CommitRequest,
  GroupResult,
  WriterData,
  WriterFailure,
  WriterReply,
  WriterRequest,
} from './protocol.ts'

const WRITER_URL = new URL('./writer.ts', import.meta.url)

interface Waiter {
  resolve: () => void
  reject: (error: Error) => void
}

/**
 * Writes gathered for the next commit, packed as the writer thread takes them: values are copied once, on
 * arrival (so callers may reuse their buffers), into one buffer that is transferred, not cloned.
 */
class WriteGroup {
  readonly keys: string[] = []
  readonly lengths: number[] = []
  readonly waiters: Waiter[] = []
  readonly batches: number[] = []
  /** Per batch: 1 when its put values are plaintext for the writer thread to seal. */
  readonly seal: number[] = []
  #bytes = new Uint8Array(4096)
  #used = 0

  add(ops: StorageOp[], waiter: Waiter, seal: boolean): void {
    let needed = this.#used
    for (const op of ops) if (op.op === 'put') needed += op.value.byteLength
    if (needed > this.#bytes.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.byteLength * 2))
      grown.set(this.#bytes.subarray(0, this.#used))
      this.#bytes = grown
    }
    for (const op of ops) {
      this.keys.push(op.key)
      if (op.op === 'put') {
        this.#bytes.set(op.value, this.#used)
        this.#used += op.value.byteLength
        this.lengths.push(op.value.byteLength)
      } else this.lengths.push(-1)
    }
    this.waiters.push(waiter)
    this.batches.push(ops.length)
    this.seal.push(seal ? 1 : 0)
  }

  request(seq: number): CommitRequest {
    return {
      type: 'commit',
      seq,
      keys: this.keys,
      lengths: this.lengths,
      data: this.#bytes.buffer,
      batches: this.batches,
      seal: this.seal,
    }
  }
}

function writerError(failure: WriterFailure): Error {
  const { message, ...details } = failure
  return Object.assign(new Error(message), details)
}

/** The writer thread of one database file, and the groups of writes on their way to it. */
export class GroupCommit {
  readonly #worker: Worker
  /** Writes arriving now; sent as the next group at once when the writer is idle, else once per turn. */
  #pending = new WriteGroup()
  /** Groups sent to the writer thread and not yet answered, oldest first. */
  #inFlight: { seq: number; waiters: Waiter[] }[] = []
  #seq = 0
  /** Set once the writer thread is gone (crashed or exited); every later write rejects with it. */
  #failure: Error | undefined
  #flushScheduled = false
  #writerClosing = false
  #commits = 0
  #batches = 0
  readonly #writerGone: Promise<void>

  /**
   * Start the writer thread (`writerUrl`: its script; tests substitute a failing one) on `file`; `checkpoints`
   * changes when checkpoints start and the checkpoint thread's script (tests).
   */
  constructor(
    file: string,
    writerUrl: URL = WRITER_URL,
    checkpoints: { frames?: number; checkpointerUrl?: URL } = {},
  ) {
    const workerData: WriterData = { path: file, checkpointFrames: checkpoints.frames ?? CHECKPOINT_FRAMES }
    if (checkpoints.checkpointerUrl !== undefined)
      workerData.checkpointerUrl = checkpoints.checkpointerUrl.href
    this.#worker = new Worker(writerUrl, { workerData })
    // Idle, the writer thread must not keep the process alive; it is ref'd while a commit is in flight.
    this.#worker.unref()
    this.#worker.on('message', (reply: WriterReply) => this.#onReply(reply))
    this.#worker.on('error', (error) =>
      this.#fail(new Error(`sqlite writer thread failed: ${error.message}`, { cause: error })),
    )
    this.#worker.on('messageerror', (error) =>
      this.#fail(new Error(`sqlite writer thread sent an unreadable message: ${error.message}`)),
    )
    this.#writerGone = new Promise((resolveGone) => {
      this.#worker.on('exit', (code) => {
        if (!this.#writerClosing)
          this.#fail(new Error(`sqlite writer thread exited unexpectedly (code ${code})`))
        resolveGone()
      })
    })
  }

  /** Queue `ops` as one atomic batch (values plaintext to seal when `seal`); resolves once committed. */
  enqueue(ops: StorageOp[], seal: boolean): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    // Validate before queueing so one caller's bad input cannot fail the whole group.
    for (const op of ops) {
      if (typeof op.key !== 'string') return Promise.reject(new TypeError('storage key must be a string'))
      if (op.op === 'put' && !(op.value instanceof Uint8Array)) {
        return Promise.reject(new TypeError(`storage value for ${op.key} must be a Uint8Array`))
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.add(ops, { resolve, reject }, seal)
      // Every write of this turn of the event loop goes to the writer thread in one message, sent once the turn's
      // I/O callbacks have run (setImmediate), even when the writer is idle: each message costs this thread a
      // structured clone and a wake-up of the writer, and each one an idle writer receives alone becomes a commit
      // (an fsync) of its own. Sending the first write at once, as this did before, left the rest of the turn's
      // writes for a second commit, and cost both threads more CPU per write (docs/performance.md, the write
      // path). The writer folds every message that arrives during a commit into the next one.
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => {
          this.#flushScheduled = false
          if (this.#pending.waiters.length > 0 && this.#failure === undefined) this.#send()
        })
      }
    })
  }

  /** Seal later batches with `key` (a copy is moved to the writer thread); undefined withdraws it. */
  setSealKey(key: SealKey | undefined): void {
    if (this.#failure !== undefined) return
    // Writes already queued go first, so each is sealed under the key that was current when it was made.
    if (this.#pending.waiters.length > 0) this.#send()
    if (key === undefined) {
      this.#worker.postMessage({ type: 'seal-key' } satisfies WriterRequest)
      return
    }
    // A copy in its own ArrayBuffer (a Buffer's slice would share, and transfer, a pooled one) is moved, not
    // cloned, so no second copy of the key stays behind on this thread.
    const copy = new Uint8Array(key.key)
    this.#worker.postMessage({ type: 'seal-key', term: key.term, key: copy } satisfies WriterRequest, [
      copy.buffer,
    ])
  }

  /**
   * Commits the writer thread has answered and the callers' batches they carried: batches per commit is how
   * well concurrent writers share each fsync (a failed group retried batch by batch still counts once).
   */
  get stats(): { commits: number; batches: number } {
    return { commits: this.#commits, batches: this.#batches }
  }

  /**
   * Replace the whole store with `entries` in one transaction on the writer thread, after every write queued
   * before this call; writes queued after it commit after it. Values are copied into one transferred buffer.
   */
  replace(entries: readonly { key: string; value: Uint8Array }[]): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#pending.waiters.length > 0) this.#send()
    let total = 0
    for (const entry of entries) total += entry.value.byteLength
    const data = new Uint8Array(total)
    const keys: string[] = []
    const lengths: number[] = []
    let offset = 0
    for (const { key, value } of entries) {
      keys.push(key)
      lengths.push(value.byteLength)
      data.set(value, offset)
      offset += value.byteLength
    }
    return new Promise<void>((resolve, reject) => {
      const seq = ++this.#seq
      this.#inFlight.push({ seq, waiters: [{ resolve, reject }] })
      this.#worker.ref()
      this.#worker.postMessage(
        { type: 'replace', seq, keys, lengths, data: data.buffer } satisfies WriterRequest,
        [data.buffer],
      )
    })
  }

  /** Send what is pending and wait until every group sent so far has settled (committed or failed). */
  async flush(): Promise<void> {
    if (this.#pending.waiters.length > 0 && this.#failure === undefined) this.#send()
    // Groups commit in order, so once the last one settles every earlier write has too.
    const last = this.#inFlight.at(-1)?.waiters
    if (last !== undefined)
      await new Promise<void>((done) => last.push({ resolve: done, reject: () => done() }))
  }

  /** Stop the writer thread; it commits anything it still holds and checkpoints the WAL as it closes. */
  async stop(): Promise<void> {
    if (this.#failure === undefined) {
      this.#writerClosing = true
      this.#worker.ref()
      this.#worker.postMessage({ type: 'close' } satisfies WriterRequest)
      await this.#writerGone
    }
    await this.#worker.terminate()
  }

  /** Hand the pending group to the writer thread: one message, values transferred. */
  #send(): void {
    const group = this.#pending
    this.#pending = new WriteGroup()
    const seq = ++this.#seq
    this.#inFlight.push({ seq, waiters: group.waiters })
    const request = group.request(seq)
    this.#worker.ref()
    this.#worker.postMessage(request satisfies WriterRequest, [request.data])
  }

  #onReply(reply: WriterReply): void {
    if (reply.type === 'closed') return
    const settled: { waiters: Waiter[]; failed: GroupResult['failed'] }[] = []
    for (const result of reply.results) {
      const group = this.#inFlight.shift()
      if (group === undefined || group.seq !== result.seq) {
        this.#fail(new Error(`sqlite writer thread answered group ${result.seq}, expected ${group?.seq}`))
        return
      }
      settled.push({ waiters: group.waiters, failed: result.failed })
    }
    if (this.#inFlight.length === 0 && !this.#writerClosing) this.#worker.unref()
    this.#commits++
    for (const { waiters } of settled) this.#batches += waiters.length
    for (const { waiters, failed } of settled) {
      waiters.forEach((waiter, index) => {
        const failure = failed.find((f) => f.index === index)
        if (failure) waiter.reject(writerError(failure.error))
        else waiter.resolve()
      })
    }
  }

  /** The writer thread is gone: every caller still waiting, and every later write, gets `error`. */
  #fail(error: Error): void {
    if (this.#failure !== undefined) return
    this.#failure = error
    const waiters = [...this.#inFlight.flatMap((group) => group.waiters), ...this.#pending.waiters]
    this.#inFlight = []
    this.#pending = new WriteGroup()
    for (const waiter of waiters) waiter.reject(error)
  }
}
