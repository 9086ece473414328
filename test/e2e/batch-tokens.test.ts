// Batch tokens over HTTP: issued by token create and by logins, used like service tokens, never stored, renewed or revoked.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

describe('batch tokens', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: {
        policy:
          'path "secret/data/app/*" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }',
      },
    })
    await t.call('POST', 'secret/data/app/db', { body: { data: { password: 'pw' } } })
  })
  after(() => t.close())

  const create = (body: Record<string, unknown>, token?: string) =>
    t.call('POST', 'auth/token/create', { body, ...(token ? { token } : {}) })

  it('issues a batch token that reads like a service token and stores nothing', async () => {
    const before = (await t.server.core.barrier.list('sys/token/id/')).length
    const res = await create({ type: 'batch', policies: ['reader'], ttl: '10m', meta: { app: 'ci' } })
    assert.equal(res.status, 200)
    const auth = res.body.auth
    assert.match(auth.client_token, /^cvb\.[A-Za-z0-9_-]+$/)
    assert.equal(auth.token_type, 'batch')
    assert.equal(auth.accessor, '')
    assert.equal(auth.renewable, false)
    assert.equal(auth.lease_duration, 600)
    assert.equal(
      (await t.server.core.barrier.list('sys/token/id/')).length,
      before,
      'no token row was written',
    )

    const read = await t.call('GET', 'secret/data/app/db', { token: auth.client_token })
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data.data, { password: 'pw' })
    assert.equal((await t.call('GET', 'secret/data/other', { token: auth.client_token })).status, 403)
    const self = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
    assert.equal(self.body.data.type, 'batch')
    assert.deepEqual(self.body.data.meta, { app: 'ci' })
    assert.deepEqual(self.body.data.policies, ['default', 'reader'])
  })

  it('refuses renewal, revocation, children, cubbyhole, use limits and periods', async () => {
    const token = (await create({ type: 'batch', policies: ['reader'], ttl: '10m' })).body.auth.client_token
    for (const [path, body] of [
      ['auth/token/renew-self', {}],
      ['auth/token/revoke-self', {}],
    ] as const) {
      const res = await t.call('POST', path, { token, body })
      assert.equal(res.status, 400, path)
      assert.match(res.body.errors[0], /batch tokens cannot be/)
    }
    const revoke = await t.call('POST', 'auth/token/revoke', { body: { token } })
    assert.equal(revoke.status, 400)
    const child = await create({ policies: ['reader'] }, token)
    assert.equal(child.status, 400)
    assert.match(child.body.errors[0], /cannot create more tokens/)
    const cubby = await t.call('POST', 'cubbyhole/x', { token, body: { a: 'b' } })
    assert.equal(cubby.status, 400)
    for (const body of [{ num_uses: 2 }, { period: '1h' }, { type: 'odd' }]) {
      const res = await create({ type: 'batch', policies: ['reader'], ...body })
      assert.equal(res.status, 400, JSON.stringify(body))
    }
    // A chosen id is ignored with a warning, as Vault ignores it: the token is still a sealed batch token.
    const chosen = await create({ type: 'batch', policies: ['reader'], id: 'cvb.chosen' })
    assert.equal(chosen.status, 200)
    assert.notEqual(chosen.body.auth.client_token, 'cvb.chosen')
    assert.equal(chosen.body.warnings.length, 1)
    // Still usable after all those refusals.
    assert.equal((await t.call('GET', 'secret/data/app/db', { token })).status, 200)
  })

  it('rejects an altered or foreign batch token, stops at its TTL and with its parent', async () => {
    const token = (await create({ type: 'batch', policies: ['reader'], ttl: '10m' })).body.auth.client_token
    const body = token.slice(4)
    const flipped = `cvb.${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`
    for (const bad of [flipped, 'cvb.', 'cvb.not-base64!', `cvb.${'A'.repeat(9000)}`])
      assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: bad })).status, 403)

    const parent = (await create({ policies: ['reader'], ttl: '1h' })).body.auth.client_token
    const child = (await create({ type: 'batch', policies: ['reader'], ttl: '10m' }, parent)).body.auth
    assert.equal(child.orphan, false)
    assert.equal((await t.call('GET', 'secret/data/app/db', { token: child.client_token })).status, 200)
    assert.equal((await t.call('POST', 'auth/token/revoke-self', { token: parent })).status, 204)
    assert.equal((await t.call('GET', 'secret/data/app/db', { token: child.client_token })).status, 403)

    clock.advance(601)
    assert.equal((await t.call('GET', 'secret/data/app/db', { token })).status, 403)
  })

  it('is what a login gives when the role says token_type=batch', async () => {
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await t.call('POST', 'auth/approle/role/ci', { body: { token_policies: 'reader', token_type: 'batch' } })
    assert.equal((await t.call('GET', 'auth/approle/role/ci')).body.data.token_type, 'batch')
    const roleId = (await t.call('GET', 'auth/approle/role/ci/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/ci/secret-id')).body.data.secret_id
    const before = (await t.server.core.barrier.list('sys/token/id/')).length
    const login = await t.call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(login.status, 200)
    assert.equal(login.body.auth.token_type, 'batch')
    assert.equal(login.body.auth.orphan, true)
    assert.equal((await t.server.core.barrier.list('sys/token/id/')).length, before)
    const read = await t.call('GET', 'secret/data/app/db', { token: login.body.auth.client_token })
    assert.equal(read.status, 200)
  })
  it('follows a token role: fixed service or batch, or a default the request may override', async () => {
    // A role fixed to batch must make orphans that do not renew (Vault's checks), so every role here does.
    const role = (name: string, tokenType: string) =>
      t.call('POST', `auth/token/roles/${name}`, {
        body: { allowed_policies: 'reader', token_type: tokenType, orphan: true, renewable: false },
      })
    assert.equal((await role('fixed-batch', 'batch')).status, 204)
    assert.equal((await role('lean-batch', 'default-batch')).status, 204)
    assert.equal((await role('fixed-service', 'service')).status, 204)
    assert.equal((await role('odd', 'sometimes')).status, 400)
    const made = async (name: string, body: Record<string, unknown> = {}) =>
      t.call('POST', `auth/token/create/${name}`, { body: { policies: ['reader'], ttl: '5m', ...body } })
    assert.equal((await made('fixed-batch')).body.auth.token_type, 'batch')
    assert.equal((await made('lean-batch')).body.auth.token_type, 'batch')
    assert.equal((await made('lean-batch', { type: 'service' })).body.auth.token_type, 'service')
    assert.equal((await made('fixed-service')).body.auth.token_type, 'service')
    // As Vault: the role's fixed type wins over the one asked for, without an error.
    assert.equal((await made('fixed-service', { type: 'batch' })).body.auth.token_type, 'service')
    assert.equal((await made('fixed-batch', { type: 'service' })).body.auth.token_type, 'batch')
    // A role made without token_type lets the request choose, service by default (Vault's default-service).
    assert.equal(
      (await t.call('POST', 'auth/token/roles/plain', { body: { allowed_policies: 'reader' } })).status,
      204,
    )
    assert.equal((await t.call('GET', 'auth/token/roles/plain')).body.data.token_type, 'default-service')
    assert.equal((await made('plain')).body.auth.token_type, 'service')
    assert.equal((await made('plain', { type: 'batch' })).body.auth.token_type, 'batch')
  })
})
