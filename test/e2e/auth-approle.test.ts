// approle over HTTP: role, secret IDs, login, the token's bound CIDRs, refusals and the audit record of a failure.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('approle auth method', () => {
  let t: TestServer
  let roleId = ''
  const auditFile = join(mkdtempSync(join(tmpdir(), 'coffer-approle-')), 'audit.log')
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    // These tests fail logins on purpose; lockout (on by default, per role ID) is tested in the unit tests.
    await t.call('POST', 'sys/auth/approle/tune', {
      body: { user_lockout_config: { lockout_disable: true } },
    })
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'secret/data/app', { body: { data: { k: 'v' } } })
    const role = await t.call('POST', 'auth/approle/role/ci', {
      body: { token_policies: ['reader'], token_ttl: '20m', secret_id_ttl: '1h' },
    })
    assert.equal(role.status, 204)
    roleId = (await t.call('GET', 'auth/approle/role/ci/role-id')).body.data.role_id
  })
  after(() => t.close())

  const newSecretId = async (body: Record<string, unknown> = {}) => {
    const res = await t.call('POST', 'auth/approle/role/ci/secret-id', { body })
    assert.equal(res.status, 200)
    return res.body.data as { secret_id: string; secret_id_accessor: string }
  }
  const login = (secret_id: string, role_id = roleId) =>
    t.call('POST', 'auth/approle/login', { token: '', body: { role_id, secret_id } })

  it('logs in; the token reads what the role policies allow', async () => {
    const { secret_id } = await newSecretId({ metadata: '{"env":"prod"}' })
    const res = await login(secret_id)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.auth.policies, ['default', 'reader'])
    assert.deepEqual(res.body.auth.metadata, { env: 'prod', role_name: 'ci' })
    assert.equal(res.body.auth.lease_duration, 1200)
    assert.equal((await t.call('GET', 'secret/data/app', { token: res.body.auth.client_token })).status, 200)
  })

  it('refuses unknown role, wrong secret ID and a reused single-use secret ID with one 400 message', async () => {
    const { secret_id } = await newSecretId({ num_uses: 1 })
    const unknown = await login(secret_id, 'not-a-role-id')
    assert.equal(unknown.status, 400)
    assert.deepEqual(unknown.body, { errors: ['invalid role or secret ID'] })
    assert.deepEqual((await login('wrong-secret-id')).body, unknown.body)
    assert.equal((await login(secret_id)).status, 200)
    const reused = await login(secret_id)
    assert.equal(reused.status, 400)
    assert.deepEqual(reused.body, unknown.body)
  })

  it('lets only one of many concurrent logins spend a single-use secret ID', async () => {
    const { secret_id } = await newSecretId({ num_uses: 1 })
    const results = await Promise.all(Array.from({ length: 8 }, () => login(secret_id)))
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400])
  })

  it('binds the token to the secret ID’s token_bound_cidrs: refused from elsewhere with a 403', async () => {
    const bound = await newSecretId({ token_bound_cidrs: '10.0.0.0/8' })
    const res = await login(bound.secret_id)
    assert.equal(res.status, 200)
    const use = await t.call('GET', 'secret/data/app', { token: res.body.auth.client_token })
    assert.equal(use.status, 403)
    const local = await newSecretId({ token_bound_cidrs: '127.0.0.1/32' })
    const ok = await login(local.secret_id)
    assert.equal((await t.call('GET', 'secret/data/app', { token: ok.body.auth.client_token })).status, 200)
  })

  it('refuses a login from outside the secret ID’s cidr_list with a 403', async () => {
    const { secret_id } = await newSecretId({ cidr_list: '10.0.0.0/8' })
    const res = await login(secret_id)
    assert.equal(res.status, 403)
    assert.match(res.body.errors[0], /cidr_list/)
  })

  it('lists accessors and looks a secret ID up without revealing it', async () => {
    const { secret_id, secret_id_accessor } = await newSecretId()
    const list = await t.call('LIST', 'auth/approle/role/ci/secret-id')
    assert.ok(list.body.data.keys.includes(secret_id_accessor))
    const lookup = await t.call('POST', 'auth/approle/role/ci/secret-id/lookup', { body: { secret_id } })
    assert.equal(lookup.body.data.secret_id_accessor, secret_id_accessor)
    assert.equal(lookup.body.data.secret_id_ttl, 3600)
    assert.ok(!JSON.stringify(lookup.body).includes(secret_id))
    const destroyed = await t.call('POST', 'auth/approle/role/ci/secret-id-accessor/destroy', {
      body: { secret_id_accessor },
    })
    assert.equal(destroyed.status, 204)
    assert.equal((await login(secret_id)).status, 400)
  })

  it('audits a failed login without the secret ID in clear', async () => {
    await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: auditFile } } })
    const res = await login('wrong-secret-id-abcdef')
    assert.equal(res.status, 400)
    const text = readFileSync(auditFile, 'utf8')
    assert.ok(!text.includes('wrong-secret-id-abcdef'))
    assert.ok(!text.includes(roleId), 'the role ID is HMAC’d too')
    const entry = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((e) => e.type === 'response' && e.request?.path === 'auth/approle/login')
    assert.equal(entry?.error, 'invalid role or secret ID')
  })
  it('reads, sets and resets one role setting at a time on the per-field paths', async () => {
    await t.call('POST', 'auth/approle/role/fields', {
      body: { token_policies: ['reader'], token_ttl: '20m' },
    })
    const read = async (field: string) => (await t.call('GET', `auth/approle/role/fields/${field}`)).body
    assert.deepEqual((await read('policies')).data, { token_policies: ['reader'], policies: ['reader'] })
    assert.deepEqual((await read('token-ttl')).data, { token_ttl: 1200 })
    assert.deepEqual((await read('bind-secret-id')).data, { bind_secret_id: true })
    assert.deepEqual((await read('local-secret-ids')).data, { local_secret_ids: false })

    const set = (field: string, body: Record<string, unknown>) =>
      t.call('POST', `auth/approle/role/fields/${field}`, { body })
    assert.equal((await set('policies', { policies: 'a,b' })).status, 204)
    assert.equal((await set('secret-id-ttl', { secret_id_ttl: '2h' })).status, 204)
    assert.equal((await set('secret-id-num-uses', { secret_id_num_uses: 3 })).status, 204)
    assert.equal((await set('token-bound-cidrs', { token_bound_cidrs: ['10.0.0.0/8'] })).status, 204)
    assert.equal((await set('period', { period: '1h' })).status, 204)
    const role = (await t.call('GET', 'auth/approle/role/fields')).body.data
    assert.deepEqual(role.token_policies, ['a', 'b'])
    assert.equal(role.secret_id_ttl, 7200)
    assert.equal(role.secret_id_num_uses, 3)
    assert.deepEqual(role.token_bound_cidrs, ['10.0.0.0/8'])
    assert.equal(role.token_period, 3600)
    assert.equal(role.token_ttl, 1200, 'other settings are untouched')

    assert.equal((await t.call('DELETE', 'auth/approle/role/fields/policies')).status, 204)
    assert.equal((await t.call('DELETE', 'auth/approle/role/fields/secret-id-ttl')).status, 204)
    const reset = (await t.call('GET', 'auth/approle/role/fields')).body.data
    assert.deepEqual(reset.token_policies, [])
    assert.equal(reset.secret_id_ttl, 0)
    assert.equal(reset.secret_id_num_uses, 3)

    // Bad input is refused with the role's own validation, and nothing is written.
    const badCidr = await set('token-bound-cidrs', { token_bound_cidrs: ['not-a-cidr'] })
    assert.equal(badCidr.status, 400)
    assert.deepEqual((await read('token-bound-cidrs')).data.token_bound_cidrs, ['10.0.0.0/8'])
    assert.equal((await set('token-ttl', {})).status, 400)
    assert.equal((await set('local-secret-ids', { local_secret_ids: true })).status, 405)
    assert.equal((await set('policies', { policies: 'x' })).status, 204)
    const missing = await t.call('POST', 'auth/approle/role/nope/policies', { body: { policies: 'x' } })
    assert.equal(missing.status, 400)
    assert.match(missing.body.errors[0], /does not exist/)
    assert.equal((await t.call('GET', 'auth/approle/role/nope/policies')).status, 404)
  })
})
