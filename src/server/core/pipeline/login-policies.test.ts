// A login never mints a root token or one holding a server-only policy, whether the auth method or the entity names it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../../../../test/helpers/server.ts'

describe('policies a login may not carry', () => {
  let t: TestServer
  const login = (user: string) =>
    t.call('POST', `auth/userpass/login/${user}`, { token: '', body: { password: `pw-${user}-123` } })
  const addUser = (user: string, policies: string[]) =>
    t.call('POST', `auth/userpass/users/${user}`, {
      body: { password: `pw-${user}-123`, token_policies: policies },
    })

  before(async () => {
    t = await startDevServer({ storage: 'inmem' })
    await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await t.call('PUT', 'sys/policies/acl/app', {
      body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
    })
  })
  after(() => t.close())

  it('refuses a login whose role or user names the root policy', async () => {
    assert.equal((await addUser('bob', ['root'])).status, 204)
    const res = await login('bob')
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.deepEqual(res.body.errors, ['auth methods cannot create root tokens'])
  })

  it('refuses a login whose user names the response-wrapping policy', async () => {
    await addUser('eve', ['response-wrapping'])
    const res = await login('eve')
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.deepEqual(res.body.errors, ['cannot assign policy "response-wrapping"'])
  })

  it('an entity given the root policy neither makes its tokens root nor logs in', async () => {
    await addUser('carl', ['app'])
    const first = await login('carl')
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const { client_token: token, entity_id: entityId } = first.body.auth
    assert.equal((await t.call('GET', 'sys/policies/acl', { token })).status, 403)
    const granted = await t.call('POST', `identity/entity/id/${entityId}`, { body: { policies: ['root'] } })
    assert.equal(granted.status, 204, JSON.stringify(granted.body))
    // The token already issued keeps its own powers and gains no root from its entity.
    assert.equal((await t.call('GET', 'sys/policies/acl', { token })).status, 403)
    const again = await login('carl')
    assert.equal(again.status, 400, JSON.stringify(again.body))
    assert.deepEqual(again.body.errors, ['auth methods cannot create root tokens'])
  })
})
