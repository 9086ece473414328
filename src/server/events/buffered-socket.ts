// A TCP connection with a byte buffer for protocol parsers: wait for N bytes or a CRLF line, fail every waiter on close.
import net from 'node:net'

export class BufferedSocket {
  readonly #socket: net.Socket
  #buffer: Buffer = Buffer.alloc(0)
  #waiters: (() => void)[] = []
  #error: Error | undefined

  private constructor(socket: net.Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
      this.#wake()
    })
    const fail = (error: Error) => {
      this.#error ??= error
      this.#wake()
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('connection closed')))
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<BufferedSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port })
      socket.setNoDelay(true)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`could not connect to ${host}:${port} within ${timeoutMs} ms`))
      }, timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        resolve(new BufferedSocket(socket))
      })
      socket.once('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`could not connect to ${host}:${port}: ${error.message}`))
      })
    })
  }

  get closed(): boolean {
    return this.#error !== undefined
  }

  write(data: Buffer | string): void {
    if (this.#error) throw this.#error
    this.#socket.write(data)
  }

  /** The next `n` bytes. */
  async read(n: number): Promise<Buffer> {
    while (this.#buffer.length < n) await this.#more()
    const out = this.#buffer.subarray(0, n)
    this.#buffer = this.#buffer.subarray(n)
    return out
  }

  /** The next line, without its CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n')
      if (end >= 0) {
        const text = this.#buffer.subarray(0, end).toString('utf8')
        this.#buffer = this.#buffer.subarray(end + 2)
        return text
      }
      await this.#more()
    }
  }

  destroy(): void {
    this.#socket.destroy()
  }

  #more(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error)
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve()
  }
}

/** host:port, as in a sink's `address`. */
export function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(address)
  if (!m || m[1] === '') throw new Error(`address must be host:port, got "${address}"`)
  return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort }
}
