// A minimal MQTT 3.1.1 client: CONNECT, PUBLISH at QoS 1 resolved by the broker's PUBACK, SUBSCRIBE for tests and tools.
import { randomBytes } from 'node:crypto'
import { BufferedSocket, hostPort } from './buffered-socket.ts'

const CONNECT = 0x10
const CONNACK = 0x20
const PUBLISH = 0x30
const PUBACK = 0x40
const SUBSCRIBE = 0x82
const SUBACK = 0x90
const PINGREQ = 0xc0

export interface MqttAuth {
  username?: string
  password?: string
}

export type MqttHandler = (topic: string, payload: Buffer) => void

function remainingLength(n: number): Buffer {
  const bytes: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    bytes.push(byte)
  } while (n > 0)
  return Buffer.from(bytes)
}

function str(text: string): Buffer {
  const bytes = Buffer.from(text)
  const len = Buffer.alloc(2)
  len.writeUInt16BE(bytes.length)
  return Buffer.concat([len, bytes])
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

function packet(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), remainingLength(body.length), body])
}

const CONNACK_ERRORS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
}

export class MqttConnection {
  readonly #socket: BufferedSocket
  readonly #acks = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  #handler: MqttHandler | undefined
  #nextId = 1
  #failure: Error | undefined

  private constructor(socket: BufferedSocket) {
    this.#socket = socket
  }

  static async connect(address: string, auth: MqttAuth = {}, timeoutMs = 5_000): Promise<MqttConnection> {
    const { host, port } = hostPort(address, 1883)
    const socket = await BufferedSocket.connect(host, port, timeoutMs)
    const clientId = `coffer-${randomBytes(6).toString('hex')}`
    let flags = 0x02 // clean session
    const payload = [str(clientId)]
    if (auth.username !== undefined) {
      flags |= 0x80
      payload.push(str(auth.username))
      if (auth.password !== undefined) {
        flags |= 0x40
        payload.push(str(auth.password))
      }
    }
    // Keep-alive 0: no idle timeout, so an idle sink is never disconnected by the broker.
    const variable = Buffer.concat([str('MQTT'), Buffer.from([4, flags]), u16(0)])
    socket.write(packet(CONNECT, Buffer.concat([variable, ...payload])))
    try {
      const { type, body } = await readPacket(socket)
      if ((type & 0xf0) !== CONNACK) throw new Error('not an MQTT broker')
      const code = body[1] ?? 0
      if (code !== 0) throw new Error(`MQTT broker refused the connection: ${CONNACK_ERRORS[code] ?? code}`)
    } catch (error) {
      socket.destroy()
      throw error
    }
    const connection = new MqttConnection(socket)
    void connection.#readLoop()
    return connection
  }

  /** QoS 1: resolves when the broker acknowledges (PUBACK) that it took responsibility for the message. */
  publish(topic: string, payload: string | Buffer): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure)
    const id = this.#packetId()
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
    return new Promise((resolve, reject) => {
      this.#acks.set(id, { resolve, reject })
      this.#socket.write(packet(PUBLISH | 0x02, Buffer.concat([str(topic), u16(id), bytes])))
    })
  }

  /** Subscribe at QoS 1 (tests, tools); resolves on the broker's SUBACK. */
  subscribe(filter: string, handler: MqttHandler): Promise<void> {
    this.#handler = handler
    const id = this.#packetId()
    return new Promise((resolve, reject) => {
      this.#acks.set(id, { resolve, reject })
      this.#socket.write(packet(SUBSCRIBE, Buffer.concat([u16(id), str(filter), Buffer.from([1])])))
    })
  }

  ping(): void {
    this.#socket.write(Buffer.from([PINGREQ, 0]))
  }

  close(): void {
    this.#socket.write(Buffer.from([0xe0, 0]))
    this.#socket.destroy()
  }

  #packetId(): number {
    const id = this.#nextId
    this.#nextId = (this.#nextId % 65535) + 1
    return id
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const { type, body } = await readPacket(this.#socket)
        const kind = type & 0xf0
        if (kind === PUBACK || kind === SUBACK) {
          const id = body.readUInt16BE(0)
          this.#acks.get(id)?.resolve()
          this.#acks.delete(id)
        } else if (kind === PUBLISH) {
          const qos = (type >> 1) & 0x03
          const topicLength = body.readUInt16BE(0)
          const topic = body.subarray(2, 2 + topicLength).toString('utf8')
          let at = 2 + topicLength
          if (qos > 0) {
            const id = body.readUInt16BE(at)
            at += 2
            this.#socket.write(packet(PUBACK, u16(id)))
          }
          this.#handler?.(topic, body.subarray(at))
        }
        // PINGRESP and the rest need nothing.
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error))
      this.#socket.destroy()
      for (const waiter of this.#acks.values()) waiter.reject(this.#failure)
      this.#acks.clear()
    }
  }
}

async function readPacket(socket: BufferedSocket): Promise<{ type: number; body: Buffer }> {
  const type = (await socket.read(1))[0] as number
  let length = 0
  let multiplier = 1
  for (let i = 0; i < 4; i++) {
    const byte = (await socket.read(1))[0] as number
    length += (byte & 0x7f) * multiplier
    multiplier *= 128
    if ((byte & 0x80) === 0) break
  }
  return { type, body: Buffer.from(await socket.read(length)) }
}
