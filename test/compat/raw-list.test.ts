// The LIST verb over a raw TCP socket: alone, after a GET on a keep-alive connection, and split across TCP writes.
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, test } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Reads HTTP/1.1 responses off one socket, one at a time (Content-Length, chunked, or close-delimited). */
class RawConnection {
  readonly socket: Socket
  #buffer = Buffer.alloc(0)
  #ended = false
  #wake: (() => void) | undefined

  private constructor(socket: Socket) {
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#wake?.()
    })
    socket.on('end', () => {
      this.#ended = true
      this.#wake?.()
    })
    socket.on('close', () => {
      this.#ended = true
      this.#wake?.()
    })
  }

  static open(address: string): Promise<RawConnection> {
    const url = new URL(address)
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () =>
        resolve(new RawConnection(socket)),
      )
      socket.once('error', reject)
    })
  }

  get ended(): boolean {
    return this.#ended
  }

  /** Write bytes and resolve once they have been handed to the kernel. */
  write(data: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (error) => (error ? reject(error) : resolve())),
    )
  }

  async #more(): Promise<void> {
    if (this.#ended)
      throw new Error(`connection closed; had ${JSON.stringify(this.#buffer.toString('latin1'))}`)
    await new Promise<void>((resolve) => {
      this.#wake = resolve
    })
    this.#wake = undefined
  }

  async response(): Promise<RawResponse> {
    let headerEnd = this.#buffer.indexOf('\r\n\r\n')
    while (headerEnd === -1) {
      await this.#more()
      headerEnd = this.#buffer.indexOf('\r\n\r\n')
    }
    const [statusLine, ...lines] = this.#buffer.subarray(0, headerEnd).toString('latin1').split('\r\n')
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')
    assert.ok(status, `status line: ${statusLine}`)
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    let rest = headerEnd + 4
    let body: Buffer
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length'])
      while (this.#buffer.length < rest + length) await this.#more()
      body = this.#buffer.subarray(rest, rest + length)
      rest += length
    } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = []
      for (;;) {
        let lineEnd = this.#buffer.indexOf('\r\n', rest)
        while (lineEnd === -1) {
          await this.#more()
          lineEnd = this.#buffer.indexOf('\r\n', rest)
        }
        const size = Number.parseInt(this.#buffer.subarray(rest, lineEnd).toString('latin1'), 16)
        while (this.#buffer.length < lineEnd + 2 + size + 2) await this.#more()
        parts.push(this.#buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
        rest = lineEnd + 2 + size + 2
        if (size === 0) break
      }
      body = Buffer.concat(parts)
    } else {
      while (!this.#ended) await this.#more().catch(() => undefined)
      body = this.#buffer.subarray(rest)
      rest = this.#buffer.length
    }
    this.#buffer = this.#buffer.subarray(rest)
    return { status: Number(status[1]), headers, body: body.toString('utf8') }
  }

  close(): void {
    this.socket.destroy()
  }
}

/** Let the event loop run a few full turns so the server (in this process) reads what was just written. */
async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

let server: TestServer
let host = ''

before(async () => {
  server = await startDevServer()
  host = new URL(server.address).host
  for (const path of ['app/config', 'app/db', 'team/x', 'top']) {
    const reply = await server.call('POST', `secret/data/${path}`, { body: { data: { k: path } } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
  }
})

after(async () => {
  await server.close()
})

function listRequest(path: string, extraHeaders: string[] = []): string {
  return [
    `LIST ${path} HTTP/1.1`,
    `Host: ${host}`,
    `X-Vault-Token: ${server.rootToken}`,
    ...extraHeaders,
    '',
    '',
  ].join('\r\n')
}

function assertKeys(response: RawResponse, keys: string[]): void {
  assert.equal(response.status, 200, response.body)
  assert.match(response.headers['content-type'] ?? '', /^application\/json/)
  const body = JSON.parse(response.body)
  assert.deepEqual(body.data, { keys })
  assert.equal(typeof body.request_id, 'string')
  assert.equal(body.auth, null)
}

test('LIST /v1/secret/metadata/ on a fresh connection returns the keys', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    await conn.write(listRequest('/v1/secret/metadata/'))
    assertKeys(await conn.response(), ['app/', 'team/', 'top'])
  } finally {
    conn.close()
  }
})

test('LIST without a trailing slash, and with Authorization: Bearer', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    const request = [
      `LIST /v1/secret/metadata/app HTTP/1.1`,
      `Host: ${host}`,
      `Authorization: Bearer ${server.rootToken}`,
    ]
    await conn.write([...request, '', ''].join('\r\n'))
    assertKeys(await conn.response(), ['config', 'db'])
  } finally {
    conn.close()
  }
})

test('LIST without a token is 403, and an empty LIST is 404', async () => {
  const anonymous = await RawConnection.open(server.address)
  try {
    await anonymous.write(`LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    const denied = await anonymous.response()
    assert.equal(denied.status, 403)
    assert.deepEqual(JSON.parse(denied.body), { errors: ['permission denied'] })
  } finally {
    anonymous.close()
  }
  const empty = await RawConnection.open(server.address)
  try {
    await empty.write(listRequest('/v1/secret/metadata/nothing/'))
    const missing = await empty.response()
    assert.equal(missing.status, 404)
    assert.deepEqual(JSON.parse(missing.body), { errors: [] })
  } finally {
    empty.close()
  }
})

test('LIST after a GET on the same keep-alive connection', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    await conn.write(
      [
        `GET /v1/secret/data/top HTTP/1.1`,
        `Host: ${host}`,
        `X-Vault-Token: ${server.rootToken}`,
        'Connection: keep-alive',
        '',
        '',
      ].join('\r\n'),
    )
    const read = await conn.response()
    assert.equal(read.status, 200, read.body)
    assert.deepEqual(JSON.parse(read.body).data.data, { k: 'top' })
    assert.equal(conn.ended, false, 'the server kept the connection open after the GET')

    await conn.write(listRequest('/v1/secret/metadata/', ['Connection: keep-alive']))
    assertKeys(await conn.response(), ['app/', 'team/', 'top'])
  } finally {
    conn.close()
  }
})

test('a LIST response leaves the connection usable, or says Connection: close', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    const get = [
      `GET /v1/secret/data/app/db HTTP/1.1`,
      `Host: ${host}`,
      `X-Vault-Token: ${server.rootToken}`,
      '',
      '',
    ].join('\r\n')
    await conn.write(get)
    assert.equal((await conn.response()).status, 200)
    await conn.write(listRequest('/v1/secret/metadata/app/'))
    const listed = await conn.response()
    assertKeys(listed, ['config', 'db'])
    // Vault (Go net/http) keeps the connection for the next request. Closing it is also valid HTTP/1.1 as long
    // as the response says so, so clients know to reconnect rather than see a reset.
    if (listed.headers['connection']?.toLowerCase() === 'close') return
    await conn.write(listRequest('/v1/secret/metadata/'))
    assertKeys(await conn.response(), ['app/', 'team/', 'top'])
    await conn.write(get)
    assert.equal((await conn.response()).status, 200)
  } finally {
    conn.close()
  }
})

test('a GET and a LIST pipelined in one TCP write both get answers, in order', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    const get = [
      `GET /v1/secret/data/top HTTP/1.1`,
      `Host: ${host}`,
      `X-Vault-Token: ${server.rootToken}`,
      '',
      '',
    ].join('\r\n')
    await conn.write(get + listRequest('/v1/secret/metadata/'))
    const read = await conn.response()
    assert.equal(read.status, 200, read.body)
    assert.deepEqual(JSON.parse(read.body).data.data, { k: 'top' })
    assertKeys(await conn.response(), ['app/', 'team/', 'top'])
  } finally {
    conn.close()
  }
})

test('LIST whose headers arrive in two TCP writes', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    const request = listRequest('/v1/secret/metadata/app/')
    const cut = request.indexOf('X-Vault-Token:') + 5
    await conn.write(request.slice(0, cut))
    await turns()
    assert.equal(conn.ended, false, 'the server waits for the rest of the headers')
    await conn.write(request.slice(cut))
    assertKeys(await conn.response(), ['config', 'db'])
  } finally {
    conn.close()
  }
})

test('LIST whose request line is split inside the method', async () => {
  // Unusual on a real network, but valid TCP: Vault reads until the header is complete, whatever the segmentation.
  const conn = await RawConnection.open(server.address)
  try {
    const request = listRequest('/v1/secret/metadata/')
    await conn.write(request.slice(0, 3))
    await turns()
    await conn.write(request.slice(3))
    assertKeys(await conn.response(), ['app/', 'team/', 'top'])
  } finally {
    conn.close()
  }
})

test('LIST with a Content-Length body still lists', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    const body = '{}'
    await conn.write(
      listRequest('/v1/secret/metadata/', [
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
      ]) + body,
    )
    assertKeys(await conn.response(), ['app/', 'team/', 'top'])
  } finally {
    conn.close()
  }
})

/** Send one request on a fresh connection and read the answer; the server must then close. */
async function exchange(request: string): Promise<RawResponse> {
  const conn = await RawConnection.open(server.address)
  try {
    await conn.write(request)
    const response = await conn.response()
    return response
  } finally {
    conn.close()
  }
}

test('LIST refuses what Node refuses for other verbs, with the same status, and closes', async () => {
  const cases: [string, string[]][] = [
    ['hex Content-Length', ['Content-Length: 0x10']],
    ['exponent Content-Length', ['Content-Length: 1e3']],
    ['signed Content-Length', ['Content-Length: +5']],
    ['two Content-Lengths', ['Content-Length: 2', 'Content-Length: 3']],
    ['a line without a colon', ['NoColonHere']],
    ['obs-fold', ['X-Folded: a', ' b']],
    ['16 KiB of headers', [`X-Big: ${'a'.repeat(16 * 1024)}`]],
  ]
  for (const [name, lines] of cases) {
    const get = await exchange(listRequest('/v1/sys/health', lines).replace(/^LIST/, 'GET'))
    const conn = await RawConnection.open(server.address)
    try {
      await conn.write(`${listRequest('/v1/secret/metadata/', lines)}{}`)
      const list = await conn.response()
      assert.equal(list.status, get.status, `${name}: LIST ${list.status}, GET ${get.status}`)
      assert.ok(list.status === 400 || list.status === 431, `${name}: ${list.status}`)
      assert.equal(list.headers['connection'], 'close', name)
      await conn.response().then(
        () => assert.fail(`${name}: a second response`),
        () => assert.equal(conn.ended, true),
      )
    } finally {
      conn.close()
    }
  }
  // Optional whitespace around the value is not part of it, for Node or for LIST.
  const padded = await exchange(listRequest('/v1/secret/metadata/', ['Content-Length:  2 ']) + '{}')
  assertKeys(padded, ['app/', 'team/', 'top'])
})

test('LIST with two X-Vault-Token headers is answered as a GET with them is', async () => {
  const twice = [`X-Vault-Token: ${server.rootToken}`]
  const get = await exchange(listRequest('/v1/secret/metadata/?list=true', twice).replace(/^LIST/, 'GET'))
  const list = await exchange(listRequest('/v1/secret/metadata/', twice))
  assert.equal(get.status, 403, get.body)
  assert.equal(list.status, get.status, list.body)
  assert.deepEqual(JSON.parse(list.body), JSON.parse(get.body))
})

test('LIST with a 2 MiB body written in 2 KiB pieces is read to its end and answered', async () => {
  const conn = await RawConnection.open(server.address)
  try {
    const body = JSON.stringify({ pad: 'p'.repeat(2 * 1024 * 1024) })
    const request =
      listRequest('/v1/secret/metadata/app/', [
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
      ]) + body
    for (let i = 0; i < request.length; i += 2048) await conn.write(request.slice(i, i + 2048))
    assertKeys(await conn.response(), ['config', 'db'])
  } finally {
    conn.close()
  }
})
