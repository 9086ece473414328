// Format validators: checksums, decodable base64 and structured headers that a regex cannot check.
import { crc32 } from 'node:zlib'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** CRC32 of `body` in base62, left-padded with zeros to six characters (GitHub's and npm's token checksum). */
export function base62Crc32(body: string): string {
  let n = crc32(body)
  let out = ''
  while (n > 0) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out.padStart(6, '0')
}

/** `<prefix><30 random><6 checksum>`: the checksum must be the CRC32 of the 30 random characters. */
export function prefixedCrc32Valid(token: string, prefixLength: number): boolean {
  const body = token.slice(prefixLength, prefixLength + 30)
  const sum = token.slice(prefixLength + 30)
  return body.length === 30 && sum.length === 6 && base62Crc32(body) === sum
}

/** Decode standard or URL-safe base64 strictly; undefined when the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const clean = text.replace(/\\n|\s/g, '')
  if (clean.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) return undefined
  const normal = clean.replace(/-/g, '+').replace(/_/g, '/')
  const padded = normal.length % 4 === 0 ? normal : normal + '='.repeat((4 - (normal.length % 4)) % 4)
  if (padded.length % 4 !== 0) return undefined
  return Buffer.from(padded, 'base64')
}

/** Base64 that decodes to exactly `bytes` bytes (e.g. an Azure storage account key is 64 bytes). */
export function base64OfLength(text: string, bytes: number): boolean {
  return decodeBase64(text)?.length === bytes
}

/** A JWT whose header decodes to JSON naming a signing algorithm (alg "none" carries no signature). */
export function validJwt(token: string): boolean {
  const parts = token.split('.')
  if (parts.length !== 3) return false
  try {
    const header = JSON.parse(decodeBase64(parts[0]!)?.toString('utf8') ?? '') as { alg?: unknown }
    const payload = JSON.parse(decodeBase64(parts[1]!)?.toString('utf8') ?? '') as unknown
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') return false
    if (typeof payload !== 'object' || payload === null) return false
    return (decodeBase64(parts[2]!)?.length ?? 0) >= 16
  } catch {
    return false
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/

/** The base64 body of a PEM block (armor headers such as Proc-Type and DEK-Info removed), decoded. */
function pemBody(block: string): Buffer | undefined {
  const match = PEM_BLOCK.exec(block.replace(/\\n/g, '\n').replace(/\\r/g, ''))
  if (!match) return undefined
  const lines = match[2]!.split('\n').map((l) => l.trim())
  const body = lines.filter((l) => l !== '' && !l.includes(':') && !/^=[A-Za-z0-9+/]{4}$/.test(l))
  return decodeBase64(body.join(''))
}

/** A private key block with enough decoded bytes to be a key rather than a truncated snippet. */
export function validPemKey(block: string): boolean {
  const body = pemBody(block)
  if (!body || body.length < 32) return false
  if (block.includes('OPENSSH PRIVATE KEY'))
    return body.subarray(0, 15).toString('latin1') === 'openssh-key-v1\0'
  if (block.includes('PGP PRIVATE KEY BLOCK')) {
    // Packet tag 5 (secret key) in the old (0x94-0x97) or new (0xc5) header format.
    const tag = body[0]!
    return tag === 0xc5 || (tag & 0xfc) === 0x94
  }
  // DER: a SEQUENCE (0x30) for PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8; legacy encrypted PEM is ciphertext.
  return body[0] === 0x30 || /Proc-Type:\s*4,ENCRYPTED/.test(block)
}
