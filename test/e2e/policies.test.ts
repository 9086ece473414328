// ACL enforcement through the HTTP API: allowed and denied operations, sudo, filtered LIST, capabilities endpoints.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const TEAM_A = `
path "secret/data/team-a/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/" { capabilities = ["list"] }
path "secret/metadata/team-a/*" { capabilities = ["list", "read"] }
path "secret/data/team-a/locked" { capabilities = ["deny"] }
`

describe('policies over HTTP', () => {
  let t: TestServer
  let token = ''
  before(async () => {
    t = await startDevServer()
    for (const path of ['team-a/db', 'team-a/api', 'team-a/locked', 'team-b/db', 'shared']) {
      await t.call('POST', `secret/data/${path}`, { body: { data: { v: path } } })
    }
    assert.equal((await t.call('PUT', 'sys/policies/acl/team-a', { body: { policy: TEAM_A } })).status, 204)
    token = (await t.call('POST', 'auth/token/create', { body: { policies: ['team-a'] } })).body.auth
      .client_token
  })
  after(() => t.close())

  it('allows what the policy grants and denies everything else with exactly "permission denied"', async () => {
    assert.equal((await t.call('GET', 'secret/data/team-a/db', { token })).status, 200)
    assert.equal(
      (await t.call('POST', 'secret/data/team-a/new', { token, body: { data: { x: '1' } } })).status,
      200,
    )
    const denied = await t.call('GET', 'secret/data/team-b/db', { token })
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.body, { errors: ['permission denied'] })
    assert.equal((await t.call('GET', 'secret/data/team-a/locked', { token })).status, 403)
    assert.equal((await t.call('DELETE', 'secret/data/team-a/db', { token })).status, 403)
    assert.equal((await t.call('GET', 'sys/mounts', { token })).status, 403)
    assert.equal((await t.call('GET', 'secret/data/team-a/db', { token: 'cvs.invalid' })).status, 403)
    assert.equal((await t.call('GET', 'secret/data/team-a/db', { token: '' })).status, 403)
  })

  it('accepts the token as a Bearer authorization header', async () => {
    const res = await t.call('GET', 'secret/data/team-a/db', {
      token: '',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.status, 200)
  })

  it('filters LIST results to keys the caller can reach', async () => {
    const root = await t.call('GET', 'secret/metadata/?list=true')
    assert.deepEqual(root.body.data.keys, ['shared', 'team-a/', 'team-b/'])
    const filtered = await t.call('GET', 'secret/metadata/?list=true', { token })
    assert.deepEqual(filtered.body.data.keys, ['team-a/'])
    const inside = await t.call('GET', 'secret/metadata/team-a/?list=true', { token })
    assert.deepEqual(inside.body.data.keys, ['api', 'db', 'locked', 'new'])
  })

  it('answers capabilities-self, capabilities and capabilities-accessor', async () => {
    const self = await t.call('POST', 'sys/capabilities-self', {
      token,
      body: { paths: ['secret/data/team-a/x'] },
    })
    assert.deepEqual(self.body.data['secret/data/team-a/x'], ['create', 'read', 'update'])
    assert.deepEqual(self.body.capabilities, ['create', 'read', 'update'])
    const many = await t.call('POST', 'sys/capabilities', {
      body: { token, paths: ['secret/data/team-b/x', 'secret/data/team-a/locked'] },
    })
    assert.deepEqual(many.body.data['secret/data/team-b/x'], ['deny'])
    assert.deepEqual(many.body.data['secret/data/team-a/locked'], ['deny'])
    assert.equal(many.body.data.capabilities, undefined)
    const rootCaps = await t.call('POST', 'sys/capabilities-self', { body: { path: 'anything' } })
    assert.deepEqual(rootCaps.body.capabilities, ['root'])
  })

  it('supports the legacy sys/policy endpoints and refuses to change root or delete default', async () => {
    const legacy = await t.call('GET', 'sys/policy/team-a')
    assert.equal(legacy.body.rules, TEAM_A)
    assert.equal(legacy.body.data.name, 'team-a')
    const list = await t.call('GET', 'sys/policy')
    assert.ok(list.body.policies.includes('team-a'))
    assert.ok(list.body.keys.includes('root'))
    // `rules` works on the legacy route, with Vault's deprecation warning (so 200, not 204).
    const written = await t.call('PUT', 'sys/policy/legacy', {
      body: { rules: 'path "x/*" { policy = "read" }' },
    })
    assert.equal(written.status, 200)
    assert.deepEqual(written.body.warnings, ["'rules' is deprecated, please use 'policy' instead"])
    assert.deepEqual(
      (await t.call('GET', 'sys/policies/acl/legacy')).body.data.policy,
      'path "x/*" { policy = "read" }',
    )
    assert.equal(
      (
        await t.call('PUT', 'sys/policies/acl/root', {
          body: { policy: 'path "a" { capabilities = ["read"] }' },
        })
      ).status,
      400,
    )
    assert.equal((await t.call('DELETE', 'sys/policies/acl/default')).status, 400)
    const bad = await t.call('PUT', 'sys/policies/acl/broken', {
      body: { policy: 'path "a" { capabilities = ["reed"] }' },
    })
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0], /reed/)
    const listed = await t.call('LIST', 'sys/policies/acl').catch(() => undefined)
    const keys =
      listed?.status === 200
        ? listed.body.data.keys
        : (await t.call('GET', 'sys/policies/acl?list=true')).body.data.keys
    assert.deepEqual(keys, ['default', 'legacy', 'root', 'team-a'])
    assert.equal((await t.call('DELETE', 'sys/policies/acl/legacy')).status, 204)
    assert.equal((await t.call('GET', 'sys/policies/acl/legacy')).status, 404)
  })

  it('refuses to write a name no policy can have, but reads it as 404 and deletes it as a no-op, as Vault does', async () => {
    // hvac's token tests clean up with sys.delete_policy(["testpolicy"]), i.e. DELETE sys/policy/['testpolicy'].
    const odd = encodeURIComponent("['testpolicy']")
    const written = await t.call('PUT', `sys/policy/${odd}`, {
      body: { rules: 'path "x/*" { policy = "read" }' },
    })
    assert.equal(written.status, 400)
    assert.deepEqual(written.body, { errors: [`invalid policy name "['testpolicy']"`] })
    for (const path of [`sys/policy/${odd}`, `sys/policies/acl/${odd}`, 'sys/policies/acl/a..b']) {
      assert.equal((await t.call('DELETE', path)).status, 204, path)
      assert.equal((await t.call('GET', path)).status, 404, path)
    }
    const keys = (await t.call('GET', 'sys/policies/acl?list=true')).body.data.keys
    assert.deepEqual(keys, ['default', 'root', 'team-a'])
  })

  it('takes effect immediately when a policy changes', async () => {
    const policy = 'path "secret/data/shared" { capabilities = ["read"] }'
    await t.call('PUT', 'sys/policies/acl/team-a', { body: { policy } })
    assert.equal((await t.call('GET', 'secret/data/shared', { token })).status, 200)
    assert.equal((await t.call('GET', 'secret/data/team-a/db', { token })).status, 403)
    await t.call('PUT', 'sys/policies/acl/team-a', { body: { policy: TEAM_A } })
  })

  it('lets sys/internal/ui/mounts answer only for mounts the caller can reach', async () => {
    const ok = await t.call('GET', 'sys/internal/ui/mounts/secret/team-a/db', { token })
    assert.equal(ok.status, 200)
    assert.equal(ok.body.data.path, 'secret/')
    assert.equal(ok.body.data.type, 'kv')
    assert.deepEqual(ok.body.data.options, { version: '2' })
    await t.call('POST', 'sys/mounts/other', { body: { type: 'kv' } })
    assert.equal((await t.call('GET', 'sys/internal/ui/mounts/other/x', { token })).status, 403)
  })

  it('reads a comma-separated string as the list it stands for when checking denied and allowed parameters', async () => {
    const policy = `path "auth/token/roles/*" {
  capabilities = ["create", "update"]
  denied_parameters = { "allowed_policies" = ["admin"] }
}`
    await t.call('PUT', 'sys/policies/acl/role-writer', { body: { policy } })
    const writer = (await t.call('POST', 'auth/token/create', { body: { policies: ['role-writer'] } })).body
      .auth.client_token
    const write = (allowed: unknown) =>
      t.call('POST', 'auth/token/roles/comma', { token: writer, body: { allowed_policies: allowed } })
    assert.equal((await write('default,admin')).status, 403)
    assert.equal((await write('default, admin')).status, 403)
    assert.equal((await write(['default', 'admin'])).status, 403)
    assert.equal((await write('default,dev')).status, 204)
    const role = await t.call('GET', 'auth/token/roles/comma')
    assert.deepEqual(role.body.data.allowed_policies, ['default', 'dev'])
  })

  it('hides a mount from sys/internal/ui/mounts when the merged rules under it deny, as Vault merges them', async () => {
    await t.call('POST', 'sys/mounts/merged', { body: { type: 'kv' } })
    const grant = 'path "merged/app" { capabilities = ["read"] }'
    const deny = 'path "merged/app" { capabilities = ["deny"] }'
    await t.call('PUT', 'sys/policies/acl/merged-grant', { body: { policy: grant } })
    await t.call('PUT', 'sys/policies/acl/merged-deny', { body: { policy: deny } })
    const tokenFor = async (policies: string[]) =>
      (await t.call('POST', 'auth/token/create', { body: { policies } })).body.auth.client_token as string
    const granted = await tokenFor(['merged-grant'])
    assert.equal((await t.call('GET', 'sys/internal/ui/mounts/merged/app', { token: granted })).status, 200)
    const both = await tokenFor(['merged-grant', 'merged-deny'])
    assert.equal((await t.call('GET', 'merged/app', { token: both })).status, 403)
    assert.equal((await t.call('GET', 'sys/internal/ui/mounts/merged/app', { token: both })).status, 403)
    const listing = await t.call('GET', 'sys/internal/ui/mounts', { token: both })
    assert.equal(Object.hasOwn(listing.body.data.secret, 'merged/'), false)
  })
})
