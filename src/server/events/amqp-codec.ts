// AMQP 0-9-1 wire encoding: frames, method arguments (short strings, long strings, tables, bits) and a reader for them.

export const FRAME_METHOD = 1
export const FRAME_HEADER = 2
export const FRAME_BODY = 3
export const FRAME_HEARTBEAT = 8
export const FRAME_END = 0xce
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])

/** Builds a method's arguments in order. */
export class ArgWriter {
  readonly #parts: Buffer[] = []

  octet(n: number): this {
    this.#parts.push(Buffer.from([n]))
    return this
  }

  short(n: number): this {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(n)
    this.#parts.push(b)
    return this
  }

  long(n: number): this {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(n)
    this.#parts.push(b)
    return this
  }

  longlong(n: bigint): this {
    const b = Buffer.alloc(8)
    b.writeBigUInt64BE(n)
    this.#parts.push(b)
    return this
  }

  shortstr(text: string): this {
    const bytes = Buffer.from(text)
    if (bytes.length > 255) throw new Error('AMQP short string longer than 255 bytes')
    return this.octet(bytes.length).raw(bytes)
  }

  longstr(bytes: Buffer | string): this {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
    return this.long(b.length).raw(b)
  }

  /** Consecutive bit arguments share one octet, lowest bit first. */
  bits(...flags: boolean[]): this {
    let n = 0
    flags.forEach((flag, i) => {
      if (flag) n |= 1 << i
    })
    return this.octet(n)
  }

  emptyTable(): this {
    return this.long(0)
  }

  raw(bytes: Buffer): this {
    this.#parts.push(bytes)
    return this
  }

  build(): Buffer {
    return Buffer.concat(this.#parts)
  }
}

/** Reads a method's arguments in order. */
export class ArgReader {
  #at = 0
  readonly buf: Buffer
  constructor(buf: Buffer) {
    this.buf = buf
  }

  octet(): number {
    return this.buf.readUInt8(this.#at++)
  }

  short(): number {
    const n = this.buf.readUInt16BE(this.#at)
    this.#at += 2
    return n
  }

  long(): number {
    const n = this.buf.readUInt32BE(this.#at)
    this.#at += 4
    return n
  }

  longlong(): bigint {
    const n = this.buf.readBigUInt64BE(this.#at)
    this.#at += 8
    return n
  }

  shortstr(): string {
    const length = this.octet()
    const text = this.buf.subarray(this.#at, this.#at + length).toString('utf8')
    this.#at += length
    return text
  }

  longstr(): Buffer {
    const length = this.long()
    const bytes = this.buf.subarray(this.#at, this.#at + length)
    this.#at += length
    return bytes
  }

  /** Tables are length-prefixed: skipped whole (nothing here needs the server's properties). */
  skipTable(): void {
    this.#at += this.long()
  }
}

export function frame(type: number, channel: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(7)
  head.writeUInt8(type, 0)
  head.writeUInt16BE(channel, 1)
  head.writeUInt32BE(payload.length, 3)
  return Buffer.concat([head, payload, Buffer.from([FRAME_END])])
}

export function methodFrame(channel: number, classId: number, methodId: number, args: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt16BE(classId, 0)
  head.writeUInt16BE(methodId, 2)
  return frame(FRAME_METHOD, channel, Buffer.concat([head, args]))
}

/** Content header for basic: content-type, delivery-mode, message-id and type properties. */
export function basicHeader(
  channel: number,
  bodySize: number,
  props: { contentType: string; persistent: boolean; messageId: string; type: string },
): Buffer {
  const flags = (1 << 15) | (1 << 12) | (1 << 7) | (1 << 5)
  const args = new ArgWriter()
    .short(60)
    .short(0)
    .longlong(BigInt(bodySize))
    .short(flags)
    .shortstr(props.contentType)
    .octet(props.persistent ? 2 : 1)
    .shortstr(props.messageId)
    .shortstr(props.type)
    .build()
  return frame(FRAME_HEADER, channel, args)
}
