// Audited request headers against a `coffer server` process: real headers into a file device, restart and seal, bad input.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { verifyAuditLog } from '../../src/lib/audit-chain/verify.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { client } from '../helpers/server.ts'

const BASE = 'sys/config/auditing/request-headers'

/** One request over node:http, so every header (a repeated one, odd cases) goes out exactly as given. */
function send(
  address: string,
  method: string,
  path: string,
  headers: http.OutgoingHttpHeaders,
  body?: string,
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(`${address}/v1/${path}`, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('audited request headers on a server process', () => {
  let dir: string
  let config: string
  let log: string
  let server: ServerProcess
  let key: string
  let root: string
  const call = (...args: Parameters<ReturnType<typeof client>>) => client(server.address, root)(...args)

  // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
  const entries = (): any[] =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.type !== 'checkpoint')
  const hashOf = async (input: string) =>
    (await call('POST', 'sys/audit-hash/file', { body: { input } })).body.data.hash as string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-audithdr-'))
    config = join(dir, 'coffer.hcl')
    log = join(dir, 'audit.log')
    writeFileSync(
      config,
      `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n`,
    )
    server = await spawnServer([`-config=${config}`])
    const init = await client(server.address, '')('PUT', 'sys/init', {
      body: { secret_shares: 1, secret_threshold: 1 },
    })
    key = init.body.keys[0]
    root = init.body.root_token
    assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).status, 200)
    const enabled = await call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: log } },
    })
    assert.equal(enabled.status, 204)
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers Vault’s shapes: 204 on write and delete, the name as given on a read, lower-cased in the list', async () => {
    assert.deepEqual((await call('GET', BASE)).body.data, { headers: {} })
    assert.equal((await call('PUT', `${BASE}/X-Request-Tag`, { body: { hmac: false } })).status, 204)
    assert.equal((await call('POST', `${BASE}/X-Client-Secret`, { body: { hmac: true } })).status, 204)
    assert.deepEqual((await call('GET', `${BASE}/X-Client-Secret`)).body.data, {
      'X-Client-Secret': { hmac: true },
    })
    assert.deepEqual((await call('GET', BASE)).body.data.headers, {
      'x-client-secret': { hmac: true },
      'x-request-tag': { hmac: false },
    })
    const missing = await call('GET', `${BASE}/X-Not-Audited`)
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body.errors, ['Could not find header in config'])
  })

  it('a file device records the configured headers HMAC’d or clear, and never one not configured', async () => {
    const read = await send(server.address, 'GET', 'sys/mounts', {
      'x-vault-token': root,
      'X-Request-Tag': 'tag-in-clear',
      'X-CLIENT-SECRET': 'client-secret-value',
      'X-Unlisted': 'unlisted-value',
    })
    assert.equal(read.status, 200)
    const hash = await hashOf('client-secret-value')
    const pair = entries().filter((e) => e.request.path === 'sys/mounts')
    assert.deepEqual(
      pair.map((e) => e.type),
      ['request', 'response'],
    )
    for (const entry of pair)
      assert.deepEqual(entry.request.headers, {
        'x-client-secret': [hash],
        'x-request-tag': ['tag-in-clear'],
      })
    const text = readFileSync(log, 'utf8')
    assert.ok(!text.includes('client-secret-value'), 'an hmac header is never in clear')
    assert.ok(
      !text.includes('unlisted-value') && !text.includes('x-unlisted'),
      'an unlisted header never appears',
    )
    assert.ok(!text.includes(root), 'the token never appears')
  })

  it('a write records them too; the token header is never recorded even when configured', async () => {
    assert.equal((await call('PUT', `${BASE}/X-Vault-Token`, { body: { hmac: false } })).status, 204)
    const wrote = await send(
      server.address,
      'PUT',
      'cubbyhole/hdr',
      { 'x-vault-token': root, 'x-request-tag': 'on-a-write', 'content-type': 'application/json' },
      '{"v":"1"}',
    )
    assert.equal(wrote.status, 204)
    const written = entries().filter((e) => e.request.path === 'cubbyhole/hdr')
    assert.equal(written.length, 2)
    for (const entry of written) assert.deepEqual(entry.request.headers, { 'x-request-tag': ['on-a-write'] })
    assert.ok(!readFileSync(log, 'utf8').includes(root))
    assert.equal((await call('DELETE', `${BASE}/x-vault-token`)).status, 204)
  })

  it('a ceremony request and a help request record them too', async () => {
    const headers = { 'x-vault-token': root, 'x-request-tag': 'outside-the-pipeline' }
    assert.equal((await send(server.address, 'GET', 'sys/generate-root/attempt', headers)).status, 200)
    assert.equal((await send(server.address, 'GET', 'sys/mounts?help=1', headers)).status, 200)
    const ceremony = entries().filter((e) => e.request.path === 'sys/generate-root/attempt')
    const help = entries().filter((e) => e.request.path === 'sys/mounts' && e.request.operation === 'help')
    assert.equal(ceremony.length, 2)
    assert.equal(help.length, 2)
    for (const entry of [...ceremony, ...help])
      assert.deepEqual(entry.request.headers, { 'x-request-tag': ['outside-the-pipeline'] })
  })

  it('hostile input is a 400 naming the problem, never a 500, and nothing is stored', async () => {
    const before = (await call('GET', BASE)).body.data
    for (const [method, path, body] of [
      ['PUT', `${BASE}/`, { hmac: true }],
      ['PUT', `${BASE}/bad%20name`, {}],
      ['PUT', `${BASE}/bad:name`, {}],
      ['PUT', `${BASE}/a/b`, {}],
      ['PUT', `${BASE}/%C3%A9t%C3%A9`, {}],
      ['PUT', `${BASE}/${'x'.repeat(300)}`, {}],
      ['PUT', `${BASE}/X-Fine`, { hmac: 'perhaps' }],
      ['PUT', `${BASE}/X-Fine`, { hmac: { yes: true } }],
      ['PUT', `${BASE}/X-Fine`, { hmac: [true] }],
      ['GET', `${BASE}/bad%20name`, undefined],
      ['DELETE', `${BASE}/bad%20name`, undefined],
    ] as const) {
      const res = await call(method, path, body === undefined ? {} : { body })
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
      assert.ok(Array.isArray(res.body.errors) && res.body.errors.length === 1, JSON.stringify(res.body))
    }
    const malformed = await send(
      server.address,
      'PUT',
      `${BASE}/X-Fine`,
      { 'x-vault-token': root, 'content-type': 'application/json' },
      '{"hmac": tru',
    )
    assert.equal(malformed.status, 400)
    assert.deepEqual((await call('GET', BASE)).body.data, before)
  })

  it('needs sudo: a token whose policy grants every capability but sudo is refused', async () => {
    await call('PUT', 'sys/policies/acl/headers-no-sudo', {
      body: {
        policy:
          'path "sys/config/auditing/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
      },
    })
    const token = (await call('POST', 'auth/token/create', { body: { policies: ['headers-no-sudo'] } })).body
      .auth.client_token
    for (const [method, path] of [
      ['GET', BASE],
      ['GET', `${BASE}/x-request-tag`],
      ['PUT', `${BASE}/x-sneaky`],
      ['DELETE', `${BASE}/x-request-tag`],
    ] as const)
      assert.equal((await call(method, path, { token })).status, 403, `${method} ${path}`)
  })

  it('survives seal and unseal and a restart, and still applies afterwards', async () => {
    const configured = (await call('GET', BASE)).body.data
    assert.equal((await call('PUT', 'sys/seal')).status, 204)
    assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).status, 200)
    assert.deepEqual((await call('GET', BASE)).body.data, configured)
    assert.equal(await server.stop('SIGTERM'), 0)
    server = await spawnServer([`-config=${config}`])
    assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).status, 200)
    assert.deepEqual((await call('GET', BASE)).body.data, configured)
    await send(server.address, 'GET', 'sys/policies/acl', {
      'x-vault-token': root,
      'x-client-secret': 'after-restart',
    })
    const entry = entries().findLast((e) => e.request.path === 'sys/policies/acl')
    assert.deepEqual(entry.request.headers, { 'x-client-secret': [await hashOf('after-restart')] })
  })

  it('once every header is deleted, entries carry no headers; the chain still verifies', async () => {
    assert.equal((await call('DELETE', `${BASE}/X-REQUEST-TAG`)).status, 204)
    assert.equal((await call('DELETE', `${BASE}/x-client-secret`)).status, 204)
    assert.deepEqual((await call('GET', BASE)).body.data, { headers: {} })
    await send(server.address, 'GET', 'sys/auth', { 'x-vault-token': root, 'x-request-tag': 'not-any-more' })
    const entry = entries().findLast((e) => e.request.path === 'sys/auth')
    assert.equal(entry.request.headers, undefined)
    assert.ok(!readFileSync(log, 'utf8').includes('not-any-more'))
    const signing = await call('GET', 'sys/audit-signing-key')
    const result = verifyAuditLog(readFileSync(log, 'utf8'), signing.body.data.public_key)
    assert.equal(result.ok, true, JSON.stringify(result.problems))
  })
})
