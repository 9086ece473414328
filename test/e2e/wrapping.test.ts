// Response wrapping end to end: X-Vault-Wrap-TTL on any request, sys/wrapping lookup/unwrap/rewrap/wrap, single use.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/cli/test-io.ts'
import { HVAC, skipUnless } from '../helpers/requirements.ts'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

describe('response wrapping', () => {
  let t: TestServer
  const clock = new ManualClock(Date.now())
  const auditLog = join(mkdtempSync(join(tmpdir(), 'coffer-wrap-')), 'audit.log')
  before(async () => {
    t = await startDevServer({ clock })
    const enabled = await t.call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: auditLog } },
    })
    assert.equal(enabled.status, 204)
    await t.call('POST', 'secret/data/app', { body: { data: { password: 'wrapped-secret-value' } } })
  })
  after(() => t.close())

  const wrapped = async (method: string, path: string, ttl: string, body?: unknown) => {
    const res = await t.call(method, path, {
      headers: { 'x-vault-wrap-ttl': ttl },
      ...(body ? { body } : {}),
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }

  it('wraps a KV read: only wrap_info comes back, and the wrapping token unwraps it once', async () => {
    const body = await wrapped('GET', 'secret/data/app', '90s')
    assert.equal(body.data, null)
    assert.equal(body.wrap_info.ttl, 90)
    assert.equal(body.wrap_info.creation_path, 'secret/data/app')
    assert.match(body.wrap_info.token, /^cvs\./)
    assert.match(body.wrap_info.creation_time, /^\d{4}-\d\d-\d\dT/)
    const token = body.wrap_info.token as string

    const looked = await t.call('PUT', 'sys/wrapping/lookup', { token: '', body: { token } })
    assert.equal(looked.status, 200)
    assert.equal(looked.body.data.creation_path, 'secret/data/app')
    assert.equal(looked.body.data.creation_ttl, 90)

    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token })
    assert.equal(unwrapped.status, 200)
    assert.equal(unwrapped.body.data.data.password, 'wrapped-secret-value')

    const again = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token } })
    assert.equal(again.status, 400)
    assert.match(again.body.errors[0], /wrapping token is not valid or does not exist/)
  })

  it("reading cubbyhole/response with the wrapping token gives Vault's {response: <JSON string>} and spends it", async () => {
    const body = await wrapped('GET', 'secret/data/app', '60')
    const token = body.wrap_info.token as string
    const read = await t.call('GET', 'cubbyhole/response', { token })
    assert.equal(read.status, 200, JSON.stringify(read.body))
    assert.deepEqual(Object.keys(read.body.data), ['response'], 'nothing but the response string')
    assert.equal(typeof read.body.data.response, 'string')
    const inner = JSON.parse(read.body.data.response)
    assert.deepEqual(Object.keys(inner).sort(), [
      'auth',
      'data',
      'lease_duration',
      'lease_id',
      'renewable',
      'request_id',
      'warnings',
      'wrap_info',
    ])
    assert.equal(inner.data.data.password, 'wrapped-secret-value')
    assert.equal(inner.lease_id, '')
    assert.equal(inner.wrap_info, null)
    assert.equal(inner.auth, null)
    assert.match(inner.request_id, /^[0-9a-f-]{36}$/)
    assert.notEqual(inner.request_id, read.body.request_id, 'the id of the request that was wrapped')
    assert.match(read.body.warnings[0], /Reading from 'cubbyhole\/response' is deprecated/)
    // The wrapping token had one use: the read spent it.
    const after = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token } })
    assert.equal(after.status, 400)
    assert.match(after.body.errors[0], /wrapping token is not valid or does not exist/)
    assert.equal((await t.call('GET', 'cubbyhole/response', { token })).status, 403)
    // The JSON text is a value like any other: the audit log has it HMAC'd, never the secret inside it in clear.
    assert.ok(!readFileSync(auditLog, 'utf8').includes('wrapped-secret-value'))
  })

  it('a wrapped token read from cubbyhole/response carries its auth block in the JSON string', async () => {
    const body = await wrapped('POST', 'auth/token/create', '5m', { policies: ['default'] })
    const read = await t.call('GET', 'cubbyhole/response', { token: body.wrap_info.token })
    const inner = JSON.parse(read.body.data.response)
    assert.equal(inner.data, null)
    assert.equal(inner.auth.accessor, body.wrap_info.wrapped_accessor)
    const self = await t.call('GET', 'auth/token/lookup-self', { token: inner.auth.client_token })
    assert.equal(self.status, 200)
  })

  it('a wrapping token grants nothing but unwrapping, and a refused use spends it as Vault counts uses', async () => {
    const refusals: [string, string, object?][] = [
      ['GET', 'secret/data/app'],
      ['GET', 'cubbyhole/wrapinfo'],
      ['LIST', 'cubbyhole/'],
      ['POST', 'cubbyhole/response', { response: 'x' }],
    ]
    for (const [method, path, body] of refusals) {
      const token = (await wrapped('GET', 'secret/data/app', '60')).wrap_info.token as string
      const refused = await t.call(method, path, { token, ...(body ? { body } : {}) })
      assert.equal(refused.status, 403, `${method} ${path}`)
      // Vault counts a use before the policy check, so the refusal spent the wrapping token's only use: the
      // response it wrapped can no longer be unwrapped by anyone, and its intended reader learns it was touched.
      const out = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token } })
      assert.equal(out.status, 400, `${method} ${path}: ${JSON.stringify(out.body)}`)
      assert.match(out.body.errors[0], /wrapping token is not valid or does not exist/)
    }
  })

  it('unwraps with the wrapping token in the body under another token', async () => {
    const body = await wrapped('GET', 'secret/data/app', '60')
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token: body.wrap_info.token } })
    assert.equal(res.status, 200)
    assert.equal(res.body.data.data.password, 'wrapped-secret-value')
  })

  it("unwraps a response as first answered: its request_id, and a KV v2 deleted version's 404 with metadata", async () => {
    const plain = await t.call('GET', 'secret/data/app', { headers: { 'x-vault-wrap-ttl': '60' } })
    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token: plain.body.wrap_info.token })
    assert.equal(unwrapped.status, 200)
    assert.equal(unwrapped.body.request_id, plain.body.request_id)
    await t.call('POST', 'secret/data/gone', { body: { data: { v: 1 } } })
    await t.call('POST', 'secret/data/gone', { body: { data: { v: 2 } } })
    assert.equal((await t.call('POST', 'secret/delete/gone', { body: { versions: [1] } })).status, 204)
    const direct = await t.call('GET', 'secret/data/gone?version=1')
    assert.equal(direct.status, 404)
    const wrappedGone = await t.call('GET', 'secret/data/gone?version=1', {
      headers: { 'x-vault-wrap-ttl': '60' },
    })
    assert.equal(wrappedGone.status, 200, JSON.stringify(wrappedGone.body))
    const gone = await t.call('PUT', 'sys/wrapping/unwrap', { token: wrappedGone.body.wrap_info.token })
    assert.equal(gone.status, 404, JSON.stringify(gone.body))
    assert.equal(gone.body.request_id, wrappedGone.body.request_id)
    assert.deepEqual(gone.body.data, direct.body.data)
    // A rewrapped one keeps both.
    const again = await t.call('GET', 'secret/data/gone?version=1', { headers: { 'x-vault-wrap-ttl': '60' } })
    const rewrapped = await t.call('PUT', 'sys/wrapping/rewrap', {
      body: { token: again.body.wrap_info.token },
    })
    const late = await t.call('PUT', 'sys/wrapping/unwrap', { token: rewrapped.body.wrap_info.token })
    assert.equal(late.status, 404)
    assert.equal(late.body.request_id, again.body.request_id)
  })

  it('wraps a minted token: wrapped_accessor names it and the unwrapped token works', async () => {
    const body = await wrapped('POST', 'auth/token/create', '5m', { policies: ['default'] })
    assert.equal(body.auth, null)
    assert.equal(typeof body.wrap_info.wrapped_accessor, 'string')
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { token: body.wrap_info.token })
    assert.equal(res.body.auth.accessor, body.wrap_info.wrapped_accessor)
    const self = await t.call('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token })
    assert.equal(self.status, 200)
  })

  it("rewrap of a wrapped token leaves wrapped_accessor out, as Vault's rewrap does, and the token still unwraps", async () => {
    const body = await wrapped('POST', 'auth/token/create', '5m', { policies: ['default'] })
    const rewrapped = await t.call('PUT', 'sys/wrapping/rewrap', { body: { token: body.wrap_info.token } })
    assert.equal(rewrapped.status, 200, JSON.stringify(rewrapped.body))
    assert.deepEqual(Object.keys(rewrapped.body.wrap_info).sort(), [
      'accessor',
      'creation_path',
      'creation_time',
      'token',
      'ttl',
    ])
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { token: rewrapped.body.wrap_info.token })
    assert.equal(res.body.auth.accessor, body.wrap_info.wrapped_accessor)
  })

  it('rewrap issues a new token for the same response; the old one stops working', async () => {
    const body = await wrapped('GET', 'secret/data/app', '120')
    const old = body.wrap_info.token
    const rewrapped = await t.call('PUT', 'sys/wrapping/rewrap', { body: { token: old } })
    assert.equal(rewrapped.status, 200)
    const fresh = rewrapped.body.wrap_info.token
    assert.notEqual(fresh, old)
    assert.equal(rewrapped.body.wrap_info.ttl, 120)
    // The creation path is the original request's, not sys/wrapping/rewrap, in wrap_info and in a lookup.
    assert.equal(rewrapped.body.wrap_info.creation_path, 'secret/data/app')
    const looked = await t.call('PUT', 'sys/wrapping/lookup', { token: '', body: { token: fresh } })
    assert.equal(looked.body.data.creation_path, 'secret/data/app')
    assert.equal(looked.body.data.creation_ttl, 120)
    // Vault validates the wrapping token of sys/wrapping/unwrap before the caller's token: a 400, not a 403.
    assert.equal((await t.call('PUT', 'sys/wrapping/unwrap', { token: old })).status, 400)
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { token: fresh })
    assert.equal(res.body.data.data.password, 'wrapped-secret-value')
  })

  it('sys/wrapping/wrap refuses a request that does not ask for wrapping, as Vault does, and wraps one that does', async () => {
    const asks: Record<string, string>[] = [{}, { 'x-vault-wrap-ttl': '0' }, { 'x-vault-wrap-ttl': '' }]
    for (const headers of asks) {
      const refused = await t.call('PUT', 'sys/wrapping/wrap', { body: { hello: 'world' }, headers })
      assert.equal(refused.status, 400, JSON.stringify(headers))
      assert.deepEqual(refused.body.errors, ['endpoint requires response wrapping to be used'])
    }
    const res = await t.call('PUT', 'sys/wrapping/wrap', {
      body: { hello: 'world' },
      headers: { 'x-vault-wrap-ttl': '5m' },
    })
    assert.equal(res.status, 200)
    assert.equal(res.body.wrap_info.ttl, 300)
    assert.equal(res.body.wrap_info.creation_path, 'sys/wrapping/wrap')
    const out = await t.call('PUT', 'sys/wrapping/unwrap', { token: res.body.wrap_info.token })
    assert.deepEqual(out.body.data, { hello: 'world' })
  })

  it('sys/wrapping/wrap wraps an empty body as an empty object, as Vault does', async () => {
    const empty = await t.call('PUT', 'sys/wrapping/wrap', {
      body: {},
      headers: { 'x-vault-wrap-ttl': '120' },
    })
    assert.equal(empty.status, 200, JSON.stringify(empty.body))
    assert.equal(empty.body.wrap_info.ttl, 120)
    assert.equal(empty.body.wrap_info.creation_path, 'sys/wrapping/wrap')
    const out = await t.call('PUT', 'sys/wrapping/unwrap', { token: empty.body.wrap_info.token })
    assert.equal(out.status, 200)
    assert.deepEqual(out.body.data, {})
    const again = await t.call('PUT', 'sys/wrapping/unwrap', { token: empty.body.wrap_info.token })
    assert.equal(again.status, 400)
  })

  it('a wrapping token expires with its TTL', async () => {
    const body = await wrapped('GET', 'secret/data/app', '30')
    const token = body.wrap_info.token as string
    const live = await t.call('PUT', 'sys/wrapping/lookup', { token: '', body: { token } })
    assert.deepEqual(Object.keys(live.body.data).sort(), ['creation_path', 'creation_time', 'creation_ttl'])
    assert.equal(live.body.data.creation_time, body.wrap_info.creation_time)
    assert.match(live.body.data.creation_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    assert.equal(live.body.data.creation_ttl, 30)
    clock.advance(31)
    for (const path of ['sys/wrapping/unwrap', 'sys/wrapping/lookup', 'sys/wrapping/rewrap']) {
      const res = await t.call('PUT', path, { body: { token } })
      assert.equal(res.status, 400, path)
      assert.deepEqual(res.body.errors, ['wrapping token is not valid or does not exist'])
    }
  })

  it('a token that is not a wrapping token cannot be looked up, unwrapped or rewrapped as one', async () => {
    const plain = await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })
    const token = plain.body.auth.client_token as string
    for (const path of ['sys/wrapping/unwrap', 'sys/wrapping/lookup', 'sys/wrapping/rewrap']) {
      for (const res of [
        await t.call('PUT', path, { body: { token } }),
        await t.call('PUT', path, { token, body: {} }),
      ]) {
        assert.equal(res.status, 400, path)
        assert.deepEqual(res.body.errors, ['wrapping token is not valid or does not exist'])
      }
    }
    // And it is still a working token: nothing above spent or revoked it.
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
  })

  it('refuses a malformed wrap TTL and leaves a 204 write unwrapped', async () => {
    const bad = await t.call('GET', 'secret/data/app', { headers: { 'x-vault-wrap-ttl': 'soon' } })
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0], /invalid wrap TTL/)
    const del = await t.call('DELETE', 'secret/metadata/nothing', { headers: { 'x-vault-wrap-ttl': '60' } })
    assert.equal(del.status, 204)
  })

  it('answers every hostile X-Vault-Wrap-TTL with a 400 naming it, and "0" as no wrapping', async () => {
    for (const ttl of ['-5', '1e309', '10x', '99999999999999999999', '1.5', 'NaN', 'Infinity', '60, 60']) {
      const res = await t.call('GET', 'secret/data/app', { headers: { 'x-vault-wrap-ttl': ttl } })
      assert.equal(res.status, 400, `${ttl}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, [`invalid wrap TTL "${ttl}"`])
    }
    // "-0" is zero to Vault's ParseDurationSecond (strconv.ParseInt), not negative: no wrapping, as "0".
    for (const ttl of ['0', '-0']) {
      const zero = await t.call('GET', 'secret/data/app', { headers: { 'x-vault-wrap-ttl': ttl } })
      assert.equal(zero.status, 200, ttl)
      assert.equal(zero.body.wrap_info, null)
      assert.equal(zero.body.data.data.password, 'wrapped-secret-value')
    }
    // The header sent twice (two lines on the wire) is refused too, rather than one of them being picked.
    const { hostname, port } = new URL(t.address)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () =>
        socket.end(
          `GET /v1/secret/data/app HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
            'X-Vault-Wrap-TTL: 60\r\nX-Vault-Wrap-TTL: 3600\r\nConnection: close\r\n\r\n',
        ),
      )
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
      socket.on('error', reject)
    })
    assert.match(raw, /^HTTP\/1\.1 400 /)
    assert.ok(raw.includes('invalid wrap TTL'), raw)
  })

  it('audits the wrapped response with its token HMACed, never in clear', async () => {
    const body = await wrapped('GET', 'secret/data/app', '60')
    const token = body.wrap_info.token as string
    const log = readFileSync(auditLog, 'utf8')
    assert.ok(!log.includes(token), 'the wrapping token never appears in clear')
    const entries = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const entry = entries.findLast((e) => e.type === 'response' && e.response?.wrap_info)
    assert.match(entry.response.wrap_info.token, /^hmac-sha256:/)
    assert.equal(entry.response.wrap_info.creation_path, 'secret/data/app')
  })

  it('the CLI wraps with -wrap-ttl and unwraps with coffer unwrap', async () => {
    const env = { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }
    const read = await run(['read', '-wrap-ttl=2m', '-field=wrapping_token', 'secret/data/app'], { env })
    assert.equal(read.code, 0, read.stderr)
    const token = read.stdout.trim()
    assert.match(token, /^cvs\./)
    const out = await run(['unwrap', '-format=json', token], { env })
    assert.equal(out.code, 0, out.stderr)
    assert.equal(JSON.parse(out.stdout).data.data.password, 'wrapped-secret-value')
    const again = await run(['unwrap', token], { env })
    assert.equal(again.code, 2)
  })

  it('hvac unwraps a wrapped response', { timeout: 60_000 }, async (ctx) => {
    if (await skipUnless(ctx, HVAC)) return
    const script = `
import hvac, json, os
c = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['WRAP_TOKEN'])
print(json.dumps(c.sys.unwrap()['data']))
`
    const body = await wrapped('GET', 'secret/data/app', '60')
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/usr/bin/python3',
        ['-c', script],
        { env: { ...process.env, VAULT_ADDR: t.address, WRAP_TOKEN: body.wrap_info.token }, timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      )
    })
    assert.equal(result.code, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).data.password, 'wrapped-secret-value')
  })
})

describe('response wrapping: creation_time', () => {
  it("gives the wrapping token's creation time to the sub-second, in Go's RFC3339Nano, in wrap_info and lookup alike", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0, 510))
    const t = await startDevServer({ clock, storage: 'inmem' })
    try {
      const wrapped = await t.call('POST', 'sys/wrapping/wrap', {
        body: { a: 1 },
        headers: { 'x-vault-wrap-ttl': '60' },
      })
      assert.equal(wrapped.body.wrap_info.creation_time, '2026-11-22T12:00:00.51Z')
      clock.advance(5)
      const looked = await t.call('POST', 'sys/wrapping/lookup', {
        body: { token: wrapped.body.wrap_info.token },
      })
      assert.equal(looked.body.data.creation_time, '2026-11-22T12:00:00.51Z')
      clock.advance(0.49)
      const whole = await t.call('POST', 'sys/wrapping/wrap', {
        body: { a: 1 },
        headers: { 'x-vault-wrap-ttl': '60' },
      })
      assert.equal(whole.body.wrap_info.creation_time, '2026-11-22T12:00:06Z')
    } finally {
      await t.close()
    }
  })
})
