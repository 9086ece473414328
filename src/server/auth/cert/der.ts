// A minimal DER reader for the X.509 parts node:crypto does not expose (names, SANs, key IDs, extensions); no crypto here.

/** One tag-length-value element: `start`/`end` bound its contents within the buffer. */
export interface Tlv {
  tag: number
  start: number
  end: number
}

export class DerError extends Error {}

/** The element at `offset`; only definite lengths, as DER requires. */
export function readTlv(buf: Buffer, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated element')
  const tag = buf[offset]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in certificates')
  let length = buf[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const bytes = length & 0x7f
    if (bytes === 0 || bytes > 4) throw new DerError('unsupported length encoding')
    if (start + bytes > limit) throw new DerError('truncated length')
    length = 0
    for (let i = 0; i < bytes; i++) length = length * 256 + buf[start + i]!
    start += bytes
  }
  const end = start + length
  if (end > limit) throw new DerError('element runs past its container')
  return { tag, start, end }
}

/** The elements inside a constructed element. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  let at = parent.start
  while (at < parent.end) {
    const child = readTlv(buf, at, parent.end)
    out.push(child)
    at = child.end
  }
  return out
}

export function contents(buf: Buffer, tlv: Tlv): Buffer {
  return buf.subarray(tlv.start, tlv.end)
}

/** Dotted OID text; arcs are BigInt-safe so 2.25.<uuid> OIDs read correctly. */
export function decodeOid(bytes: Buffer): string {
  const arcs: bigint[] = []
  let value = 0n
  for (const byte of bytes) {
    value = (value << 7n) | BigInt(byte & 0x7f)
    if ((byte & 0x80) === 0) {
      arcs.push(value)
      value = 0n
    }
  }
  if (arcs.length === 0) throw new DerError('empty object identifier')
  const first = arcs[0]!
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n]
  return [...head, ...arcs.slice(1)].join('.')
}

const UTF8 = 0x0c
const NUMERIC = 0x12
const PRINTABLE = 0x13
const T61 = 0x14
const IA5 = 0x16
const VISIBLE = 0x1a
const GENERAL = 0x1b
const BMP = 0x1e

/** The text of an ASN.1 string element, or undefined when the element is not a string type. */
export function decodeString(buf: Buffer, tlv: Tlv): string | undefined {
  const bytes = contents(buf, tlv)
  switch (tlv.tag) {
    case UTF8:
      return bytes.toString('utf8')
    case NUMERIC:
    case PRINTABLE:
    case IA5:
    case VISIBLE:
    case GENERAL:
    case T61:
      return bytes.toString('latin1')
    case BMP: {
      const swapped = Buffer.from(bytes)
      if (swapped.length % 2 === 0) swapped.swap16()
      return swapped.toString('utf16le')
    }
    default:
      return undefined
  }
}
