// The API proxy in process: requests go to the configured server only, and the cache rules see the path the
// server will act on (percent-decoded), so a revocation sent encoded still empties the cache.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type RunningProxy, startApiProxy } from './api-proxy.ts'
import type { ProxiedRequest, ProxyCaching } from './proxy-caching.ts'

const AGENT_TOKEN = 'agent-own-token-value'

/** A server recording the requests it gets (URL and token), answering 200 {}. */
async function recordingServer(): Promise<{
  url: URL
  seen: { url: string; token: string }[]
  close(): Promise<void>
}> {
  const seen: { url: string; token: string }[] = []
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', token: String(req.headers['x-vault-token'] ?? '') })
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Send a raw request line (so the target is exactly as written) and resolve with the status code. */
function rawRequest(address: string, target: string, method = 'GET'): Promise<number> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ]
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => {
      socket.write(
        `${method} ${target} HTTP/1.1\r\nHost: agent\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      )
    })
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)))
    socket.on('error', reject)
  })
}

describe('agent api proxy', () => {
  let upstream: Awaited<ReturnType<typeof recordingServer>>
  let elsewhere: Awaited<ReturnType<typeof recordingServer>>
  let proxy: RunningProxy
  const forwardedPaths: string[] = []

  before(async () => {
    upstream = await recordingServer()
    elsewhere = await recordingServer()
    // Only the rule hooks matter here: nothing is cacheable, every request is forwarded.
    const caching = {
      cacheable: () => false,
      beforeForward: (req: ProxiedRequest) => forwardedPaths.push(req.path),
      afterForward: () => {},
    } as unknown as ProxyCaching
    proxy = await startApiProxy({
      listener: {
        type: 'tcp',
        address: '127.0.0.1:0',
        socketMode: undefined,
        socketUser: undefined,
        socketGroup: undefined,
        useAutoAuthToken: true,
        cache: true,
        maxRequestSize: 1024,
      },
      upstream: upstream.url,
      caCert: undefined,
      tlsSkipVerify: false,
      useAutoAuthToken: true,
      caching,
      token: () => AGENT_TOKEN,
      onForbidden: () => {},
      log: () => {},
    })
  })
  after(async () => {
    await proxy?.close()
    await upstream?.close()
    await elsewhere?.close()
  })

  it('never sends a request, or the agent token, to a host named in the request target', async () => {
    const other = elsewhere.url.host
    for (const target of [`http://${other}/v1/secret/data/app`, `//${other}/v1/secret/data/app`]) {
      const status = await rawRequest(proxy.address, target)
      assert.equal(status, 400, `${target} is refused`)
    }
    assert.deepEqual(elsewhere.seen, [], 'nothing reached the other host')
    // An ordinary request still reaches the configured server with the agent's token.
    assert.equal(await rawRequest(proxy.address, '/v1/secret/data/app'), 200)
    assert.deepEqual(upstream.seen.at(-1), { url: '/v1/secret/data/app', token: AGENT_TOKEN })
  })

  it('hands the cache rules the decoded path, as the server routes it (dot segments resolved, percent-decoded)', async () => {
    forwardedPaths.length = 0
    assert.equal(await rawRequest(proxy.address, '/v1/auth%2Ftoken%2Frevoke-self', 'POST'), 200)
    assert.equal(await rawRequest(proxy.address, '/v1/sys/leases%2Frevoke-prefix/database', 'PUT'), 200)
    assert.equal(await rawRequest(proxy.address, '/v1/secret/data/x/../../../auth/token/revoke', 'POST'), 200)
    assert.deepEqual(forwardedPaths, [
      'auth/token/revoke-self',
      'sys/leases/revoke-prefix/database',
      'auth/token/revoke',
    ])
    assert.deepEqual(
      upstream.seen.slice(-3).map((seen) => seen.url),
      ['/v1/auth%2Ftoken%2Frevoke-self', '/v1/sys/leases%2Frevoke-prefix/database', '/v1/auth/token/revoke'],
      'the server is sent the path the rules saw, still encoded',
    )
  })

  it('refuses a body over max_request_size with 413, forwarding nothing, and keeps serving', async () => {
    const before = upstream.seen.length
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        `http://${proxy.address}/v1/secret/data/big`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = ''
          res.on('data', (c: Buffer) => (text += c.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        },
      )
      req.on('error', reject)
      // Sent in pieces, as a client streaming a large upload would.
      for (let i = 0; i < 64; i++) req.write('x'.repeat(1024))
      req.end()
    })
    assert.equal(answer.status, 413, answer.text)
    assert.match(answer.text, /request body over 1024 bytes/)
    assert.doesNotMatch(answer.text, new RegExp(AGENT_TOKEN))
    assert.equal(upstream.seen.length, before, 'nothing was forwarded')
    assert.equal(await rawRequest(proxy.address, '/v1/secret/data/app'), 200)
  })

  it('forwards only the Vault API: a path that resolves outside /v1/ is refused, never sent with the agent token', async () => {
    const before = upstream.seen.length
    for (const target of [
      '/v1/../../etc/passwd',
      '/v1/%2e%2e/sys/metrics',
      '/v1/..',
      '/\\elsewhere.example/v1/secret/data/app',
      '/ui/',
      '/',
    ]) {
      const status = await rawRequest(proxy.address, target)
      assert.equal(status, 404, `${target} is refused`)
    }
    assert.deepEqual(upstream.seen.slice(before), [], 'nothing was forwarded')
  })

  it('refuses a path it cannot decode as the server would', async () => {
    const before = upstream.seen.length
    assert.equal(await rawRequest(proxy.address, '/v1/secret/data/%E0%A4%A', 'GET'), 400)
    assert.equal(upstream.seen.length, before)
  })
})
