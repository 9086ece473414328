// Tests for VaultClient against a scripted HTTP(S) server on 127.0.0.1.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { describeUnless, OPENSSL, unmet } from '../../test/helpers/requirements.ts'
import { makeSelfSignedCert } from '../../test/helpers/tls.ts'
import { ApiError, ConnectionError } from './api-error.ts'
import { VaultClient } from './vault-client.ts'

interface Seen {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

type Reply = { status: number; body?: unknown }

function startFake(
  route: (seen: Seen) => Reply,
): Promise<{ address: string; seen: Seen[]; server: http.Server }> {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }
      seen.push(entry)
      const reply = route(entry)
      if (reply.body === undefined) {
        res.writeHead(reply.status).end()
      } else {
        res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body))
      }
    })
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({ address: `http://127.0.0.1:${port}`, seen, server })
    })
  })
}

describe('VaultClient over HTTP', () => {
  let fake: Awaited<ReturnType<typeof startFake>>
  let client: VaultClient
  before(async () => {
    fake = await startFake(({ method, url }) => {
      if (url === '/v1/secret/missing') return { status: 404, body: { errors: [] } }
      if (url.startsWith('/v1/secret/deleted'))
        return { status: 404, body: { data: { data: null, metadata: { version: 2 } } } }
      if (url === '/v1/secret/forbidden') return { status: 403, body: { errors: ['permission denied'] } }
      if (url === '/v1/empty/?list=true' || url === '/v1/empty?list=true')
        return { status: 404, body: { errors: [] } }
      if (url === '/v1/secret?list=true') return { status: 200, body: { data: { keys: ['a', 'b/'] } } }
      if (method === 'GET') return { status: 200, body: { data: { foo: 'bar' }, lease_duration: 0 } }
      return { status: 204 }
    })
    client = new VaultClient({ address: fake.address, token: 'test-token-value', namespace: 'team-a/' })
  })
  after(() => {
    client.close()
    fake.server.close()
  })

  test('read sends the token, namespace and request headers and returns the envelope', async () => {
    const envelope = await client.read('secret/foo', { version: '3' })
    assert.deepEqual(envelope?.data, { foo: 'bar' })
    const last = fake.seen.at(-1)!
    assert.equal(last.url, '/v1/secret/foo?version=3')
    assert.equal(last.headers['x-vault-token'], 'test-token-value')
    assert.equal(last.headers['x-vault-namespace'], 'team-a/')
    assert.equal(last.headers['x-vault-request'], 'true')
  })

  test("sys/wrapping/wrap is asked to wrap for 5m unless a wrap TTL is set, as Vault's client asks; other paths are not", async () => {
    await client.write('sys/wrapping/wrap', { a: 1 })
    assert.equal(fake.seen.at(-1)!.headers['x-vault-wrap-ttl'], '5m')
    await client.write('secret/x', { a: 1 })
    assert.equal(fake.seen.at(-1)!.headers['x-vault-wrap-ttl'], undefined)
    const wrapping = new VaultClient({ address: fake.address, token: 't', wrapTtl: '90s' })
    await wrapping.write('sys/wrapping/wrap', { a: 1 })
    assert.equal(fake.seen.at(-1)!.headers['x-vault-wrap-ttl'], '90s')
    wrapping.close()
  })

  test('read of a missing path is undefined, but a 404 with data is returned', async () => {
    assert.equal(await client.read('secret/missing'), undefined)
    const deleted = await client.read('secret/deleted')
    assert.deepEqual(deleted?.data?.['metadata'], { version: 2 })
  })

  test('errors carry status, messages and a Vault-style text without the token', async () => {
    await assert.rejects(client.read('secret/forbidden'), (error: unknown) => {
      assert.ok(error instanceof ApiError)
      assert.equal(error.status, 403)
      assert.deepEqual(error.errors, ['permission denied'])
      assert.equal(
        error.message,
        `Error making API request.\n\nURL: GET ${fake.address}/v1/secret/forbidden\nCode: 403. Errors:\n\n* permission denied`,
      )
      assert.ok(!error.message.includes('test-token-value'))
      return true
    })
  })

  test('list uses GET ?list=true and maps 404 to an empty list', async () => {
    assert.deepEqual(await client.list('secret'), ['a', 'b/'])
    assert.equal(fake.seen.at(-1)!.method, 'GET')
    assert.deepEqual(await client.list('empty'), [])
  })

  test('write sends JSON with PUT; patch uses the merge-patch content type; delete passes query', async () => {
    assert.equal(await client.write('secret/x', { a: 1 }), undefined)
    let last = fake.seen.at(-1)!
    assert.equal(last.method, 'PUT')
    assert.equal(last.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(last.body), { a: 1 })
    await client.patch('secret/data/x', { data: { b: 2 } })
    last = fake.seen.at(-1)!
    assert.equal(last.method, 'PATCH')
    assert.equal(last.headers['content-type'], 'application/merge-patch+json')
    await client.delete('secret/x', { versions: '1' })
    last = fake.seen.at(-1)!
    assert.equal(last.method, 'DELETE')
    assert.equal(last.url, '/v1/secret/x?versions=1')
  })

  test('sys helpers hit the documented paths', async () => {
    await client.init(3, 2)
    let last = fake.seen.at(-1)!
    assert.equal(last.url, '/v1/sys/init')
    assert.deepEqual(JSON.parse(last.body), { secret_shares: 3, secret_threshold: 2 })
    await client.unseal('abc')
    last = fake.seen.at(-1)!
    assert.equal(last.url, '/v1/sys/unseal')
    assert.deepEqual(JSON.parse(last.body), { key: 'abc' })
    await client.seal()
    assert.equal(fake.seen.at(-1)!.url, '/v1/sys/seal')
  })

  test('path segments are encoded and a leading slash or v1/ is tolerated', () => {
    assert.equal(client.urlFor('/secret/a b').pathname, '/v1/secret/a%20b')
    assert.equal(client.urlFor('v1/sys/mounts').pathname, '/v1/sys/mounts')
  })

  test('no token header when no token is set', async () => {
    const anonymous = new VaultClient({ address: fake.address })
    await anonymous.read('sys/seal-status')
    assert.equal(fake.seen.at(-1)!.headers['x-vault-token'], undefined)
    anonymous.close()
  })
})

test('a refused connection becomes a ConnectionError', async () => {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const client = new VaultClient({ address: `http://127.0.0.1:${port}` })
  await assert.rejects(client.read('sys/health'), ConnectionError)
  client.close()
})

test('a request that gets no answer times out', async () => {
  const server = http.createServer(() => {
    // never answer
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const client = new VaultClient({ address: `http://127.0.0.1:${port}`, timeoutMs: 50 })
  await assert.rejects(client.read('sys/health'), /no response within 50 ms/)
  client.close()
  server.closeAllConnections()
  server.close()
})

test('rejects addresses that are not http(s) URLs', () => {
  assert.throws(() => new VaultClient({ address: 'ftp://x' }), /scheme/)
  assert.throws(() => new VaultClient({ address: 'nope' }), /invalid address/)
})

const certDir = mkdtempSync(join(tmpdir(), 'coffer-client-tls-'))
const cert = makeSelfSignedCert(certDir)

describeUnless(await unmet(OPENSSL), 'VaultClient over HTTPS', () => {
  let server: https.Server
  let address: string
  before(async () => {
    const files = cert!
    server = https.createServer(
      { key: readFileSync(files.key), cert: readFileSync(files.cert) },
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"sealed":false}')
      },
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
    rmSync(certDir, { recursive: true, force: true })
  })

  test('trusts a custom CA file', async () => {
    const client = new VaultClient({ address, caCert: cert!.cert })
    assert.equal((await client.sealStatus()).sealed, false)
    client.close()
  })

  test('refuses an unknown CA unless verification is skipped', async () => {
    const strict = new VaultClient({ address })
    await assert.rejects(strict.sealStatus(), ConnectionError)
    strict.close()
    const lax = new VaultClient({ address, skipVerify: true })
    assert.equal((await lax.sealStatus()).sealed, false)
    lax.close()
  })
})
