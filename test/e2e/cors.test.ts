// CORS against a real `coffer server` process: real HTTP requests with Origin headers, preflights, restart and seal.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { STANDARD_ALLOWED_HEADERS } from '../../src/server/core/cors-config.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { client } from '../helpers/server.ts'

interface RawReply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One request over node:http, so the Origin and preflight headers go out exactly as given. */
function send(address: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<RawReply>((resolve, reject) => {
    const req = http.request(`${address}/v1/${path}`, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'vary',
]

function corsHeadersOf(reply: RawReply): Record<string, string | string[] | undefined> {
  return Object.fromEntries(
    CORS_HEADERS.filter((h) => reply.headers[h] !== undefined).map((h) => [h, reply.headers[h]]),
  )
}

describe('CORS on a server process', () => {
  let dir: string
  let config: string
  let server: ServerProcess
  let key: string
  let root: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-cors-'))
    config = join(dir, 'coffer.hcl')
    writeFileSync(
      config,
      `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n`,
    )
    server = await spawnServer([`-config=${config}`])
    const call = client(server.address, '')
    const init = await call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    key = init.body.keys[0]
    root = init.body.root_token
    assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).status, 200)
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('while disabled, an Origin header changes nothing', async () => {
    const reply = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      origin: 'https://evil.example',
    })
    assert.equal(reply.status, 200)
    assert.deepEqual(corsHeadersOf(reply), {})
  })

  it('enabled: allowed origins are named, others get 403, preflights are answered without a token', async () => {
    const enable = await send(
      server.address,
      'POST',
      'sys/config/cors',
      { 'x-vault-token': root, 'content-type': 'application/json' },
      JSON.stringify({ allowed_origins: ['https://app.example'], allowed_headers: 'X-Custom-Header' }),
    )
    assert.equal(enable.status, 204)
    const read = JSON.parse(
      (await send(server.address, 'GET', 'sys/config/cors', { 'x-vault-token': root })).body,
    )
    const expected = {
      enabled: true,
      allowed_origins: ['https://app.example'],
      allowed_headers: [...STANDARD_ALLOWED_HEADERS, 'X-Custom-Header'],
    }
    assert.deepEqual(read.data, expected)
    // sys/config/cors is one of Vault's routes that repeat `data` at the top level.
    assert.deepEqual(
      { enabled: read.enabled, allowed_origins: read.allowed_origins, allowed_headers: read.allowed_headers },
      expected,
    )

    const allowed = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      origin: 'https://app.example',
    })
    assert.equal(allowed.status, 200)
    assert.deepEqual(corsHeadersOf(allowed), {
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
    })
    assert.ok(JSON.parse(allowed.body).data['sys/'])

    // The answer's status is the request's own: a bad token from an allowed origin is still a 403 permission denied.
    const denied = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': 'nope',
      origin: 'https://app.example',
    })
    assert.equal(denied.status, 403)
    assert.deepEqual(JSON.parse(denied.body), { errors: ['permission denied'] })
    assert.equal(denied.headers['access-control-allow-origin'], 'https://app.example')

    const refused = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      origin: 'https://evil.example',
    })
    assert.equal(refused.status, 403)
    assert.deepEqual(JSON.parse(refused.body), { errors: ['origin not allowed'] })
    assert.deepEqual(corsHeadersOf(refused), {})

    const preflight = await send(server.address, 'OPTIONS', 'secret/data/x', {
      origin: 'https://app.example',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'x-vault-token,content-type',
    })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.body, '')
    assert.deepEqual(corsHeadersOf(preflight), {
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'DELETE,GET,OPTIONS,POST,PUT,LIST',
      'access-control-allow-headers': [...STANDARD_ALLOWED_HEADERS, 'X-Custom-Header'].join(','),
      'access-control-max-age': '300',
      vary: 'Origin',
    })

    const badMethod = await send(server.address, 'OPTIONS', 'secret/data/x', {
      origin: 'https://app.example',
      'access-control-request-method': 'PATCH',
    })
    assert.equal(badMethod.status, 405)
    assert.deepEqual(corsHeadersOf(badMethod), {})

    const badPreflight = await send(server.address, 'OPTIONS', 'secret/data/x', {
      origin: 'https://evil.example',
      'access-control-request-method': 'GET',
    })
    assert.equal(badPreflight.status, 403)
    assert.deepEqual(JSON.parse(badPreflight.body), { errors: ['origin not allowed'] })

    // Without an Origin header (the CLI, SDKs) nothing changes.
    const plain = await send(server.address, 'GET', 'sys/mounts', { 'x-vault-token': root })
    assert.equal(plain.status, 200)
    assert.deepEqual(corsHeadersOf(plain), {})
  })

  it('without sudo the settings cannot be read or changed', async () => {
    const call = client(server.address, root)
    await call('PUT', 'sys/policies/acl/cors-plain', {
      body: { policy: 'path "sys/config/cors" { capabilities = ["create", "read", "update", "delete"] }' },
    })
    const token = (await call('POST', 'auth/token/create', { body: { policies: ['cors-plain'] } })).body.auth
      .client_token
    for (const method of ['GET', 'POST', 'DELETE'])
      assert.equal(
        (
          await call(method, 'sys/config/cors', {
            token,
            body: method === 'POST' ? { allowed_origins: '*' } : undefined,
          })
        ).status,
        403,
        method,
      )
  })

  it('survives seal and unseal; no CORS headers while sealed', async () => {
    const call = client(server.address, root)
    assert.equal((await call('PUT', 'sys/seal')).status, 204)
    const sealed = await send(server.address, 'GET', 'sys/seal-status', { origin: 'https://evil.example' })
    assert.equal(sealed.status, 200)
    assert.deepEqual(corsHeadersOf(sealed), {})
    const sealedAllowed = await send(server.address, 'GET', 'sys/seal-status', {
      origin: 'https://app.example',
    })
    assert.deepEqual(corsHeadersOf(sealedAllowed), {})
    assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).status, 200)
    const refused = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      origin: 'https://evil.example',
    })
    assert.equal(refused.status, 403)
    const allowed = await send(server.address, 'GET', 'sys/health', { origin: 'https://app.example' })
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example')
  })

  it('survives a restart; DELETE turns it off again', async () => {
    assert.equal(await server.stop('SIGTERM'), 0)
    server = await spawnServer([`-config=${config}`])
    const call = client(server.address, root)
    assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).status, 200)
    const refused = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      origin: 'https://evil.example',
    })
    assert.equal(refused.status, 403)
    assert.deepEqual(JSON.parse(refused.body), { errors: ['origin not allowed'] })
    assert.equal((await call('DELETE', 'sys/config/cors')).status, 204)
    assert.deepEqual((await call('GET', 'sys/config/cors')).body.data, { enabled: false })
    const open = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      origin: 'https://evil.example',
    })
    assert.equal(open.status, 200)
    assert.deepEqual(corsHeadersOf(open), {})
  })
})
