// OpenBao's internal/vault/external_tests replayed over HTTP: each `it` checks what the named Go test observes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

/** Logs in through userpass after making the user; returns the login's auth block. */
async function userpassLogin(t: TestServer, user: string, extra: Record<string, unknown> = {}) {
  const made = await t.call('POST', `auth/userpass/users/${user}`, { body: { password: 'pw', ...extra } })
  assert.equal(made.status, 204, JSON.stringify(made.body))
  const login = await t.call('POST', `auth/userpass/login/${user}`, { body: { password: 'pw' } })
  assert.equal(login.status, 200, JSON.stringify(login.body))
  return login.body.auth
}

describe('openbao external_tests: token', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
  })
  after(() => t.close())

  it('TestTokenStore_CreateOrphanResponse: create-orphan answers with auth.orphan true', async () => {
    const res = await t.call('POST', 'auth/token/create-orphan', { body: { policies: ['default'] } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.orphan, true)
  })

  it('TestTokenStore_TokenInvalidEntityID: a token whose entity was deleted no longer works', async () => {
    const auth = await userpassLogin(t, 'gone-entity')
    const lookup = await t.call('POST', 'auth/token/lookup', { body: { token: auth.client_token } })
    const entityId = lookup.body.data.entity_id
    assert.ok(entityId)
    assert.equal((await t.call('DELETE', `identity/entity/id/${entityId}`)).status, 204)
    const self = await t.call('POST', 'auth/token/lookup-self', { token: auth.client_token, body: {} })
    assert.equal(self.status, 403, JSON.stringify(self.body))
  })

  it('TestTokenStore_IdentityPolicies: entity, group and external-group policies show as identity_policies', async () => {
    await t.call('PUT', 'sys/policies/acl/ext-login', {
      body: { policy: 'path "x/*" { capabilities = ["read"] }' },
    })
    const auth = await userpassLogin(t, 'idpol', { policies: 'default' })
    const lookup = async () =>
      (await t.call('POST', 'auth/token/lookup', { body: { token: auth.client_token } })).body.data
    const first = await lookup()
    assert.equal(first.identity_policies, undefined, 'no identity policies yet')
    const entityId = first.entity_id
    const set = await t.call('POST', `identity/entity/id/${entityId}`, {
      body: { policies: ['entity_policy_1', 'entity_policy_2'] },
    })
    assert.ok(set.status === 200 || set.status === 204, JSON.stringify(set.body))
    assert.deepEqual([...(await lookup()).identity_policies].sort(), ['entity_policy_1', 'entity_policy_2'])

    const group = await t.call('POST', 'identity/group', {
      body: { policies: ['group_policy_1', 'group_policy_2'], member_entity_ids: [entityId] },
    })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    assert.deepEqual([...(await lookup()).identity_policies].sort(), [
      'entity_policy_1',
      'entity_policy_2',
      'group_policy_1',
      'group_policy_2',
    ])

    // Userpass logins carry no group aliases, so the external group is tied to the token's own alias
    // name only to show that an external group with no matching alias adds nothing.
    const accessor = (await t.call('GET', 'sys/auth')).body.data['userpass/'].accessor
    const ext = await t.call('POST', 'identity/group', {
      body: { type: 'external', policies: ['external_group_policy_1'] },
    })
    assert.equal(ext.status, 200, JSON.stringify(ext.body))
    const ga = await t.call('POST', 'identity/group-alias', {
      body: { name: 'testgroup1', mount_accessor: accessor, canonical_id: ext.body.data.id },
    })
    assert.equal(ga.status, 200, JSON.stringify(ga.body))
    const renew = await t.call('POST', 'auth/token/renew', {
      body: { token: auth.client_token, increment: 10 },
    })
    assert.equal(renew.status, 200, JSON.stringify(renew.body))
    assert.deepEqual([...(await lookup()).identity_policies].sort(), [
      'entity_policy_1',
      'entity_policy_2',
      'group_policy_1',
      'group_policy_2',
    ])
  })

  it('TestTokenStore_CIDRBlocks: role bound_cidrs bind the token and its children; root tokens without TTL are exempt', async () => {
    await t.call('PUT', 'sys/policies/acl/test', {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    })
    const role = (body: Record<string, unknown>) => t.call('POST', 'auth/token/roles/testrole', { body })
    const createWithRole = (body: Record<string, unknown>) =>
      t.call('POST', 'auth/token/create/testrole', { body })
    const lookupSelf = (token: string) => t.call('GET', 'auth/token/lookup-self', { token })

    assert.equal((await role({ token_bound_cidrs: [] })).status, 204)
    let made = await createWithRole({ policies: ['default'] })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.equal((await lookupSelf(made.body.auth.client_token)).status, 200)

    assert.equal(
      (
        await role({
          token_bound_cidrs: ['127.0.0.1/32', '1.2.3.4/8', '5.6.7.8/24'],
          allowed_policies: 'test',
        })
      ).status,
      204,
    )
    made = await createWithRole({ policies: ['test', 'default'] })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.equal((await lookupSelf(made.body.auth.client_token)).status, 200)
    const child = await t.call('POST', 'auth/token/create', {
      token: made.body.auth.client_token,
      body: { policies: ['default'] },
    })
    assert.equal(child.status, 200, JSON.stringify(child.body))
    const childSelf = await lookupSelf(child.body.auth.client_token)
    assert.equal(childSelf.status, 200)
    assert.deepEqual(childSelf.body.data.bound_cidrs, ['127.0.0.1/32', '1.2.3.4/8', '5.6.7.8/24'])

    // The deprecated name older clients send is taken too.
    assert.equal((await role({ bound_cidrs: ['1.2.3.4/8', '5.6.7.8/24'] })).status, 204)
    assert.deepEqual((await t.call('GET', 'auth/token/roles/testrole')).body.data.token_bound_cidrs, [
      '1.2.3.4/8',
      '5.6.7.8/24',
    ])
    made = await createWithRole({ policies: ['default'] })
    let self = await lookupSelf(made.body.auth.client_token)
    assert.equal(self.status, 403)
    assert.match(self.body.errors[0], /permission denied/)

    assert.equal(
      (await role({ token_bound_cidrs: ['1.2.3.4/8', '5.6.7.8/24'], allowed_policies: '' })).status,
      204,
    )
    made = await createWithRole({})
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.deepEqual(made.body.auth.policies, ['root'])
    assert.equal(
      (await lookupSelf(made.body.auth.client_token)).status,
      200,
      'a root token with no TTL is exempt',
    )

    assert.equal((await role({ token_bound_cidrs: ['1.2.3.4/8', '5.6.7.8/24'], period: 3600 })).status, 204)
    made = await createWithRole({})
    assert.equal(made.status, 200, JSON.stringify(made.body))
    self = await lookupSelf(made.body.auth.client_token)
    assert.equal(self.status, 403, 'a root token with a TTL is bound')
    assert.match(self.body.errors[0], /permission denied/)
  })

  it('TestBatchTokens: the mount token_type and the role token_type decide batch or service at login', async () => {
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    assert.equal(
      (
        await t.call('POST', 'sys/auth/approle/tune', {
          body: { default_lease_ttl: '5s', max_lease_ttl: '5s' },
        })
      ).status,
      204,
    )
    assert.equal((await t.call('POST', 'auth/approle/role/test', { body: { policies: 'test' } })).status, 204)
    const roleId = (await t.call('GET', 'auth/approle/role/test/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/test/secret-id', { body: {} })).body.data
      .secret_id
    const login = async (mountType: string, roleType: string) => {
      const tune = await t.call('POST', 'sys/auth/approle/tune', { body: { token_type: mountType } })
      assert.equal(tune.status, 204, JSON.stringify(tune.body))
      const r = await t.call('POST', 'auth/approle/role/test', { body: { token_type: roleType } })
      assert.equal(r.status, 204, `${mountType}/${roleType}: ${JSON.stringify(r.body)}`)
      const res = await t.call('POST', 'auth/approle/login', {
        token: '',
        body: { role_id: roleId, secret_id: secretId },
      })
      assert.equal(res.status, 200, `${mountType}/${roleType}: ${JSON.stringify(res.body)}`)
      return res.body.auth
    }
    const cases: [string, string, boolean][] = [
      ['service', 'default', false],
      ['service', 'batch', false],
      ['service', 'service', false],
      ['batch', 'default', true],
      ['batch', 'batch', true],
      ['batch', 'service', true],
      ['default-service', 'default', false],
      ['default-service', 'batch', true],
      ['default-service', 'service', false],
      ['default-batch', 'default', true],
      ['default-batch', 'batch', true],
      ['default-batch', 'service', false],
    ]
    for (const [mountType, roleType, batch] of cases) {
      const auth = await login(mountType, roleType)
      assert.equal(auth.token_type, batch ? 'batch' : 'service', `${mountType}/${roleType}`)
    }
  })

  it('TestTokenStore_Roles_Batch: a role’s service or batch type overrides the request; a batch role must be orphan and not renewable', async () => {
    const role = (body: Record<string, unknown>) => t.call('POST', 'auth/token/roles/batchrole', { body })
    const made = async (type?: string) => {
      const res = await t.call('POST', 'auth/token/create/batchrole', {
        body: { policies: ['default'], ...(type ? { type } : {}) },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(
        (await t.call('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token })).status,
        200,
      )
      return res.body.auth.token_type
    }
    assert.equal((await role({ token_type: 'service' })).status, 204)
    assert.equal(await made('batch'), 'service')

    let refused = await role({ token_type: 'batch' })
    assert.equal(refused.status, 400, 'a batch role must make orphans')
    assert.match(refused.body.errors[0], /orphan/)
    refused = await role({ token_type: 'batch', orphan: true })
    assert.equal(refused.status, 400, 'a batch role cannot make renewable tokens')
    assert.match(refused.body.errors[0], /renewable/)
    assert.equal((await role({ token_type: 'batch', orphan: true, renewable: false })).status, 204)
    assert.equal(await made('service'), 'batch')

    assert.equal((await role({ token_type: 'default-service' })).status, 204)
    assert.equal(await made('batch'), 'batch')
    assert.equal(await made('service'), 'service')
    assert.equal(await made(), 'service')

    assert.equal((await role({ token_type: 'default-batch' })).status, 204)
    assert.equal(await made('batch'), 'batch')
    assert.equal(await made('service'), 'service')
    assert.equal(await made(), 'batch')
  })

  it('TestBatchToken_ParentLeaseRevoke: revoking a batch token’s parent ends the batch token and its leases', async () => {
    // OpenBao reads a leased kv test backend; Coffer's leased secrets come from engines such as database.
    const db = await createTestDatabase()
    try {
      await postgresEngine(t.call, db.url, { app: { defaultTtl: '5m' } })
      await t.call('PUT', 'sys/policies/acl/db-read', {
        body: { policy: 'path "database/creds/app" { capabilities = ["read"] }' },
      })
      const root2 = (await t.call('POST', 'auth/token/create', { body: { policies: ['root'] } })).body.auth
        .client_token
      const batch = await t.call('POST', 'auth/token/create', {
        token: root2,
        body: { policies: ['db-read'], type: 'batch' },
      })
      assert.equal(batch.status, 200, JSON.stringify(batch.body))
      const batchToken = batch.body.auth.client_token
      assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: batchToken })).status, 200)
      const creds = await t.call('GET', 'database/creds/app', { token: batchToken })
      assert.equal(creds.status, 200, JSON.stringify(creds.body))
      const leaseId = creds.body.lease_id
      assert.ok(leaseId)
      assert.equal((await t.call('POST', 'sys/leases/lookup', { body: { lease_id: leaseId } })).status, 200)
      assert.equal((await t.call('POST', 'auth/token/revoke-self', { token: root2, body: {} })).status, 204)
      assert.equal((await t.call('POST', 'auth/token/lookup', { body: { token: batchToken } })).status, 403)
      assert.equal((await t.call('POST', 'sys/leases/lookup', { body: { lease_id: leaseId } })).status, 400)
      const left = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [creds.body.data.username])
      assert.equal(left.rowCount, 0, 'the database user went with the lease')
    } finally {
      await t.call('DELETE', 'sys/mounts/database')
      await db.drop()
    }
  })
})
