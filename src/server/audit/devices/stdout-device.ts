// The stdout audit device: JSON lines on process.stdout (or a given stream), for containers.
import type { Writable } from 'node:stream'
import {
  type AuditDevice,
  AuditDeviceError,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_WRITE_TIMEOUT_MS,
  deviceError,
  encodeLines,
  lineCount,
  SerialQueue,
} from './device.ts'

export interface StdoutDeviceOptions {
  /** Defaults to process.stdout; tests pass their own stream. */
  readonly stream?: Writable
  readonly writeTimeoutMs?: number
  readonly maxQueuedBytes?: number
}

export function createStdoutDevice(options: StdoutDeviceOptions = {}): AuditDevice {
  const stream = options.stream ?? process.stdout
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS
  const label = 'audit stdout device'
  const queue = new SerialQueue({
    label,
    writeTimeoutMs,
    maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
  })
  let closed = false
  // A stream error (EPIPE when the reader went away) arrives as an event; without a listener it
  // would crash the process, and the failing write's callback reports it to the caller anyway.
  const swallow = (): void => {}
  stream.on('error', swallow)

  const writeChunk = (payload: Buffer): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (stream.destroyed || stream.writableEnded) {
        reject(new AuditDeviceError(`${label}: the stream is closed`, 'EPIPE'))
        return
      }
      // The callback fires once the stream has handed the chunk to the OS (or failed).
      stream.write(payload, (err) => (err ? reject(deviceError(label, 'write', err)) : resolve()))
    })

  return {
    type: 'stdout',
    write(lines) {
      if (closed) return Promise.reject(new AuditDeviceError(`${label}: device is closed`))
      if (lineCount(lines) === 0) return Promise.resolve()
      const payload = encodeLines(lines)
      return queue.run(payload.length, () => writeChunk(payload))
    },
    // Nothing to reopen: stdout is inherited, and a SIGHUP must not fail because of this device.
    reopen: () => Promise.resolve(),
    async close() {
      if (closed) return
      closed = true
      await queue.idle(writeTimeoutMs)
      // The stream belongs to the process (or the test); only our listener is ours to remove.
      stream.off('error', swallow)
    },
  }
}
