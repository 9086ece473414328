// Reading a LIST request off a socket: framing, limits, and work linear in the body size.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it, mock } from 'node:test'
import { parseRawListRequest, type RawListOutcome } from './list-verb.ts'

const LIMITS = { maxBody: 64 * 1024 * 1024, maxHeaderSize: 16 * 1024, requestTimeoutMs: 90_000 }

/** Hands `chunks` to the parser one per macrotask, as a socket would, and returns what it made of them. */
async function feed(chunks: Buffer[], limits = LIMITS, end = false): Promise<RawListOutcome> {
  const socket = new EventEmitter()
  const [first, ...rest] = chunks
  const outcome = parseRawListRequest(socket, first!, limits)
  for (const chunk of rest) {
    await new Promise((resolve) => setImmediate(resolve))
    socket.emit('data', chunk)
  }
  if (end) socket.emit('end')
  return outcome
}

const head = (extra = '') =>
  `LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: h\r\nX-Vault-Token: t\r\n${extra}\r\n`

function split(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

describe('parseRawListRequest', () => {
  it('reads a head delivered one byte at a time', async () => {
    const outcome = await feed(split(Buffer.from(head()), 1))
    assert.equal(outcome.kind, 'request')
    assert.equal(outcome.kind === 'request' && outcome.request.url, '/v1/secret/metadata/')
    assert.equal(outcome.kind === 'request' && outcome.request.headers['x-vault-token'], 't')
  })

  it('reads a 33 MB body in 64 KiB chunks exactly, copying each byte a bounded number of times', async () => {
    const size = 33 * 1024 * 1024
    const body = Buffer.alloc(size)
    for (let i = 0; i < size; i += 4096) body.writeUInt32BE(i, i)
    const request = Buffer.concat([
      Buffer.from(head(`Content-Length: ${size}\r\n`)),
      body,
      Buffer.from('LIST next'),
    ])
    const chunks = split(request, 64 * 1024)
    let copied = 0
    const concat = Buffer.concat
    const spy = mock.method(Buffer, 'concat', (list: readonly Uint8Array[], total?: number) => {
      const joined = concat(list, total)
      copied += joined.length
      return joined
    })
    let outcome: RawListOutcome
    try {
      outcome = await feed(chunks)
    } finally {
      spy.mock.restore()
    }
    // A join per chunk (the old reader) copies about size * chunks / 2 bytes; one final join copies size.
    assert.ok(copied <= 2 * request.length, `copied ${copied} bytes for a ${request.length}-byte request`)
    assert.equal(outcome.kind, 'request')
    assert.ok(outcome.kind === 'request' && outcome.request.body.equals(body), 'the body is intact')
  })

  it('refuses a body over the limit before reading it, and headers that never end', async () => {
    const big = await feed([Buffer.from(head('Content-Length: 1025\r\n'))], { ...LIMITS, maxBody: 1024 })
    assert.deepEqual(big, {
      kind: 'refused',
      status: 413,
      message: 'request body exceeds the limit of 1024 bytes',
    })
    const endless = await feed([
      Buffer.from('LIST /v1/x HTTP/1.1\r\nHost: h\r\n'),
      ...split(Buffer.alloc(70_000, 'X: y\r\n'), 1000),
    ])
    assert.deepEqual(endless, { kind: 'refused', status: 431, message: 'request headers too large' })
    const endlessTarget = await feed([Buffer.from('LIST /'), ...split(Buffer.alloc(70_000, 'a'), 1000)])
    assert.deepEqual(endlessTarget, { kind: 'refused', status: 414, message: 'request URI too long' })
  })

  it('refuses a malformed head, and a request cut short by the client', async () => {
    const malformed = await feed([Buffer.from(head('Content-Length: 0x10\r\n'))])
    assert.deepEqual(malformed, { kind: 'refused', status: 400, message: 'malformed HTTP request' })
    const cut = await feed([Buffer.from(head('Content-Length: 10\r\n')), Buffer.from('12345')], LIMITS, true)
    assert.deepEqual(cut, { kind: 'refused', status: 400, message: 'malformed HTTP request' })
  })

  it('invites a body asked for with Expect: 100-continue once, and only while it is still to come', async () => {
    let invited = 0
    const limits = { ...LIMITS, sendContinue: () => invited++ }
    const asking = head('Expect: 100-continue\r\nContent-Length: 2\r\n')
    const outcome = await feed([Buffer.from(asking), Buffer.from('{'), Buffer.from('}')], limits)
    assert.equal(outcome.kind, 'request')
    assert.equal(invited, 1)
    await feed([Buffer.from(`${asking}{}`)], limits)
    assert.equal(invited, 1, 'the body came with the head')
  })

  it('refuses with 408 a head that has not ended within the head timeout', async () => {
    const socket = new EventEmitter()
    const outcome = parseRawListRequest(socket, Buffer.from('LIST /v1/x HTTP/1.1\r\nHost: h\r\n'), {
      ...LIMITS,
      headTimeoutMs: 20,
    })
    assert.deepEqual(await outcome, { kind: 'refused', status: 408, message: 'request timed out' })
  })
})
