// `?help=1` over HTTP: Vault's bare {help, openapi, see_also} body, its token rules, its 404s, and no secrets in it.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('?help=1', () => {
  let t: TestServer
  let user: string
  const dir = mkdtempSync(join(tmpdir(), 'coffer-help-'))
  before(async () => {
    t = await startDevServer()
    await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await t.call('POST', 'auth/userpass/users/alice', { body: { password: 'alice-pw-3f9a1c' } })
    await t.call('POST', 'secret/data/app', { body: { data: { api_key: 'kv-value-77d1e0b4' } } })
    // A token with only the default policy: no capability at all on the paths asked about below.
    user = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })).body.auth
      .client_token
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("answers 200 with Vault's bare body: help text, the path's OpenAPI document and see_also null", async () => {
    const res = await t.call('GET', 'secret/data/app?help=1')
    assert.equal(res.status, 200)
    assert.deepEqual(Object.keys(res.body).sort(), ['help', 'openapi', 'see_also'])
    assert.equal(res.body.see_also, null)
    assert.match(res.body.help, /^Request: {8}secret\/data\/app\nMatching Route: data\/\*path\n/)
    assert.match(res.body.help, /## PARAMETERS/)
    assert.equal(res.body.openapi.openapi, '3.0.2')
    // Paths relative to the mount and operationIds without a prefix, as Vault's per-path help has them.
    assert.deepEqual(Object.keys(res.body.openapi.paths), ['/data/{path}'])
    assert.equal(res.body.openapi.paths['/data/{path}'].post.operationId, 'write-data-path')
  })

  it('describes a whole backend at the mount root, and any non-empty help value asks for help', async () => {
    const res = await t.call('GET', 'auth/userpass/?help=true')
    assert.equal(res.status, 200)
    assert.match(res.body.help, /^## DESCRIPTION\n/)
    assert.match(res.body.help, / {4}login\/:username\n/)
    assert.ok(res.body.openapi.paths['/login/{username}'])
    assert.ok(res.body.openapi.paths['/users/'])
    // Vault checks only that the parameter is non-empty.
    assert.equal((await t.call('GET', 'sys/mounts?help=0')).body.see_also, null)
  })

  it('lets any valid token read help, sudo paths included, and wants no token on unauthenticated paths', async () => {
    assert.equal((await t.call('GET', 'sys/audit?help=1', { token: user })).status, 200)
    assert.equal((await t.call('GET', 'auth/userpass/users/alice?help=1', { token: user })).status, 200)
    assert.equal((await t.call('GET', 'sys/mounts?help=1', { token: '' })).status, 403)
    assert.equal((await t.call('GET', 'sys/mounts?help=1', { token: 'not-a-token' })).status, 403)
    const login = await t.call('GET', 'auth/userpass/login/alice?help=1', { token: '' })
    assert.equal(login.status, 200)
    assert.equal(login.body.openapi.paths['/login/{username}']['x-vault-unauthenticated'], true)
  })

  it('answers 404 for a path no backend declares and for a path under no mount', async () => {
    const missing = await t.call('GET', 'sys/no-such-thing?help=1')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.body, { errors: ['unsupported path'] })
    const nowhere = await t.call('GET', 'nowhere/x?help=1')
    assert.equal(nowhere.status, 404)
    assert.match(nowhere.body.errors[0], /no handler for route "nowhere\/x"/)
  })

  it('marks sensitive fields and never shows a stored value', async () => {
    const users = await t.call('GET', 'auth/userpass/users/alice?help=1')
    assert.match(users.body.help, / {4}password \(string, sensitive\)\n/)
    const text = JSON.stringify([users.body, (await t.call('GET', 'secret/data/app?help=1')).body])
    for (const secret of ['alice-pw-3f9a1c', 'kv-value-77d1e0b4', t.rootToken, user])
      assert.ok(!text.includes(secret))
  })

  it('spends a use of a limited token, and is audited as operation help', async () => {
    const once = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'], num_uses: 1 } }))
      .body.auth.client_token
    assert.equal((await t.call('GET', 'sys/mounts?help=1', { token: once })).status, 200)
    assert.equal((await t.call('GET', 'sys/mounts?help=1', { token: once })).status, 403)

    const file = join(dir, 'audit.log')
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: file } } }))
        .status,
      204,
    )
    assert.equal((await t.call('GET', 'sys/policy?help=1')).status, 200)
    const entries = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.request?.path === 'sys/policy')
    assert.deepEqual(
      entries.map((entry) => [entry.type, entry.request.operation]),
      [
        ['request', 'help'],
        ['response', 'help'],
      ],
    )
    assert.equal((await t.call('DELETE', 'sys/audit/file')).status, 204)
  })
})
