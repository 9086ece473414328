// The socket audit device: JSON lines to a TCP or unix-socket collector, or one UDP datagram per line.
import { createSocket, type Socket as DgramSocket } from 'node:dgram'
import { isIPv6, connect as netConnect, type Socket } from 'node:net'
import {
  type AuditDevice,
  AuditDeviceError,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_WRITE_TIMEOUT_MS,
  deviceError,
  type EncodedLines,
  encodeEachLine,
  encodeLines,
  lineCount,
  SerialQueue,
} from './device.ts'

export type SocketType = 'tcp' | 'udp' | 'unix'

export interface SocketDeviceOptions {
  /** Vault's `address`: `host:port` (`[::1]:9090` for IPv6) for tcp/udp, a path for unix. */
  readonly address: string
  /** Vault's `socket_type`; Vault defaults it to tcp. */
  readonly socketType?: SocketType
  readonly writeTimeoutMs?: number
  readonly maxQueuedBytes?: number
}

/** Connects lazily: a collector that is down at enable time is not an error until entries flow. */
export function createSocketDevice(options: SocketDeviceOptions): AuditDevice {
  const socketType = options.socketType ?? 'tcp'
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES
  const label = `audit socket device (${socketType} ${options.address})`
  if (socketType === 'unix') {
    if (options.address === '') throw new AuditDeviceError(`${label}: address must be a socket path`)
    return new StreamSocketDevice(label, { path: options.address }, writeTimeoutMs, maxQueuedBytes)
  }
  const target = parseHostPort(label, options.address)
  if (socketType === 'udp') return new DatagramDevice(label, target, writeTimeoutMs, maxQueuedBytes)
  if (socketType === 'tcp') return new StreamSocketDevice(label, target, writeTimeoutMs, maxQueuedBytes)
  throw new AuditDeviceError(`${label}: socket_type must be tcp, udp or unix`)
}

interface HostPort {
  readonly host: string
  readonly port: number
}

export function parseHostPort(label: string, address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address)
  const port = Number(match?.[3])
  if (match === null || !(port >= 1 && port <= 65535)) {
    throw new AuditDeviceError(`${label}: address must be host:port (e.g. 127.0.0.1:9090)`)
  }
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port }
}

type StreamTarget = HostPort | { readonly path: string }

class StreamSocketDevice implements AuditDevice {
  readonly type = 'socket'
  readonly #label: string
  readonly #target: StreamTarget
  readonly #queue: SerialQueue
  readonly #writeTimeoutMs: number
  #socket: Socket | undefined
  #closed = false
  // Bumped when a write overruns its deadline, so the task that was cut off does not retry.
  #generation = 0

  constructor(label: string, target: StreamTarget, writeTimeoutMs: number, maxQueuedBytes: number) {
    this.#label = label
    this.#target = target
    this.#writeTimeoutMs = writeTimeoutMs
    this.#queue = new SerialQueue({
      label,
      writeTimeoutMs,
      maxQueuedBytes,
      // A peer that stopped reading (or a SYN into a firewall) would hold every later entry; drop
      // the connection instead and let the next write start a fresh one.
      onTimeout: () => {
        this.#generation++
        this.#drop()
      },
    })
  }

  write(lines: string[] | EncodedLines): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    if (lineCount(lines) === 0) return Promise.resolve()
    const payload = encodeLines(lines)
    return this.#queue.run(payload.length, () => this.#send(payload))
  }

  reopen(): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    return this.#queue.run(0, async () => this.#drop())
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#queue.idle(this.#writeTimeoutMs)
    // Written data is already in the kernel, which still delivers it after the descriptor closes.
    this.#drop()
  }

  async #send(payload: Buffer): Promise<void> {
    const generation = this.#generation
    const reused = this.#socket !== undefined
    try {
      await this.#writeOnce(payload)
    } catch (err) {
      // Like Vault's socket device: a connection that went stale while idle (collector restarted)
      // gets one reconnect; a fresh connection that fails is reported.
      if (!reused || generation !== this.#generation || this.#closed) throw err
      this.#drop()
      await this.#writeOnce(payload)
    }
  }

  async #writeOnce(payload: Buffer): Promise<void> {
    const socket = this.#socket ?? (await this.#connect())
    await new Promise<void>((resolve, reject) => {
      // The callback fires once the chunk is in the kernel's send buffer; a peer that stops
      // reading leaves it pending, which the queue's deadline turns into a timeout.
      socket.write(payload, (err) => (err ? reject(deviceError(this.#label, 'write', err)) : resolve()))
    })
  }

  #connect(): Promise<Socket> {
    const generation = this.#generation
    const socket = 'path' in this.#target ? netConnect({ path: this.#target.path }) : netConnect(this.#target)
    this.#socket = socket
    return new Promise<Socket>((resolve, reject) => {
      let connecting = true
      const fail = (err: unknown): void => {
        if (!connecting) return
        connecting = false
        if (this.#socket === socket) this.#socket = undefined
        socket.destroy()
        reject(deviceError(this.#label, 'connect', err))
      }
      socket.once('connect', () => {
        if (generation !== this.#generation) return fail({ code: 'ETIMEDOUT' })
        connecting = false
        resolve(socket)
      })
      // Destroyed mid-connect by the deadline: no 'error' follows, only 'close'.
      socket.once('close', () => fail({ code: 'ETIMEDOUT' }))
      socket.on('error', (err) => {
        if (connecting) fail(err)
        else if (this.#socket === socket) this.#socket = undefined
      })
      socket.on('close', () => {
        if (this.#socket === socket) this.#socket = undefined
      })
      // Collectors do not talk back; reading anyway is how a peer's close is noticed while idle.
      socket.resume()
    })
  }

  #drop(): void {
    const socket = this.#socket
    this.#socket = undefined
    socket?.destroy()
  }
}

class DatagramDevice implements AuditDevice {
  readonly type = 'socket'
  readonly #label: string
  readonly #target: HostPort
  readonly #queue: SerialQueue
  readonly #writeTimeoutMs: number
  #socket: DgramSocket | undefined
  #closed = false

  constructor(label: string, target: HostPort, writeTimeoutMs: number, maxQueuedBytes: number) {
    this.#label = label
    this.#target = target
    this.#writeTimeoutMs = writeTimeoutMs
    this.#queue = new SerialQueue({ label, writeTimeoutMs, maxQueuedBytes, onTimeout: () => this.#drop() })
  }

  write(lines: string[] | EncodedLines): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    if (lineCount(lines) === 0) return Promise.resolve()
    // One entry per datagram, newline-terminated like every other device's lines.
    const datagrams = encodeEachLine(lines)
    const bytes = datagrams.reduce((sum, d) => sum + d.length, 0)
    return this.#queue.run(bytes, () => this.#sendAll(datagrams))
  }

  reopen(): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditDeviceError(`${this.#label}: device is closed`))
    return this.#queue.run(0, async () => this.#drop())
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#queue.idle(this.#writeTimeoutMs)
    this.#drop()
  }

  async #sendAll(datagrams: Buffer[]): Promise<void> {
    const socket = this.#socket ?? this.#open()
    const { host, port } = this.#target
    for (const datagram of datagrams) {
      await new Promise<void>((resolve, reject) => {
        socket.send(datagram, port, host, (err) =>
          err ? reject(deviceError(this.#label, 'send', err)) : resolve(),
        )
      })
    }
  }

  #open(): DgramSocket {
    const socket = createSocket(isIPv6(this.#target.host) ? 'udp6' : 'udp4')
    // Without a listener an asynchronous socket error would crash the process.
    socket.on('error', () => {
      if (this.#socket === socket) this.#drop()
    })
    this.#socket = socket
    return socket
  }

  #drop(): void {
    const socket = this.#socket
    this.#socket = undefined
    try {
      socket?.close()
    } catch {
      // Already closed: nothing left to release.
    }
  }
}
