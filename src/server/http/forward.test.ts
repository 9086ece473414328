// Forwarding from a standby: what the active node believes of a forwarded request, relaying, and the 307.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { acceptForwarded, forwardTo, redirectTo, wantsRedirect } from './forward.ts'
import type { HttpRequest } from './http-types.ts'

const key = randomBytes(32)

function request(overrides: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'GET',
    url: '/v1/secret/data/app?version=2',
    headers: { 'x-vault-token': 'token-value', accept: 'application/json' },
    body: Buffer.alloc(0),
    remoteAddress: '10.0.0.7',
    ...overrides,
  }
}

/** A server that records what reached it and answers with a fixed JSON body. */
let received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = []
let server: http.Server
let address = ''
before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      })
      res.writeHead(201, { 'content-type': 'application/json', 'x-answer': 'yes' })
      res.end('{"ok":true}\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** The request as the active node parses it from what forwardTo sent. */
function asReceived(index = -1): HttpRequest {
  const got = received.at(index)!
  return {
    method: got.method,
    url: got.url,
    headers: { ...got.headers },
    body: Buffer.from(got.body),
    remoteAddress: '10.1.1.1', // the standby's own address
  }
}

describe('request forwarding', () => {
  it('relays method, path, query, headers and body, and the answer back unchanged', async () => {
    received = []
    const result = await forwardTo(
      address,
      request({
        method: 'POST',
        body: Buffer.from('{"data":{"a":1}}'),
        headers: {
          'x-vault-token': 't',
          'content-type': 'application/json',
          connection: 'keep-alive',
          host: 'coffer-1.internal:8200',
        },
      }),
      key,
    )
    assert.equal(result.status, 201)
    assert.equal(result.headers['x-answer'], 'yes')
    assert.equal(Buffer.from(result.body).toString(), '{"ok":true}\n')
    const got = received[0]!
    assert.equal(got.method, 'POST')
    assert.equal(got.url, '/v1/secret/data/app?version=2')
    assert.equal(got.headers['x-vault-token'], 't')
    // The Host the client addressed (the standby), which an AWS signature covers, not the active node's.
    assert.equal(got.headers.host, 'coffer-1.internal:8200')
    assert.equal(got.body, '{"data":{"a":1}}')
  })

  it('the active node believes the client address and certificates a signed forward vouches for', async () => {
    received = []
    const certs = ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']
    await forwardTo(address, request({ connection: { peerCertificates: certs } }), key)
    const req = asReceived()
    assert.equal(acceptForwarded(req, key), true)
    assert.equal(req.remoteAddress, '10.0.0.7')
    assert.deepEqual(req.connection?.peerCertificates, certs)
    for (const name of Object.keys(req.headers)) assert.ok(!name.startsWith('x-coffer-forwarded'), name)
  })

  it('a client cannot pretend to be forwarded: headers without a valid signature are dropped and ignored', async () => {
    received = []
    await forwardTo(address, request(), key)
    const forged = asReceived()
    forged.headers['x-coffer-forwarded-for'] = '192.168.66.6'
    assert.equal(acceptForwarded(forged, key), false)
    assert.equal(forged.remoteAddress, '10.1.1.1')
    assert.equal(forged.headers['x-coffer-forwarded-for'], undefined)

    const otherKey = asReceived()
    assert.equal(acceptForwarded(otherKey, randomBytes(32)), false, 'signed with another cluster key')
    assert.equal(otherKey.remoteAddress, '10.1.1.1')

    const noKey = asReceived()
    assert.equal(acceptForwarded(noKey, undefined), false, 'a node without the key believes nothing')

    const moved = asReceived()
    moved.url = '/v1/sys/seal'
    assert.equal(acceptForwarded(moved, key), false, 'the signature covers the path')

    const stale = asReceived()
    const at = Number(stale.headers['x-coffer-forwarded-at'])
    assert.equal(
      acceptForwarded(stale, key, at + 61_000),
      false,
      'a forward older than a minute is not believed',
    )

    const plain = request()
    assert.equal(acceptForwarded(plain, key), false)
    assert.equal(plain.remoteAddress, '10.0.0.7', 'a direct request keeps its own address')
  })

  it('answers 503 when the active node cannot be reached', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const result = await forwardTo(`http://127.0.0.1:${port}`, request(), key)
    assert.equal(result.status, 503)
    assert.match(Buffer.from(result.body).toString(), /standby/)
  })

  it('redirects with 307 to the same path on the active node when the client asks not to be forwarded', () => {
    assert.equal(wantsRedirect(request()), false)
    assert.equal(wantsRedirect(request({ headers: { 'x-vault-no-request-forwarding': 'true' } })), true)
    assert.equal(wantsRedirect(request({ headers: { 'x-vault-no-request-forwarding': '' } })), false)
    const result = redirectTo('https://active.example:8200', request())
    assert.equal(result.status, 307)
    assert.equal(result.headers['location'], 'https://active.example:8200/v1/secret/data/app?version=2')
  })
})
