// A file audit device whose lines are chained and written on a thread of its own, off the request thread.
import type { KeyObject } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type {
  ChainItem,
  WireItem,
  WriterData,
  WriterFailure,
  WriterReply,
  WriterRequest,
} from './chained-file-protocol.ts'
import {
  AuditDeviceError,
  AuditDeviceTimeoutError,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_WRITE_TIMEOUT_MS,
} from './device.ts'

export type { ChainItem } from './chained-file-protocol.ts'

const WORKER_URL = new URL('./chained-file-worker.ts', import.meta.url)
/** After the writer thread stops unexpectedly, a new one is started for a later batch, at most this often. */
const RESTART_INTERVAL_MS = 1000
/** A line's parts this long are sent to the writer thread once and referred to by number afterwards. */
const FRAGMENT_MIN_LENGTH = 128
const MAX_FRAGMENTS = 1024

/**
 * A device that hash-chains its lines itself: the broker hands it each entry's JSON text without the closing
 * brace, and checkpoints to sign, instead of finished lines. The chain state lives with the writer.
 */
export interface ChainingDevice {
  readonly type: 'file'
  readonly chaining: true
  /** Resolves once every item's line is handed to the OS, in order after every earlier batch; else rejects. */
  writeChained(items: readonly ChainItem[]): Promise<void>
  reopen(): Promise<void>
  close(): Promise<void>
}

export interface ChainedFileOptions {
  readonly filePath: string
  readonly mode: number
  readonly writeTimeoutMs?: number
  readonly maxQueuedBytes?: number
  readonly signingKey: KeyObject
  /** After the writer thread stops unexpectedly, batches fail for this long before a new thread is tried. */
  readonly restartIntervalMs?: number
  /** The writer thread's script; tests substitute one that dies on cue. */
  readonly workerUrl?: URL
}

interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

function deviceFailure(failure: WriterFailure): AuditDeviceError {
  return new AuditDeviceError(failure.message, failure.code)
}

/**
 * Starts the writer thread and waits until it has opened the file, so enabling a device on an unusable path
 * fails at enable time, with the file device's own message.
 */
export async function createChainedFileDevice(options: ChainedFileOptions): Promise<ChainingDevice> {
  const device = new ChainedFileDevice(options)
  const opened = await device.opened
  if (opened !== undefined) {
    await device.close()
    throw opened
  }
  return device
}

/*
 * Why a thread: the SHA-256 of every line for the chain and the write(2) of every batch were a third of an audited
 * read's cost on the request thread (docs/performance.md, "Audit on the read path"); the request thread now only
 * builds the lines' text and hands each event-loop turn's lines over in one message. Fail closed is unchanged: a
 * batch's callers are answered only once the writer thread reports its write done, and when the write fails, or
 * the thread stops, every caller waiting fails, as does every batch until the device works again.
 */
class ChainedFileDevice implements ChainingDevice {
  readonly type = 'file'
  readonly chaining = true
  readonly #options: ChainedFileOptions
  readonly #label: string
  #worker: Worker | undefined
  /** Set between a thread's error and its exit: batches sent to it now would be lost, so they fail at once. */
  #stopping: Error | undefined
  #stoppedAt = 0
  #closing = false
  #nextId = 0
  readonly #waiting = new Map<number, Waiter>()
  /**
   * Long parts the current thread knows, by their text, and their numbers: a token's auth section, the remembered
   * rest of its request section and a frozen answer's response section repeat from read to read, and copying them
   * into every message cost the request thread more than the parts of a line that change. A new thread starts
   * with an empty table.
   */
  readonly #fragments = new Map<string, number>()
  /** Resolves with the first thread's open error, or undefined once it has opened the file. */
  readonly opened: Promise<AuditDeviceError | undefined>
  #resolveOpened: ((error: AuditDeviceError | undefined) => void) | undefined

  constructor(options: ChainedFileOptions) {
    this.#options = options
    this.#label = `audit file device "${options.filePath}"`
    const { promise, resolve } = Promise.withResolvers<AuditDeviceError | undefined>()
    this.opened = promise
    this.#resolveOpened = resolve
    this.#worker = this.#start()
  }

  writeChained(items: readonly ChainItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve()
    // Mapped to numbers only as the message is posted, so they always refer to the thread it goes to.
    return this.#send((id) => ({ type: 'batch', id, items: this.#wire(items) }))
  }

  #wire(items: readonly ChainItem[]): WireItem[] {
    const wire: WireItem[] = []
    for (const item of items) {
      if (typeof item === 'string' || 'checkpoint' in item) {
        wire.push(item)
        continue
      }
      const line: (string | number)[] = []
      // Short parts in a row (member names, small values) travel as one string: fewer for the message to carry.
      let short = ''
      for (const piece of item) {
        // The thread is sent text (it encodes each line once, as a whole); a remembered part's bytes stay here.
        const part = typeof piece === 'string' ? piece : piece.text
        if (part.length < FRAGMENT_MIN_LENGTH) {
          short += part
          continue
        }
        if (short !== '') line.push(short)
        short = ''
        let number = this.#fragments.get(part)
        if (number === undefined) {
          // A bounded table: when full it starts over, and texts still in use are simply sent again. The thread
          // replaces a number's text when it is defined anew, and items arrive in order, so a number always means
          // the text defined last under it.
          if (this.#fragments.size >= MAX_FRAGMENTS) this.#fragments.clear()
          number = this.#fragments.size
          this.#fragments.set(part, number)
          wire.push({ fragment: number, text: part })
        }
        line.push(number)
      }
      if (short !== '') line.push(short)
      wire.push(line)
    }
    return wire
  }

  reopen(): Promise<void> {
    return this.#send((id) => ({ type: 'reopen', id }))
  }

  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const worker = this.#worker
    if (worker === undefined) return
    const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    // The thread closes the file after every write before it, then exits; a thread stuck on a hung disk is ended.
    const timeoutMs = (this.#options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS) * 2
    const closed = this.#post(worker, (id) => ({ type: 'close', id })).catch(() => undefined)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
    })
    await Promise.race([closed.then(() => gone), late])
    clearTimeout(timer)
    await worker.terminate()
  }

  #send(request: (id: number) => WriterRequest): Promise<void> {
    if (this.#closing) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    if (this.#stopping !== undefined) return Promise.reject(this.#stopping)
    if (this.#worker === undefined) {
      if (Date.now() - this.#stoppedAt < (this.#options.restartIntervalMs ?? RESTART_INTERVAL_MS))
        return Promise.reject(new AuditDeviceError(`${this.#label}: the writer thread stopped`))
      this.#worker = this.#start()
    }
    return this.#post(this.#worker, request)
  }

  #post(worker: Worker, request: (id: number) => WriterRequest): Promise<void> {
    const id = ++this.#nextId
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    // The thread's own queue gives each write its deadline, but a write(2) that never returns (a local disk that
    // hangs) stalls the thread itself: its callers then fail here instead of waiting for ever. Twice the deadline,
    // so the thread's own timeout, with its clearer reason, comes first whenever the thread is running.
    const timeoutMs = (this.#options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS) * 2
    const timer = setTimeout(() => {
      if (this.#waiting.delete(id) && this.#waiting.size === 0) worker.unref()
      reject(new AuditDeviceTimeoutError(this.#label, timeoutMs))
    }, timeoutMs)
    timer.unref()
    this.#waiting.set(id, { resolve, reject, timer })
    // Idle, the thread must not keep the process alive; it is ref'd while a caller waits on it.
    if (this.#waiting.size === 1) worker.ref()
    worker.postMessage(request(id))
    return promise
  }

  #start(): Worker {
    const { filePath, mode, writeTimeoutMs, maxQueuedBytes, signingKey } = this.#options
    const data: WriterData = {
      filePath,
      mode,
      writeTimeoutMs: writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
      maxQueuedBytes: maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
      signingKey,
    }
    const worker = new Worker(this.#options.workerUrl ?? WORKER_URL, { workerData: data })
    this.#stopping = undefined
    this.#fragments.clear()
    worker.on('message', (reply: WriterReply) => this.#onReply(worker, reply))
    worker.on('error', (error) => this.#stop(worker, `the writer thread failed (${error.name})`))
    worker.on('messageerror', () => this.#stop(worker, 'the writer thread sent an unreadable message'))
    worker.on('exit', () => {
      this.#stop(worker, 'the writer thread stopped')
      if (this.#worker === worker) {
        this.#worker = undefined
        this.#stopping = undefined
        this.#stoppedAt = Date.now()
      }
      this.#resolveOpened?.(new AuditDeviceError(`${this.#label}: the writer thread stopped`))
    })
    return worker
  }

  #onReply(worker: Worker, reply: WriterReply): void {
    if (reply.type === 'opened') {
      this.#resolveOpened?.(reply.error === undefined ? undefined : deviceFailure(reply.error))
      this.#resolveOpened = undefined
      return
    }
    const waiter = this.#waiting.get(reply.id)
    if (waiter === undefined) return
    this.#waiting.delete(reply.id)
    clearTimeout(waiter.timer)
    if (this.#waiting.size === 0) worker.unref()
    if (reply.error === undefined) waiter.resolve()
    else waiter.reject(deviceFailure(reply.error))
  }

  /** The thread is gone or going: every caller still waiting fails (their lines may not have been written). */
  #stop(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return
    const error = new AuditDeviceError(`${this.#label}: ${reason}`)
    this.#stopping ??= error
    const waiters = [...this.#waiting.values()]
    this.#waiting.clear()
    worker.unref()
    for (const waiter of waiters) {
      clearTimeout(waiter.timer)
      waiter.reject(error)
    }
  }
}
