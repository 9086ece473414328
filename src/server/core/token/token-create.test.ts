// Creating tokens through token roles: the policy limits a non-sudo caller meets and the role's token_bound_cidrs.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../../../../test/helpers/server.ts'

describe('token create through a role', () => {
  let t: TestServer
  /** A token that may create tokens through roles but holds no sudo and only the "app" policy. */
  let caller: string

  before(async () => {
    t = await startDevServer({ storage: 'inmem' })
    await t.call('PUT', 'sys/policies/acl/app', {
      body: { policy: 'path "auth/token/create/*" { capabilities = ["update"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/admin', {
      body: { policy: 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }' },
    })
    caller = (await t.call('POST', 'auth/token/create', { body: { policies: ['app'] } })).body.auth
      .client_token
  })
  after(() => t.close())

  it('a role without allowed or disallowed policies keeps a non-sudo caller to a subset of its own', async () => {
    assert.equal((await t.call('POST', 'auth/token/roles/plain', { body: { orphan: false } })).status, 204)
    const escalated = await t.call('POST', 'auth/token/create/plain', {
      token: caller,
      body: { policies: ['admin'] },
    })
    assert.equal(escalated.status, 400, JSON.stringify(escalated.body))
    assert.deepEqual(escalated.body.errors, ['child policies must be subset of parent'])
    const inherited = await t.call('POST', 'auth/token/create/plain', { token: caller, body: {} })
    assert.equal(inherited.status, 200, JSON.stringify(inherited.body))
    assert.deepEqual(inherited.body.auth.policies, ['app', 'default'])
    const subset = await t.call('POST', 'auth/token/create/plain', {
      token: caller,
      body: { policies: ['app'] },
    })
    assert.equal(subset.status, 200, JSON.stringify(subset.body))
    // Root may still grant what it likes through the same role.
    const byRoot = await t.call('POST', 'auth/token/create/plain', { body: { policies: ['admin'] } })
    assert.equal(byRoot.status, 200, JSON.stringify(byRoot.body))
  })

  it("a role's disallowed_policies are refused to a caller that asks for them", async () => {
    await t.call('POST', 'auth/token/roles/deny-admin', { body: { disallowed_policies: ['admin'] } })
    const denied = await t.call('POST', 'auth/token/create/deny-admin', {
      token: caller,
      body: { policies: ['admin'] },
    })
    assert.equal(denied.status, 400)
  })

  it("binds tokens made through a role to the role's token_bound_cidrs", async () => {
    const written = await t.call('POST', 'auth/token/roles/bound', {
      body: { allowed_policies: ['app'], token_bound_cidrs: ['10.1.2.0/24'] },
    })
    assert.equal(written.status, 204, JSON.stringify(written.body))
    assert.deepEqual((await t.call('GET', 'auth/token/roles/bound')).body.data.token_bound_cidrs, [
      '10.1.2.0/24',
    ])
    const made = await t.call('POST', 'auth/token/create/bound', { body: {} })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    // The test client connects from 127.0.0.1, outside the role's block: the token must not work from here.
    const used = await t.call('GET', 'auth/token/lookup-self', { token: made.body.auth.client_token })
    assert.equal(used.status, 403, JSON.stringify(used.body))
    const looked = await t.call('POST', 'auth/token/lookup-accessor', {
      body: { accessor: made.body.auth.accessor },
    })
    assert.deepEqual(looked.body.data.bound_cidrs, ['10.1.2.0/24'])
  })

  it('refuses a malformed token_bound_cidrs on a role', async () => {
    const bad = await t.call('POST', 'auth/token/roles/bad', { body: { token_bound_cidrs: ['10.0.0.0/99'] } })
    assert.equal(bad.status, 400)
  })
})
