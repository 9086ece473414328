// A minimal NATS client (the text protocol): CONNECT, PUB confirmed by PING/PONG, SUB for tests and tools.
import { BufferedSocket, hostPort } from './buffered-socket.ts'

export interface NatsAuth {
  user?: string
  pass?: string
  token?: string
}

export type NatsHandler = (subject: string, payload: Buffer) => void

export class NatsConnection {
  readonly #socket: BufferedSocket
  /** Each PING we send waits for its PONG, in order: a PONG means the server has processed all before it. */
  readonly #pongs: { resolve: () => void; reject: (e: Error) => void }[] = []
  readonly #subs = new Map<string, NatsHandler>()
  #nextSid = 1
  #failure: Error | undefined

  private constructor(socket: BufferedSocket) {
    this.#socket = socket
  }

  static async connect(address: string, auth: NatsAuth = {}, timeoutMs = 5_000): Promise<NatsConnection> {
    const { host, port } = hostPort(address, 4222)
    const socket = await BufferedSocket.connect(host, port, timeoutMs)
    try {
      const info = await socket.line()
      if (!info.startsWith('INFO ')) throw new Error('not a NATS server')
      const connect = {
        verbose: false,
        pedantic: false,
        name: 'coffer-events',
        lang: 'node',
        version: '0.1.0',
        protocol: 1,
        ...(auth.user !== undefined ? { user: auth.user, pass: auth.pass ?? '' } : {}),
        ...(auth.token !== undefined ? { auth_token: auth.token } : {}),
      }
      socket.write(`CONNECT ${JSON.stringify(connect)}\r\n`)
    } catch (error) {
      socket.destroy()
      throw error
    }
    const connection = new NatsConnection(socket)
    void connection.#readLoop()
    // The first PONG proves the CONNECT (and its credentials) was accepted.
    await connection.flush()
    return connection
  }

  publish(subject: string, payload: string | Buffer): void {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
    this.#socket.write(Buffer.concat([Buffer.from(`PUB ${subject} ${bytes.length}\r\n`), bytes, CRLF]))
  }

  /** Resolves once the server has processed everything sent so far. */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#pongs.push({ resolve, reject })
      this.#socket.write('PING\r\n')
    })
  }

  /** Subscribe (tests, tools); the server has registered it once this resolves. */
  async subscribe(subject: string, handler: NatsHandler): Promise<void> {
    const sid = String(this.#nextSid++)
    this.#subs.set(sid, handler)
    this.#socket.write(`SUB ${subject} ${sid}\r\n`)
    await this.flush()
  }

  close(): void {
    this.#socket.destroy()
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const line = await this.#socket.line()
        if (line === 'PING') this.#socket.write('PONG\r\n')
        else if (line === 'PONG') this.#pongs.shift()?.resolve()
        else if (line.startsWith('-ERR')) throw new Error(`NATS server error: ${line.slice(5)}`)
        else if (line.startsWith('MSG ')) {
          // MSG <subject> <sid> [reply-to] <#bytes>
          const parts = line.split(' ')
          const size = Number(parts[parts.length - 1])
          const payload = await this.#socket.read(size + 2)
          this.#subs.get(parts[2] ?? '')?.(parts[1] ?? '', payload.subarray(0, size))
        }
        // +OK and INFO updates need nothing.
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error))
      this.#socket.destroy()
      for (const waiter of this.#pongs.splice(0)) waiter.reject(this.#failure)
    }
  }
}

const CRLF = Buffer.from('\r\n')
