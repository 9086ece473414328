// A minimal AMQP 0-9-1 client for RabbitMQ: one channel, topic exchange, persistent publishes with publisher confirms, and a consumer for tests.
import {
  ArgReader,
  ArgWriter,
  basicHeader,
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  frame,
  methodFrame,
  PROTOCOL_HEADER,
} from './amqp-codec.ts'
import { BufferedSocket } from './buffered-socket.ts'

const CONNECTION = 10
const CHANNEL = 20
const EXCHANGE = 40
const QUEUE = 50
const BASIC = 60
const CONFIRM = 85
const CH = 1

interface Method {
  classId: number
  methodId: number
  args: ArgReader
}

export type AmqpHandler = (routingKey: string, body: Buffer) => void

/** The parts of an amqp:// URL a connection needs; the password stays out of every error message. */
export function parseAmqpUrl(url: string): {
  host: string
  port: number
  user: string
  pass: string
  vhost: string
} {
  const u = new URL(url)
  if (u.protocol !== 'amqp:')
    throw new Error('a RabbitMQ sink needs an amqp:// url (amqps is not supported yet)')
  const vhost = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : '/'
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5672,
    user: decodeURIComponent(u.username || 'guest'),
    pass: decodeURIComponent(u.password || 'guest'),
    vhost,
  }
}

export class AmqpConnection {
  readonly #socket: BufferedSocket
  #frameMax = 131072
  /** Replies to synchronous methods, in order (one channel, one request at a time). */
  readonly #replies: { resolve: (m: Method) => void; reject: (e: Error) => void }[] = []
  readonly #confirms = new Map<bigint, { resolve: () => void; reject: (e: Error) => void }>()
  #publishSeq = 0n
  #handler: AmqpHandler | undefined
  #delivery: { routingKey: string; size: number; chunks: Buffer[]; got: number } | undefined
  #failure: Error | undefined

  private constructor(socket: BufferedSocket) {
    this.#socket = socket
  }

  static async connect(url: string, timeoutMs = 5_000): Promise<AmqpConnection> {
    const target = parseAmqpUrl(url)
    const socket = await BufferedSocket.connect(target.host, target.port, timeoutMs)
    const connection = new AmqpConnection(socket)
    try {
      socket.write(PROTOCOL_HEADER)
      const start = await connection.#readMethod()
      if (start.classId !== CONNECTION || start.methodId !== 10) throw new Error('not an AMQP 0-9-1 broker')
      connection.#send(
        0,
        CONNECTION,
        11,
        new ArgWriter()
          .emptyTable()
          .shortstr('PLAIN')
          .longstr(`\0${target.user}\0${target.pass}`)
          .shortstr('en_US')
          .build(),
      )
      const tune = await connection.#readMethod()
      if (tune.classId === CONNECTION && tune.methodId === 50)
        throw new Error(`RabbitMQ refused the connection: ${closeText(tune)}`)
      tune.args.short()
      connection.#frameMax = tune.args.long() || connection.#frameMax
      // Heartbeats off: a sink connection idles between events; a dead one shows up on the next publish.
      connection.#send(
        0,
        CONNECTION,
        31,
        new ArgWriter().short(1).long(connection.#frameMax).short(0).build(),
      )
      connection.#send(
        0,
        CONNECTION,
        40,
        new ArgWriter().shortstr(target.vhost).shortstr('').bits(false).build(),
      )
      const open = await connection.#readMethod()
      if (open.classId !== CONNECTION || open.methodId !== 41)
        throw new Error(`RabbitMQ refused virtual host "${target.vhost}": ${closeText(open)}`)
    } catch (error) {
      socket.destroy()
      throw error
    }
    void connection.#readLoop()
    await connection.#call(CHANNEL, 10, new ArgWriter().shortstr('').build())
    return connection
  }

  /** A durable topic exchange, created if absent. */
  async declareTopicExchange(name: string): Promise<void> {
    await this.#call(
      EXCHANGE,
      10,
      new ArgWriter()
        .short(0)
        .shortstr(name)
        .shortstr('topic')
        .bits(false, true, false, false, false)
        .emptyTable()
        .build(),
    )
  }

  /** Publisher confirms: from here on every publish resolves on the broker's ack. */
  async confirmSelect(): Promise<void> {
    await this.#call(CONFIRM, 10, new ArgWriter().bits(false).build())
  }

  /** A persistent message; resolves when the broker confirms it (after confirmSelect). */
  publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    props: { messageId: string; type: string },
  ): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure)
    const tag = ++this.#publishSeq
    const confirmed = new Promise<void>((resolve, reject) => this.#confirms.set(tag, { resolve, reject }))
    const frames = [
      methodFrame(
        CH,
        BASIC,
        40,
        new ArgWriter().short(0).shortstr(exchange).shortstr(routingKey).bits(false, false).build(),
      ),
      basicHeader(CH, body.length, {
        contentType: 'application/cloudevents+json',
        persistent: true,
        ...props,
      }),
    ]
    const chunk = this.#frameMax - 8
    for (let at = 0; at < body.length; at += chunk)
      frames.push(frame(FRAME_BODY, CH, body.subarray(at, at + chunk)))
    this.#socket.write(Buffer.concat(frames))
    return confirmed
  }

  /** Tests and tools: a server-named exclusive queue bound to `exchange` with `bindingKey`, consumed without acks. */
  async consume(exchange: string, bindingKey: string, handler: AmqpHandler): Promise<void> {
    const declared = await this.#call(
      QUEUE,
      10,
      new ArgWriter().short(0).shortstr('').bits(false, false, true, true, false).emptyTable().build(),
    )
    const queue = declared.args.shortstr()
    await this.#call(
      QUEUE,
      20,
      new ArgWriter()
        .short(0)
        .shortstr(queue)
        .shortstr(exchange)
        .shortstr(bindingKey)
        .bits(false)
        .emptyTable()
        .build(),
    )
    this.#handler = handler
    await this.#call(
      BASIC,
      20,
      new ArgWriter()
        .short(0)
        .shortstr(queue)
        .shortstr('')
        .bits(false, true, true, false)
        .emptyTable()
        .build(),
    )
  }

  close(): void {
    this.#socket.destroy()
  }

  #send(channel: number, classId: number, methodId: number, args: Buffer): void {
    this.#socket.write(methodFrame(channel, classId, methodId, args))
  }

  #call(classId: number, methodId: number, args: Buffer): Promise<Method> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#replies.push({ resolve, reject })
      this.#send(CH, classId, methodId, args)
    })
  }

  async #readFrame(): Promise<{ type: number; channel: number; payload: Buffer }> {
    const head = await this.#socket.read(7)
    const type = head.readUInt8(0)
    const channel = head.readUInt16BE(1)
    const size = head.readUInt32BE(3)
    const rest = Buffer.from(await this.#socket.read(size + 1))
    if (rest[size] !== FRAME_END) throw new Error('malformed AMQP frame')
    return { type, channel, payload: rest.subarray(0, size) }
  }

  async #readMethod(): Promise<Method> {
    for (;;) {
      const f = await this.#readFrame()
      if (f.type === FRAME_METHOD) return toMethod(f.payload)
    }
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const f = await this.#readFrame()
        if (f.type === FRAME_HEARTBEAT) continue
        if (f.type === FRAME_HEADER && this.#delivery) {
          this.#delivery.size = Number(new ArgReader(f.payload.subarray(4)).longlong())
          if (this.#delivery.size === 0) this.#deliver()
          continue
        }
        if (f.type === FRAME_BODY && this.#delivery) {
          this.#delivery.chunks.push(Buffer.from(f.payload))
          this.#delivery.got += f.payload.length
          if (this.#delivery.got >= this.#delivery.size) this.#deliver()
          continue
        }
        if (f.type !== FRAME_METHOD) continue
        const m = toMethod(f.payload)
        if (m.classId === BASIC && (m.methodId === 80 || m.methodId === 120)) this.#settle(m)
        else if (m.classId === BASIC && m.methodId === 60) {
          m.args.shortstr()
          m.args.longlong()
          m.args.octet()
          m.args.shortstr()
          this.#delivery = { routingKey: m.args.shortstr(), size: -1, chunks: [], got: 0 }
        } else if (m.classId === CONNECTION && m.methodId === 50) {
          throw new Error(`RabbitMQ closed the connection: ${closeText(m)}`)
        } else if (m.classId === CHANNEL && m.methodId === 40) {
          throw new Error(`RabbitMQ closed the channel: ${closeText(m)}`)
        } else this.#replies.shift()?.resolve(m)
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error))
      this.#socket.destroy()
      for (const waiter of this.#replies.splice(0)) waiter.reject(this.#failure)
      for (const waiter of this.#confirms.values()) waiter.reject(this.#failure)
      this.#confirms.clear()
    }
  }

  /** Basic.Ack / Basic.Nack for publisher confirms; `multiple` settles every tag up to this one. */
  #settle(m: Method): void {
    const tag = m.args.longlong()
    const multiple = (m.args.octet() & 1) === 1
    const nack = m.methodId === 120
    for (const [pending, waiter] of this.#confirms) {
      if (pending === tag || (multiple && pending < tag)) {
        if (nack) waiter.reject(new Error('RabbitMQ refused the message (nack)'))
        else waiter.resolve()
        this.#confirms.delete(pending)
      }
    }
  }

  #deliver(): void {
    const d = this.#delivery!
    this.#delivery = undefined
    this.#handler?.(d.routingKey, Buffer.concat(d.chunks))
  }
}

function toMethod(payload: Buffer): Method {
  return {
    classId: payload.readUInt16BE(0),
    methodId: payload.readUInt16BE(2),
    args: new ArgReader(payload.subarray(4)),
  }
}

function closeText(m: Method): string {
  try {
    const code = m.args.short()
    return `${code} ${m.args.shortstr()}`
  } catch {
    return 'no reason given'
  }
}
