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

  // Vault (identity_store_entities.go, identity_store_groups.go): "policies cannot contain root", compared after
  // lower-casing since HCSEC-2025-13, so no spelling of root reaches an entity or a group.
  it('an entity or group cannot be given the root policy, in any spelling; its tokens stay as they were', async () => {
    await addUser('carl', ['app'])
    const first = await login('carl')
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const { client_token: token, entity_id: entityId } = first.body.auth
    for (const policies of [['root'], [' Root '], ['app', 'ROOT']]) {
      const entity = await t.call('POST', `identity/entity/id/${entityId}`, { body: { policies } })
      assert.equal(entity.status, 400, JSON.stringify(entity.body))
      assert.deepEqual(entity.body.errors, ['policies cannot contain root'])
      const group = await t.call('POST', 'identity/group', {
        body: { name: 'admins', policies, member_entity_ids: [entityId] },
      })
      assert.equal(group.status, 400, JSON.stringify(group.body))
      assert.deepEqual(group.body.errors, ['policies cannot contain root'])
    }
    assert.deepEqual((await t.call('GET', `identity/entity/id/${entityId}`)).body.data.policies, [])
    assert.equal((await t.call('GET', 'identity/group/name/admins')).status, 404)
    assert.equal((await t.call('GET', 'sys/policies/acl', { token })).status, 403)
    const again = await login('carl')
    assert.equal(again.status, 200, JSON.stringify(again.body))
  })
})
