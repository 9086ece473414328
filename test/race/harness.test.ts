// The race harness itself: burst puts N requests on N sockets at once and parses every kind of answer.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { burst, parseResponse, type RaceServer, startRaceServer } from '../helpers/race.ts'

describe('burst against a local HTTP server', () => {
  const N = 12
  let server: http.Server
  let address = ''
  let sockets = new Set<Socket>()
  // Every request is held until N have arrived: only a burst with all N in flight at once can finish.
  let held: (() => void)[] = []
  let seen: { socket: Socket; method: string; url: string; body: string; token: string | undefined }[] = []

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        seen.push({
          socket: req.socket,
          method: req.method!,
          url: req.url!,
          body,
          token: req.headers['x-vault-token'] as string | undefined,
        })
        const answer = () => {
          const n = Number(new URL(req.url!, 'http://x').searchParams.get('n'))
          if (n % 3 === 0) {
            // No Content-Length: Node answers chunked, in two pieces here.
            res.writeHead(200, { 'content-type': 'application/json' })
            res.write(`{"n":${n},`)
            res.end(`"echo":${JSON.stringify(body)}}`)
          } else if (n % 3 === 1) {
            const text = JSON.stringify({ n, echo: body })
            res.writeHead(201, {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(text),
            })
            res.end(text)
          } else {
            res.writeHead(204)
            res.end()
          }
        }
        held.push(answer)
        if (held.length === N) for (const release of held) release()
      })
    })
    server.on('connection', (socket) => sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('sends N requests on N sockets, all in flight together, and returns the answers in order', async () => {
    sockets = new Set()
    held = []
    seen = []
    const requests = Array.from({ length: N }, (_, n) => ({
      method: n % 2 ? 'PUT' : 'GET',
      path: `sys/echo?n=${n}`,
      ...(n % 2 ? { body: { n, text: 'héllo' } } : {}),
      ...(n === 5 ? { token: 'other' } : {}),
    }))
    const replies = await burst(address, requests, 'default-token')

    assert.equal(replies.length, N)
    assert.equal(sockets.size, N, 'one connection per request')
    assert.equal(new Set(seen.map((s) => s.socket)).size, N, 'each request on its own socket')
    replies.forEach((reply, n) => {
      const sent = requests[n]!
      const body = sent.body === undefined ? '' : JSON.stringify(sent.body)
      if (n % 3 === 0) {
        assert.equal(reply.status, 200)
        assert.equal(reply.headers['transfer-encoding'], 'chunked')
        assert.deepEqual(reply.body, { n, echo: body })
      } else if (n % 3 === 1) {
        assert.equal(reply.status, 201)
        assert.deepEqual(reply.body, { n, echo: body })
      } else {
        assert.equal(reply.status, 204)
        assert.equal(reply.body, undefined)
      }
    })
    const byN = new Map(seen.map((s) => [Number(new URL(s.url, 'http://x').searchParams.get('n')), s]))
    for (const [n, sent] of requests.entries()) {
      const got = byN.get(n)!
      assert.equal(got.method, sent.method)
      assert.equal(got.url, `/v1/sys/echo?n=${n}`)
      assert.equal(got.token, n === 5 ? 'other' : 'default-token')
    }
  })
})

describe('parseResponse', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1')

  it('waits for the whole body (Content-Length) and parses JSON', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n'
    assert.equal(parseResponse(bytes(`${head}{"a":`), false), undefined)
    assert.deepEqual(parseResponse(bytes(`${head}{"a":12}`), false), {
      status: 200,
      headers: { 'content-length': '8' },
      body: { a: 12 },
    })
  })

  it('joins chunks (with extensions and trailers) and waits for the last one', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
    const partial = `${head}4\r\n{"a"\r\n`
    assert.equal(parseResponse(bytes(partial), false), undefined)
    assert.equal(parseResponse(bytes(`${partial}3;ext=1\r\n:1}\r\n0\r\n`), false), undefined)
    assert.deepEqual(parseResponse(bytes(`${partial}3;ext=1\r\n:1}\r\n0\r\n\r\n`), false)?.body, { a: 1 })
    assert.deepEqual(parseResponse(bytes(`${partial}3\r\n:1}\r\n0\r\nX-T: 1\r\n\r\n`), false)?.body, { a: 1 })
  })

  it('reads a body without length until the connection closes, and keeps non-JSON text', () => {
    const text = 'HTTP/1.1 400 Bad Request\r\n\r\nnot json'
    assert.equal(parseResponse(bytes(text), false), undefined)
    assert.equal(parseResponse(bytes(text), true)?.body, 'not json')
  })

  it('refuses bytes that are not an HTTP response', () => {
    assert.throws(() => parseResponse(bytes('SSH-2.0-x\r\n\r\n'), true), /not an HTTP response/)
  })
})

describe('startRaceServer', () => {
  let race: RaceServer
  before(async () => {
    race = await startRaceServer()
  })
  after(() => race?.close())

  it('runs a dev server process on SQLite in its own temp dir, with a working root token', async () => {
    assert.ok(existsSync(`${race.dataDir}/coffer.db`))
    assert.notEqual(race.process.child.pid, process.pid)
    const [health, self] = await race.burst([
      { method: 'GET', path: 'sys/health' },
      { method: 'GET', path: 'auth/token/lookup-self' },
    ])
    assert.equal(health!.status, 200)
    assert.equal(health!.body.sealed, false)
    assert.equal(self!.status, 200)
    assert.deepEqual(self!.body.data.policies, ['root'])
  })

  it('answers a burst of writes and reads on the real server', async () => {
    const N = 16
    const writes = await race.burst(
      Array.from({ length: N }, (_, i) => ({
        method: 'POST',
        path: `secret/data/k${i}`,
        body: { data: { i } },
      })),
    )
    assert.deepEqual(
      writes.map((w) => w.status),
      Array(N).fill(200),
    )
    const reads = await race.burst(
      Array.from({ length: N }, (_, i) => ({ method: 'GET', path: `secret/data/k${i}` })),
    )
    assert.deepEqual(
      reads.map((r) => r.body.data.data.i),
      Array.from({ length: N }, (_, i) => i),
    )
  })

  it('removes its data directory on close', async () => {
    const other = await startRaceServer()
    await other.close()
    assert.equal(existsSync(other.dataDir), false)
  })
})
