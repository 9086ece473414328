// The audit device contract, its errors, and the bounded serial queue every device writes through.
import type { LinePart } from '../line-part.ts'

export interface AuditDevice {
  readonly type: 'file' | 'socket' | 'stdout'
  /**
   * Complete JSON lines without trailing newlines, or lines already encoded (see EncodedLines); resolves once
   * they are handed to the OS.
   */
  write(lines: string[] | EncodedLines): Promise<void>
  /** Reopens the destination (SIGHUP / logrotate for files, a fresh connection for sockets). */
  reopen(): Promise<void>
  close(): Promise<void>
}

export const DEFAULT_WRITE_TIMEOUT_MS = 2000
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024

/** A device failure. Messages name the device and the OS reason, never the audit content. */
export class AuditDeviceError extends Error {
  readonly code: string | undefined
  constructor(message: string, code?: string) {
    super(message)
    this.name = 'AuditDeviceError'
    this.code = code
  }
}

/** The write did not complete in time; the device stays usable for later writes. */
export class AuditDeviceTimeoutError extends AuditDeviceError {
  constructor(device: string, timeoutMs: number) {
    super(`${device}: write did not complete within ${timeoutMs} ms`, 'ETIMEDOUT')
    this.name = 'AuditDeviceTimeoutError'
  }
}

/** Too many bytes are already waiting on a slow device; refusing beats buffering without bound. */
export class AuditDeviceQueueFullError extends AuditDeviceError {
  constructor(device: string, limit: number) {
    super(`${device}: more than ${limit} bytes are waiting to be written; entry refused`, 'EQUEUEFULL')
    this.name = 'AuditDeviceQueueFullError'
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'the path is a directory',
  EIO: 'input/output error',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'the peer closed the connection',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EMSGSIZE: 'entry too large for one datagram',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'timed out',
}

/**
 * Builds a message from the error code alone: Node's own messages are safe today, but a device
 * error reaches operators and logs, so it is composed from parts that cannot carry entry content.
 */
export function deviceError(device: string, action: string, err: unknown): AuditDeviceError {
  if (err instanceof AuditDeviceError) return err
  const code =
    typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined
  const reason = code === undefined ? 'unexpected error' : (REASONS[code] ?? 'system error')
  return new AuditDeviceError(`${device}: cannot ${action}: ${reason}${code ? ` (${code})` : ''}`, code)
}

/**
 * A batch of lines as the bytes a device writes: each line's UTF-8 followed by a newline, one after another.
 * `ends[i]` is the offset just past line i's newline. The broker builds one per device write, encoding each line
 * once (see LineBatch), so a device writes it as is instead of converting the lines again.
 */
export interface EncodedLines {
  readonly payload: Buffer
  readonly ends: readonly number[]
}

/** Newline-terminates every line and joins them, so one OS write carries the whole batch. */
export function encodeLines(lines: string[] | EncodedLines): Buffer {
  if (!Array.isArray(lines)) return lines.payload
  return Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8')
}

/** How many lines a batch carries. */
export function lineCount(lines: string[] | EncodedLines): number {
  return Array.isArray(lines) ? lines.length : lines.ends.length
}

/** Each line of a batch on its own, newline-terminated (a UDP device sends one datagram per entry). */
export function encodeEachLine(lines: string[] | EncodedLines): Buffer[] {
  if (Array.isArray(lines)) return lines.map((line) => encodeLines([line]))
  const out: Buffer[] = []
  let start = 0
  for (const end of lines.ends) {
    out.push(lines.payload.subarray(start, end))
    start = end
  }
  return out
}

/**
 * Lines encoded as UTF-8 into one growing buffer as they are made, each hashed from its bytes where it lies:
 * a line is converted once, for the chain hash and the write alike.
 */
export class LineBatch {
  #buffer: Buffer
  #used = 0
  readonly #ends: number[] = []

  /** `capacity` in bytes, or a buffer to write into (an earlier batch's, whose bytes were written: see `buffer`). */
  constructor(capacity: number | Buffer = 16 * 1024) {
    this.#buffer = typeof capacity === 'number' ? Buffer.allocUnsafe(capacity) : capacity
  }

  /** The memory the batch is written into, for a later batch once this one's write has completed. */
  get buffer(): Buffer {
    return this.#buffer
  }

  get lines(): number {
    return this.#ends.length
  }

  get bytes(): number {
    return this.#used
  }

  /** Appends `line` and a newline; returns the line's UTF-8 bytes (without the newline), valid until the next push. */
  push(line: string): Buffer {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, two units, takes 4).
    this.#reserve(line.length * 3 + 1)
    const start = this.#used
    const written = this.#buffer.write(line, start, 'utf8')
    this.#buffer[start + written] = 0x0a
    this.#used = start + written + 1
    this.#ends.push(this.#used)
    return this.#buffer.subarray(start, start + written)
  }

  /**
   * Appends the line made of `parts` then `tail`, and a newline; returns the line's bytes as push does. The bytes
   * are exactly push(every part joined)'s: encoded parts' bytes are copied as they are and only the text parts (the
   * small ones that change per line) are encoded, so no string of the whole line is made and flattened. Each part
   * is encoded on its own, so none may end inside a surrogate pair (JSON texts and members never do); text parts
   * are best flat strings (JSON.stringify's output, not a concatenation), which the encoder takes without a copy.
   */
  pushParts(parts: readonly LinePart[], tail: readonly LinePart[]): Buffer {
    const start = this.#used
    this.#reserve(room(parts) + room(tail) + 1)
    const buffer = this.#buffer
    let at = writeParts(buffer, parts, start)
    at = writeParts(buffer, tail, at)
    buffer[at] = 0x0a
    this.#used = at + 1
    this.#ends.push(this.#used)
    return buffer.subarray(start, at)
  }

  #reserve(room: number): void {
    if (this.#used + room <= this.#buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#used + room))
    this.#buffer.copy(grown, 0, 0, this.#used)
    this.#buffer = grown
  }

  /** The batch as a device writes it; the batch must not be pushed to afterwards. */
  encoded(): EncodedLines {
    return { payload: this.#buffer.subarray(0, this.#used), ends: this.#ends }
  }
}

/** The most bytes `parts` can take in UTF-8: at most 3 per UTF-16 code unit of text (as in push). */
function room(parts: readonly LinePart[]): number {
  let bytes = 0
  for (const part of parts) bytes += typeof part === 'string' ? part.length * 3 : part.bytes.length
  return bytes
}

/** Writes `parts` at `at` (room is reserved); returns the offset after them. */
function writeParts(buffer: Buffer, parts: readonly LinePart[], at: number): number {
  for (const part of parts) {
    if (typeof part !== 'string') {
      buffer.set(part.bytes, at)
      at += part.bytes.length
    } else if (part !== '') at += buffer.write(part, at, 'utf8')
  }
  return at
}

export interface SerialQueueOptions {
  /** Names the device in error messages, e.g. `audit file device "/var/log/audit.log"`. */
  readonly label: string
  readonly writeTimeoutMs: number
  readonly maxQueuedBytes: number
  /** Called when the running task overran its deadline; sockets destroy the stuck connection here. */
  readonly onTimeout?: () => void
}

interface Job {
  readonly bytes: number
  readonly task: () => Promise<void>
  readonly resolve: () => void
  readonly reject: (err: Error) => void
  settled: boolean
  started: boolean
  timer: NodeJS.Timeout | undefined
}

/**
 * Runs device operations one at a time, in call order, each with a deadline counted from the call.
 * One at a time keeps batches from interleaving and keeps a hung disk from tying up more than one
 * libuv thread; the deadline means a hung destination (Vault #5361, #18943) fails a request
 * instead of freezing every request behind it.
 */
export class SerialQueue {
  readonly #options: SerialQueueOptions
  readonly #jobs: Job[] = []
  #queuedBytes = 0
  #running: Job | undefined
  #idleWaiters: (() => void)[] = []

  constructor(options: SerialQueueOptions) {
    this.#options = options
  }

  run(bytes: number, task: () => Promise<void>): Promise<void> {
    const { label, maxQueuedBytes, writeTimeoutMs } = this.#options
    // The cap bounds the backlog, not an entry: a batch is refused only when other bytes are already waiting.
    // An entry is as large as its request allows (max_request_size times HMAC's expansion), and one that can
    // never fit would otherwise fail every time, however idle the device.
    if (this.#queuedBytes > 0 && this.#queuedBytes + bytes > maxQueuedBytes) {
      return Promise.reject(new AuditDeviceQueueFullError(label, maxQueuedBytes))
    }
    return new Promise<void>((resolve, reject) => {
      const job: Job = { bytes, task, resolve, reject, settled: false, started: false, timer: undefined }
      job.timer = setTimeout(() => this.#expire(job), writeTimeoutMs)
      this.#queuedBytes += bytes
      this.#jobs.push(job)
      this.#pump()
    })
  }

  /** Nothing queued or running: a direct write now cannot overtake an earlier one. */
  get isIdle(): boolean {
    return this.#running === undefined && this.#jobs.length === 0
  }

  /** Resolves when nothing is queued or running, or after `timeoutMs`, whichever comes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#running === undefined && this.#jobs.length === 0) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done)
        resolve(false)
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        resolve(true)
      }
      this.#idleWaiters.push(done)
    })
  }

  #expire(job: Job): void {
    if (job.settled) return
    job.settled = true
    job.reject(new AuditDeviceTimeoutError(this.#options.label, this.#options.writeTimeoutMs))
    if (!job.started) {
      // Never started: drop it, so a caller told "failed" does not later find its entry written.
      const index = this.#jobs.indexOf(job)
      if (index >= 0) this.#jobs.splice(index, 1)
      this.#queuedBytes -= job.bytes
      this.#notifyIdle()
      return
    }
    this.#options.onTimeout?.()
  }

  #pump(): void {
    if (this.#running !== undefined) return
    const job = this.#jobs.shift()
    if (job === undefined) {
      this.#notifyIdle()
      return
    }
    this.#running = job
    job.started = true
    const finish = (err: unknown): void => {
      clearTimeout(job.timer)
      this.#queuedBytes -= job.bytes
      this.#running = undefined
      if (!job.settled) {
        job.settled = true
        if (err === undefined) job.resolve()
        else job.reject(deviceError(this.#options.label, 'write', err))
      }
      this.#pump()
    }
    let pending: Promise<void>
    try {
      pending = job.task()
    } catch (err) {
      pending = Promise.reject(err)
    }
    pending.then(
      () => finish(undefined),
      (err: unknown) => finish(err ?? new Error('unknown')),
    )
  }

  #notifyIdle(): void {
    if (this.#running !== undefined || this.#jobs.length > 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const waiter of waiters) waiter()
  }
}
