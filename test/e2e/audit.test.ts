// Audit devices end to end: Vault-layout lines, HMAC'd values, a verifiable chain, and fail-closed refusals.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { verifyAuditLog } from '../../src/lib/audit-chain/verify.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('audit devices', () => {
  let t: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-audit-'))
  const file = join(dir, 'audit.log')
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))

  it('enables a file device and lists it in Vault’s shape', async () => {
    const res = await t.call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: file } },
    })
    assert.equal(res.status, 204)
    const list = await t.call('GET', 'sys/audit')
    assert.deepEqual(list.body.data['file/'], {
      type: 'file',
      description: '',
      options: { file_path: file },
      local: false,
      path: 'file/',
    })
    assert.deepEqual(list.body['file/'], list.body.data['file/'], 'sys/audit repeats data at the top level')
  })

  it('records requests and responses with secrets and tokens HMAC’d', async () => {
    await t.call('POST', 'secret/data/app', { body: { data: { password: 'hunter2-very-secret' } } })
    const read = await t.call('GET', 'secret/data/app')
    assert.equal(read.body.data.data.password, 'hunter2-very-secret')
    const text = readFileSync(file, 'utf8')
    assert.ok(!text.includes('hunter2-very-secret'), 'the secret never appears in clear')
    assert.ok(!text.includes(t.rootToken), 'the token never appears in clear')
    const entries = lines().filter((e) => e.type !== 'checkpoint')
    const readReq = entries.find(
      (e) => e.type === 'request' && e.request.operation === 'read' && e.request.path === 'secret/data/app',
    )
    const readRes = entries.find(
      (e) => e.type === 'response' && e.request.operation === 'read' && e.request.path === 'secret/data/app',
    )
    assert.ok(readReq && readRes)
    assert.match(readReq.auth.client_token, /^hmac-sha256:[0-9a-f]{64}$/)
    assert.deepEqual(readReq.auth.policies, ['root'])
    assert.equal(readReq.request.mount_type, 'kv')
    assert.deepEqual(readReq.request.namespace, { id: 'root' })
    assert.equal(readReq.request.remote_address, '127.0.0.1')
    const logged = readRes.response.data.data.password
    const hash = await t.call('POST', 'sys/audit-hash/file', { body: { input: 'hunter2-very-secret' } })
    assert.equal(hash.body.data.hash, logged, 'sys/audit-hash finds where a value was read')
  })

  it('records denied requests with the error', async () => {
    await t.call('PUT', 'sys/policies/acl/none', {
      body: { policy: 'path "nothing/*" { capabilities = ["read"] }' },
    })
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['none'] } })).body.auth
      .client_token
    assert.equal((await t.call('GET', 'secret/data/app', { token })).status, 403)
    const denied = lines().find((e) => e.type === 'request' && e.error === 'permission denied')
    assert.ok(denied)
    assert.equal(denied.request.path, 'secret/data/app')
  })

  it('records a revoked token’s use, HMAC’d, so the use of a revoked credential can be traced', async () => {
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })).body.auth
      .client_token
    assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
    assert.equal((await t.call('GET', 'secret/data/traced', { token })).status, 403)
    const hashed = (await t.call('POST', 'sys/audit-hash/file', { body: { input: token } })).body.data.hash
    const refused = lines().find((e) => e.type === 'request' && e.request.path === 'secret/data/traced')
    assert.ok(refused, 'the refused request is audited')
    assert.equal(refused.request.client_token, hashed)
    assert.ok(!readFileSync(file, 'utf8').includes(token), 'the token itself is never in the file')
  })

  it('records a large body refused for want of a token as a summary, with a 403, not a 500', async () => {
    // 10,000 keys: the most max_json_object_entry_count lets through to the permission check by default.
    const body = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, `denied-value-${i}`]))
    const res = await t.call('POST', 'secret/data/flood', { token: 'hvs.not-a-token', body })
    assert.equal(res.status, 403)
    const entry = lines().find((e) => e.type === 'request' && e.request.path === 'secret/data/flood')
    assert.ok(entry)
    assert.equal(entry.error, 'permission denied')
    assert.equal(entry.request.data, undefined)
    assert.deepEqual(entry.request.data_elided, {
      reason: 'unauthenticated',
      keys: 10_000,
      bytes: Buffer.byteLength(JSON.stringify(body)),
    })
    assert.equal(entry.request.remote_address, '127.0.0.1')
    assert.ok(!readFileSync(file, 'utf8').includes('denied-value-'))
  })

  it('records a KV value under a __proto__ key, HMAC’d, in the write and the read', async () => {
    const data = JSON.parse('{"__proto__":"proto-secret-value","constructor":"ctor-secret-value"}')
    const write = await t.call('POST', 'secret/data/proto', { body: { data } })
    assert.equal(write.status, 200)
    const read = await t.call('GET', 'secret/data/proto')
    assert.equal(JSON.stringify(read.body.data.data), JSON.stringify(data))
    const text = readFileSync(file, 'utf8')
    assert.ok(!text.includes('proto-secret-value') && !text.includes('ctor-secret-value'))
    const hash = async (input: string) =>
      (await t.call('POST', 'sys/audit-hash/file', { body: { input } })).body.data.hash
    const expected = `{"__proto__":"${await hash('proto-secret-value')}","constructor":"${await hash('ctor-secret-value')}"}`
    const find = (type: string, operation: string) =>
      lines().find(
        (e) => e.type === type && e.request.path === 'secret/data/proto' && e.request.operation === operation,
      )
    assert.equal(JSON.stringify(find('request', 'create')?.request.data.data), expected)
    assert.equal(JSON.stringify(find('response', 'read')?.response.data.data), expected)
  })

  it('keeps a mount’s audit_non_hmac_request_keys and _response_keys in clear, and only on that mount', async () => {
    const tune = await t.call('POST', 'sys/mounts/secret/tune', {
      body: { audit_non_hmac_request_keys: ['note'], audit_non_hmac_response_keys: ['version'] },
    })
    assert.equal(tune.status, 204, JSON.stringify(tune.body))
    await t.call('POST', 'secret/data/exempt', { body: { data: { password: 'p' }, note: 'visible-note' } })
    await t.call('POST', 'cubbyhole/exempt', { body: { note: 'hidden-note' } })
    const entries = lines().filter((e) => e.type !== 'checkpoint')
    const write = entries.find((e) => e.type === 'response' && e.request.path === 'secret/data/exempt')
    assert.equal(write.request.data.note, 'visible-note', 'the exempt request key is in clear')
    assert.match(write.request.data.data.password, /^hmac-sha256:/, 'other keys are still HMAC’d')
    assert.equal(typeof write.response.data.version, 'number', 'the exempt response key is in clear')
    assert.match(write.response.data.created_time, /^hmac-sha256:/)
    const other = entries.find((e) => e.type === 'request' && e.request.path === 'cubbyhole/exempt')
    assert.match(other.request.data.note, /^hmac-sha256:/, 'another mount keeps hashing the same key')
    await t.call('POST', 'sys/mounts/secret/tune', {
      body: { audit_non_hmac_request_keys: [], audit_non_hmac_response_keys: [] },
    })
  })

  it('writes a chain that verifies against the published key', async () => {
    const key = await t.call('GET', 'sys/audit-signing-key')
    const result = verifyAuditLog(readFileSync(file, 'utf8'), key.body.data.public_key)
    assert.equal(result.ok, true, JSON.stringify(result.problems))
    assert.ok(result.entries >= 6)
  })

  it('refuses requests (500, no secret) when no device can record them, and recovers', async () => {
    assert.equal((await t.call('DELETE', 'sys/audit/file')).status, 204)
    assert.equal(
      (await t.call('PUT', 'sys/audit/full', { body: { type: 'file', options: { file_path: '/dev/full' } } }))
        .status,
      204,
    )
    const refused = await t.call('GET', 'secret/data/app')
    assert.equal(refused.status, 500)
    assert.ok(!JSON.stringify(refused.body).includes('hunter2'))
    assert.equal((await t.call('DELETE', 'sys/audit/full')).status, 204)
    assert.equal((await t.call('GET', 'secret/data/app')).status, 200)
  })

  it('does not hang on a socket device whose peer stops reading', async () => {
    const sockets: net.Socket[] = []
    const peer = net.createServer((socket) => {
      socket.pause()
      sockets.push(socket)
    })
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
    const port = (peer.address() as net.AddressInfo).port
    try {
      const enable = await t.call('PUT', 'sys/audit/sock', {
        body: {
          type: 'socket',
          options: { address: `127.0.0.1:${port}`, write_timeout: '200ms', log_raw: 'true' },
        },
      })
      assert.equal(enable.status, 204)
      // log_raw keeps the big values unhashed, so they fill the socket buffers quickly; once they are full every
      // request must fail in bounded time.
      let failed = 0
      for (let i = 0; i < 200 && failed === 0; i++) {
        const res = await t.call('POST', `secret/data/big${i}`, {
          body: { data: { blob: 'x'.repeat(200_000) } },
        })
        if (res.status === 500) failed++
        else assert.equal(res.status, 200)
      }
      assert.equal(failed, 1, 'a stalled peer eventually makes requests fail closed instead of hanging')
    } finally {
      await t.call('DELETE', 'sys/audit/sock')
      for (const socket of sockets) socket.destroy()
      peer.close()
    }
  })

  it('validates enable requests', async () => {
    assert.equal((await t.call('PUT', 'sys/audit/x', { body: { type: 'syslog' } })).status, 400)
    assert.equal((await t.call('PUT', 'sys/audit/x', { body: { type: 'file', options: {} } })).status, 400)
    assert.equal(
      (
        await t.call('PUT', 'sys/audit/x', {
          body: { type: 'file', options: { file_path: '/nonexistent/dir/a.log' } },
        })
      ).status,
      400,
    )
    assert.equal(
      (
        await t.call('PUT', 'sys/audit/x', {
          body: { type: 'file', options: { file_path: join(dir, 'b.log'), prefix: 'x' } },
        })
      ).status,
      400,
    )
  })
})
