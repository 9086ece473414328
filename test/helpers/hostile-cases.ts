// Seeded hostile requests built from the server's own OpenAPI document (and the AWS actions), and a raw sender that reads the whole answer.
import { connect } from 'node:net'

/** A small seeded PRNG (mulberry32): the same seed gives the same cases on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Random = () => number

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

/** One operation of the OpenAPI document: its path template, verb and declared body fields with their types. */
export interface Operation {
  template: string
  method: string
  fields: Array<{ name: string; type: string }>
}

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>
  components?: { schemas?: Record<string, { properties?: Record<string, { type?: string }> }> }
}

/** Every operation the document declares, with the fields of its request schema. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = []
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'delete', 'patch', 'put']) {
      const op = item[method] as {
        requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> }
      }
      if (!op) continue
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref ?? ''
      const schema = doc.components?.schemas?.[ref.split('/').pop() ?? '']
      const fields = Object.entries(schema?.properties ?? {}).map(([name, p]) => ({
        name,
        type: p.type ?? 'string',
      }))
      out.push({ template, method: method.toUpperCase(), fields })
    }
  }
  return out
}

/** Path segments a client can put where a name goes. */
export const HOSTILE_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e%2F%2e%2e',
  '%2F',
  '%00',
  'a%00b',
  '%ff',
  '%c3%28',
  '%ed%a0%80',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'a'.repeat(5000),
  '*',
  '+',
  ':x',
  '{x}',
  '"',
  "'",
  '%25',
  '%',
  'a/../b',
  'a//b',
  '',
  ' ',
  '%20',
  '~',
  '\u00e9',
]

const DURATIONS = [
  '1e9h',
  '-5s',
  '99999999999999999999s',
  'PT1H',
  '1h30m',
  '0',
  '-1',
  '1.5',
  '1e400',
  '0x10',
  'NaN',
  'Infinity',
  '9007199254740993',
  '18446744073709551616',
  '5m5m',
  'h',
  '',
  ' 1h',
]

const NUMBERS = [1e308, -1e308, 2 ** 64, 2 ** 63, -(2 ** 63), -1, 1.5, -0, 0, 2 ** 53 + 2, 4294967296, 1e21]

/** A raw JSON text for a value JSON.stringify cannot make (1e309 overflows to Infinity when parsed). */
export class RawJson {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

function deep(depth: number, kind: 'object' | 'array'): RawJson {
  return kind === 'object'
    ? new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)
    : new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)
}

/** A hostile value for a field declared as `type`. */
export function hostileValue(random: Random, type: string): unknown {
  const r = random()
  if (r < 0.12) return pick(random, [null, true, false, [], {}, [null], [[]], [{}]])
  if (r < 0.22) return pick(random, NUMBERS)
  if (r < 0.27)
    return new RawJson(pick(random, ['1e309', '-1e309', '123456789012345678901234567890', '1E400']))
  if (r < 0.4) return pick(random, DURATIONS)
  if (r < 0.45) return 'x'.repeat(100_000)
  if (r < 0.52)
    return pick(random, ['a\u0000b', '\ud800', '\udfff', 'a\ud800b', '\u202e', '\uffff', '\u0000'])
  if (r < 0.58) return pick(random, ['__proto__', 'constructor', 'prototype', 'toString', '../..', '%2e%2e'])
  if (r < 0.63) return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }
  if (r < 0.67) return deep(pick(random, [200, 10_000]), pick(random, ['object', 'array'] as const))
  if (r < 0.72) return pick(random, [['a', 1, null], [0, {}], ['\u0000'], 'a,b,,c', ','])
  if (r < 0.76) return { a: { b: [1, { c: null }] }, '': 1, ['x'.repeat(300)]: 'y' }
  if (r < 0.8) return pick(random, ['10.0.0.0/33', '::/129', '1.2.3.4/-1', 'not-a-cidr'])
  if (r < 0.84) return pick(random, ['true', 'false', 'yes', '1', '0', 'TRUE', ''])
  if (r < 0.88)
    return pick(random, ['-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----', 'AAAA', '!!!!'])
  if (r < 0.92) return pick(random, ['path "*" { capabilities = ["sudo"] }', '{', 'path "a" {', 'abc ='])
  if (type === 'integer' || type === 'number') return pick(random, ['12', '1h', 'abc', '1e3', ' 7 '])
  if (type === 'boolean') return pick(random, ['maybe', 2, 'on'])
  if (type === 'array') return pick(random, ['a', 'a,b', { 0: 'a' }, [[1]]])
  if (type === 'object') return pick(random, ['a=b', '{"a":1}', ['a'], 3])
  return pick(random, [5, ['x'], { x: 1 }])
}

/** A plausible value, so that one hostile field meets an otherwise accepted body. */
export function plainValue(random: Random, type: string): unknown {
  switch (type) {
    case 'integer':
    case 'number':
      return pick(random, [1, 3, 60])
    case 'boolean':
      return random() < 0.5
    case 'array':
      return pick(random, [['default'], ['a', 'b'], []])
    case 'object':
      return pick(random, [{ a: 'b' }, {}])
    default:
      return pick(random, ['fz', 'default', '1h', 'aes256-gcm96', 'dGVzdA=='])
  }
}

/** JSON text for `value`, splicing RawJson pieces and keeping `__proto__` as an own key. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const parts = Reflect.ownKeys(value)
      .filter((k): k is string => typeof k === 'string')
      .map((k) => `${JSON.stringify(k)}:${toJson((value as Record<string, unknown>)[k])}`)
    return `{${parts.join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** An object with `key` as an own property, `__proto__` included. */
export function own(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  return out
}

export interface HostileRequest {
  method: string
  /** Absolute request target, e.g. /v1/secret/data/x?list=true */
  target: string
  headers: Record<string, string>
  body?: Buffer
  /** The Content-Length to declare when it must not match the body. */
  contentLength?: number
  /** Whether the server may close without an answer (a body shorter than its declared length). */
  mayDropConnection?: boolean
}

export interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
  /** True when no answer came within the deadline. */
  stalled: boolean
}

/** Send one request on its own socket, half-closing after it, and read the answer until the server closes. */
export function sendRaw(address: string, request: HostileRequest, deadlineMs = 30_000): Promise<RawAnswer> {
  const url = new URL(address)
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname)
    const body = request.body ?? Buffer.alloc(0)
    const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close']
    for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`)
    lines.push(`Content-Length: ${request.contentLength ?? body.length}`)
    const chunks: Buffer[] = []
    let stalled = false
    socket.setTimeout(deadlineMs, () => {
      stalled = true
      socket.destroy()
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => resolve({ ...parseAnswer(Buffer.concat(chunks)), stalled }))
    socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]))
  })
}

function parseAnswer(raw: Buffer): Omit<RawAnswer, 'stalled'> {
  const split = raw.indexOf('\r\n\r\n')
  if (split === -1) return { status: 0, headers: {}, body: raw.toString('latin1') }
  const head = raw.subarray(0, split).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0)
  const headers: Record<string, string> = {}
  for (const line of head.slice(1)) {
    const at = line.indexOf(':')
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
  }
  let body = raw.subarray(split + 4)
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body)
  return { status, headers, body: body.toString('utf8') }
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = []
  let at = 0
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) break
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16)
    if (!(size > 0)) break
    out.push(data.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(out)
}
