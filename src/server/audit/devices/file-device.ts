// The file audit device: appends JSON lines to a file, one OS write per batch, reopened on SIGHUP.
import { statfs, writeSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import {
  type AuditDevice,
  AuditDeviceError,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_WRITE_TIMEOUT_MS,
  deviceError,
  type EncodedLines,
  encodeLines,
  lineCount,
  SerialQueue,
} from './device.ts'
import { createStdoutDevice } from './stdout-device.ts'

export interface FileDeviceOptions {
  /** Vault's `file_path`; the literal values `stdout` and `discard` are special, as in Vault. */
  readonly filePath: string
  /** Vault's `mode`; 0 leaves the permissions of an existing file alone, as Vault does. */
  readonly mode?: number
  readonly writeTimeoutMs?: number
  readonly maxQueuedBytes?: number
  /** Allow direct writes on local regular files (default true); tests of the queued path turn it off. */
  readonly directWrites?: boolean
}

const NEWLINE = Buffer.from('\n')

/*
 * Direct writes. A write(2) of a batch to a regular file on a local filesystem copies it into the page cache
 * and returns in microseconds, or fails at once (ENOSPC, EIO, EROFS); it cannot wait on a peer the way a
 * network filesystem or a socket can. Such files are written synchronously on the event loop, which saves
 * the thread-pool round trip that otherwise dominates an audited read. Everything else — network and FUSE
 * filesystems, device nodes, pipes — keeps the asynchronous path with its per-write deadline. A direct write
 * that is ever slow (a disk under heavy writeback) sends the device back to the asynchronous path for a while.
 */
const LOCAL_FILESYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
])
const SLOW_DIRECT_WRITE_MS = 20
const DIRECT_COOLDOWN_MS = 60_000
const statfsAsync = promisify(statfs)

/** Opens the file eagerly so that enabling a device on an unusable path fails at enable time. */
export async function createFileDevice(options: FileDeviceOptions): Promise<AuditDevice> {
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES
  // Vault treats these two file_path values as keywords, not file names.
  if (options.filePath === 'stdout') return createStdoutDevice({ writeTimeoutMs, maxQueuedBytes })
  if (options.filePath === 'discard') return createDiscardDevice()
  const device = new FileDevice(
    options.filePath,
    options.mode ?? 0o600,
    writeTimeoutMs,
    maxQueuedBytes,
    options.directWrites ?? true,
  )
  try {
    await device.open()
  } catch (err) {
    await device.close()
    throw err
  }
  return device
}

class FileDevice implements AuditDevice {
  readonly type = 'file'
  readonly #path: string
  readonly #mode: number
  readonly #label: string
  readonly #queue: SerialQueue
  readonly #writeTimeoutMs: number
  #handle: FileHandle | undefined
  #closed = false
  // A write that failed part-way left a fragment without its newline; the next batch ends it first
  // so the fragment stays a line of its own instead of corrupting the next entry too.
  #torn = false
  /** Direct (synchronous) writes are allowed: a regular file on a local filesystem. */
  #directCapable = false
  /** After a slow direct write, asynchronous writes until this time. */
  #directPausedUntil = 0

  readonly #directAllowed: boolean

  constructor(
    path: string,
    mode: number,
    writeTimeoutMs: number,
    maxQueuedBytes: number,
    directAllowed: boolean,
  ) {
    this.#directAllowed = directAllowed
    this.#path = path
    this.#mode = mode
    this.#writeTimeoutMs = writeTimeoutMs
    this.#label = `audit file device "${path}"`
    this.#queue = new SerialQueue({ label: this.#label, writeTimeoutMs, maxQueuedBytes })
  }

  open(): Promise<void> {
    // Through the queue so a hung mount fails enable within the deadline too.
    return this.#queue.run(0, async () => {
      const handle = await this.#openHandle()
      if (this.#closed) await handle.close().catch(() => undefined)
      else this.#handle = handle
    })
  }

  write(lines: string[] | EncodedLines): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    if (lineCount(lines) === 0) return Promise.resolve()
    const payload = encodeLines(lines)
    if (this.#directCapable && this.#handle && !this.#torn && this.#queue.isIdle) {
      const now = Date.now()
      if (now >= this.#directPausedUntil) return this.#appendDirect(this.#handle, payload, now)
    }
    return this.#queue.run(payload.length, () => this.#append(payload))
  }

  reopen(): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    // Queued behind earlier writes, so they land in the old file and later ones in the new file.
    return this.#queue.run(0, async () => {
      const old = this.#handle
      this.#handle = undefined
      await old?.close().catch(() => undefined)
      this.#handle = await this.#openHandle()
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const drained = await this.#queue.idle(this.#writeTimeoutMs)
    const handle = this.#handle
    this.#handle = undefined
    // FileHandle.close waits for pending operations; on a hung disk that would never return.
    if (drained) await handle?.close().catch(() => undefined)
    else handle?.close().catch(() => undefined)
  }

  #appendDirect(handle: FileHandle, payload: Buffer, started: number): Promise<void> {
    let offset = 0
    try {
      while (offset < payload.length) offset += writeSync(handle.fd, payload, offset, payload.length - offset)
    } catch (err) {
      if (offset > 0) this.#torn = true
      return Promise.reject(deviceError(this.#label, 'write', err))
    }
    if (Date.now() - started > SLOW_DIRECT_WRITE_MS) this.#directPausedUntil = Date.now() + DIRECT_COOLDOWN_MS
    return Promise.resolve()
  }

  async #append(payload: Buffer): Promise<void> {
    // A failed reopen (directory removed after rotation) is retried on every write until it works.
    this.#handle ??= await this.#openHandle()
    const handle = this.#handle
    const data = this.#torn ? Buffer.concat([NEWLINE, payload]) : payload
    let offset = 0
    try {
      // One write per batch; the loop only continues after a short write, which regular files
      // produce just before an error such as ENOSPC.
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset)
        offset += bytesWritten
      }
      this.#torn = false
    } catch (err) {
      if (offset > 0) this.#torn = true
      throw deviceError(this.#label, 'write', err)
    }
  }

  async #openHandle(): Promise<FileHandle> {
    let handle: FileHandle
    try {
      handle = await open(this.#path, 'a', this.#mode === 0 ? 0o600 : this.#mode)
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === 'ENOENT') {
        throw new AuditDeviceError(
          `${this.#label}: cannot open: directory "${dirname(this.#path)}" does not exist (ENOENT)`,
          code,
        )
      }
      throw deviceError(this.#label, 'open', err)
    }
    this.#directCapable = this.#directAllowed && (await isLocalRegularFile(handle, this.#path))
    // A file a crash left ending mid-line: the first write ends that fragment first, as after a failed write.
    this.#torn = await endsMidLine(handle, this.#path)
    if (this.#mode !== 0) {
      // Vault chmods an existing file too, so a log created by hand cannot stay world-readable.
      // Only regular files: a device node such as /dev/null is shared with the whole system.
      try {
        if ((await handle.stat()).isFile()) await handle.chmod(this.#mode)
      } catch (err) {
        await handle.close().catch(() => undefined)
        throw deviceError(this.#label, 'set the file mode', err)
      }
    }
    return handle
  }
}

async function isLocalRegularFile(handle: FileHandle, path: string): Promise<boolean> {
  try {
    if (!(await handle.stat()).isFile()) return false
    return LOCAL_FILESYSTEMS.has((await statfsAsync(path)).type)
  } catch {
    return false
  }
}

/**
 * Whether a regular file's last byte is not a newline (an empty or unreadable file is not mid-line). Anything else
 * (a pipe, a character device) is never opened for reading.
 */
async function endsMidLine(handle: FileHandle, path: string): Promise<boolean> {
  let reader: FileHandle | undefined
  try {
    if (!(await handle.stat()).isFile()) return false
    reader = await open(path, 'r')
    const { size } = await reader.stat()
    if (size === 0) return false
    const last = Buffer.alloc(1)
    await reader.read(last, 0, 1, size - 1)
    return last[0] !== 0x0a
  } catch {
    return false
  } finally {
    await reader?.close().catch(() => undefined)
  }
}

/** `file_path=discard`: formats and HMACs still run upstream; the lines go nowhere. */
function createDiscardDevice(): AuditDevice {
  return {
    type: 'file',
    write: () => Promise.resolve(),
    reopen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
}
