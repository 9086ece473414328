// Response wrapping end to end: X-Vault-Wrap-TTL on any request, sys/wrapping lookup/unwrap/rewrap/wrap, single use.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
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

    const denied = await t.call('GET', 'secret/data/app', { token })
    assert.equal(denied.status, 403, 'a wrapping token grants nothing but unwrapping')

    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token })
    assert.equal(unwrapped.status, 200)
    assert.equal(unwrapped.body.data.data.password, 'wrapped-secret-value')

    const again = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token } })
    assert.equal(again.status, 400)
    assert.match(again.body.errors[0], /wrapping token is not valid or does not exist/)
  })

  it('unwraps with the wrapping token in the body under another token', async () => {
    const body = await wrapped('GET', 'secret/data/app', '60')
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token: body.wrap_info.token } })
    assert.equal(res.status, 200)
    assert.equal(res.body.data.data.password, 'wrapped-secret-value')
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

  it('rewrap issues a new token for the same response; the old one stops working', async () => {
    const body = await wrapped('GET', 'secret/data/app', '120')
    const old = body.wrap_info.token
    const rewrapped = await t.call('PUT', 'sys/wrapping/rewrap', { body: { token: old } })
    assert.equal(rewrapped.status, 200)
    const fresh = rewrapped.body.wrap_info.token
    assert.notEqual(fresh, old)
    assert.equal(rewrapped.body.wrap_info.ttl, 120)
    // Vault validates the wrapping token of sys/wrapping/unwrap before the caller's token: a 400, not a 403.
    assert.equal((await t.call('PUT', 'sys/wrapping/unwrap', { token: old })).status, 400)
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { token: fresh })
    assert.equal(res.body.data.data.password, 'wrapped-secret-value')
  })

  it('sys/wrapping/wrap wraps arbitrary data, with a default TTL when no header is given', async () => {
    const res = await t.call('PUT', 'sys/wrapping/wrap', { body: { hello: 'world' } })
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
    clock.advance(31)
    const res = await t.call('PUT', 'sys/wrapping/unwrap', { body: { token: body.wrap_info.token } })
    assert.equal(res.status, 400)
  })

  it('refuses a malformed wrap TTL and leaves a 204 write unwrapped', async () => {
    const bad = await t.call('GET', 'secret/data/app', { headers: { 'x-vault-wrap-ttl': 'soon' } })
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0], /invalid wrap TTL/)
    const del = await t.call('DELETE', 'secret/metadata/nothing', { headers: { 'x-vault-wrap-ttl': '60' } })
    assert.equal(del.status, 204)
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
