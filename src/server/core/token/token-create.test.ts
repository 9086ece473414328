// Creating tokens, through token roles or not: the limits a caller meets, what a child inherits, and role-bound renewal.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../../../../test/helpers/server.ts'
import { CUSTOM_ID_WARNING } from './token-create.ts'

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
  it('entity_alias needs a role that lists it, and then names the entity the token acts for', async () => {
    const noRole = await t.call('POST', 'auth/token/create', { body: { entity_alias: 'svc-web' } })
    assert.equal(noRole.status, 400, JSON.stringify(noRole.body))
    assert.deepEqual(noRole.body.errors, ["'entity_alias' is only allowed in combination with token role"])
    const unlisted = await t.call('POST', 'auth/token/create/plain', { body: { entity_alias: 'svc-web' } })
    assert.equal(unlisted.status, 400, JSON.stringify(unlisted.body))
    assert.deepEqual(unlisted.body.errors, ["invalid 'entity_alias' value"])

    await t.call('POST', 'auth/token/roles/services', {
      body: { allowed_policies: ['app'], allowed_entity_aliases: ['SVC-*'] },
    })
    assert.deepEqual((await t.call('GET', 'auth/token/roles/services')).body.data.allowed_entity_aliases, [
      'svc-*',
    ])
    const outside = await t.call('POST', 'auth/token/create/services', { body: { entity_alias: 'admin' } })
    assert.equal(outside.status, 400)
    const first = await t.call('POST', 'auth/token/create/services', { body: { entity_alias: 'Svc-Web' } })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const entityId = first.body.auth.entity_id
    assert.notEqual(entityId, '')
    const again = await t.call('POST', 'auth/token/create/services', { body: { entity_alias: 'svc-web' } })
    assert.equal(again.body.auth.entity_id, entityId, 'the same alias names the same entity')
    const entity = await t.call('GET', `identity/entity/id/${entityId}`)
    const tokenMount = (await t.call('GET', 'sys/auth')).body.data['token/'].accessor
    assert.deepEqual(
      entity.body.data.aliases.map((a: { name: string; mount_accessor: string }) => [
        a.name,
        a.mount_accessor,
      ]),
      [['Svc-Web', tokenMount]],
    )
  })
  it('applies allowed_policies_glob and disallowed_policies_glob', async () => {
    const written = await t.call('POST', 'auth/token/roles/globbed', {
      body: { allowed_policies_glob: ['App-*'], disallowed_policies_glob: ['app-admin*'] },
    })
    assert.equal(written.status, 204, JSON.stringify(written.body))
    const read = (await t.call('GET', 'auth/token/roles/globbed')).body.data
    assert.deepEqual(read.allowed_policies_glob, ['app-*'])
    assert.deepEqual(read.disallowed_policies_glob, ['app-admin*'])
    const create = (policies: string[]) =>
      t.call('POST', 'auth/token/create/globbed', { token: caller, body: { policies } })
    const inside = await create(['app-web'])
    assert.equal(inside.status, 200, JSON.stringify(inside.body))
    assert.deepEqual(inside.body.auth.policies, ['app-web', 'default'])
    assert.equal((await create(['other'])).status, 400)
    const denied = await create(['app-admin-ops'])
    assert.equal(denied.status, 400)
    assert.deepEqual(denied.body.errors, ['token policy "app-admin-ops" is disallowed by this role'])
    // A role naming only a disallowed glob limits the policies on its own, as in Vault.
    await t.call('POST', 'auth/token/roles/deny-glob', { body: { disallowed_policies_glob: ['adm*'] } })
    const deniedByGlob = await t.call('POST', 'auth/token/create/deny-glob', {
      body: { policies: ['admin'] },
    })
    assert.equal(deniedByGlob.status, 400, JSON.stringify(deniedByGlob.body))
  })

  it("compares a role's policy lists case-insensitively, as policy names are", async () => {
    await t.call('POST', 'auth/token/roles/deny-upper', { body: { disallowed_policies: ['Admin'] } })
    assert.deepEqual((await t.call('GET', 'auth/token/roles/deny-upper')).body.data.disallowed_policies, [
      'admin',
    ])
    const denied = await t.call('POST', 'auth/token/create/deny-upper', { body: { policies: ['admin'] } })
    assert.equal(denied.status, 400, JSON.stringify(denied.body))
  })
  it("a child made without a role keeps its parent's token_bound_cidrs; an orphan or a role's token does not", async () => {
    await t.call('PUT', 'sys/policies/acl/maker', {
      body: {
        policy:
          'path "auth/token/create" { capabilities = ["update"] }\npath "auth/token/create-orphan" { capabilities = ["update"] }\npath "auth/token/create/*" { capabilities = ["update"] }',
      },
    })
    await t.call('POST', 'auth/token/roles/local', {
      body: { allowed_policies: ['maker'], token_bound_cidrs: ['127.0.0.0/8'] },
    })
    const parent = (await t.call('POST', 'auth/token/create/local', { body: {} })).body.auth
    const child = await t.call('POST', 'auth/token/create', { token: parent.client_token, body: {} })
    assert.equal(child.status, 200, JSON.stringify(child.body))
    const lookup = (accessor: string) => t.call('POST', 'auth/token/lookup-accessor', { body: { accessor } })
    assert.deepEqual((await lookup(child.body.auth.accessor)).body.data.bound_cidrs, ['127.0.0.0/8'])
    const orphan = await t.call('POST', 'auth/token/create-orphan', { token: parent.client_token, body: {} })
    assert.equal(orphan.status, 200, JSON.stringify(orphan.body))
    assert.equal((await lookup(orphan.body.auth.accessor)).body.data.bound_cidrs, undefined)
    // Through a role, the role's bound CIDRs (here: none) apply instead, as in Vault.
    await t.call('POST', 'auth/token/roles/unbound', { body: { allowed_policies: ['maker'] } })
    const viaRole = await t.call('POST', 'auth/token/create/unbound', {
      token: parent.client_token,
      body: {},
    })
    assert.equal(viaRole.status, 200, JSON.stringify(viaRole.body))
    assert.equal((await lookup(viaRole.body.auth.accessor)).body.data.bound_cidrs, undefined)
  })

  it("a child acts for its parent's entity and an orphan for none, as in Vault", async () => {
    await t.call('POST', 'auth/token/roles/person', {
      body: { allowed_policies: ['maker'], allowed_entity_aliases: ['person-*'] },
    })
    const parent = (await t.call('POST', 'auth/token/create/person', { body: { entity_alias: 'person-a' } }))
      .body.auth
    assert.notEqual(parent.entity_id, '')
    const child = await t.call('POST', 'auth/token/create', { token: parent.client_token, body: {} })
    assert.equal(child.body.auth.entity_id, parent.entity_id)
    const orphan = await t.call('POST', 'auth/token/create-orphan', { token: parent.client_token, body: {} })
    assert.equal(orphan.status, 200, JSON.stringify(orphan.body))
    assert.equal(orphan.body.auth.entity_id, '')
  })
  it("a role's explicit max TTL, period and renewable=false are limits a request cannot raise", async () => {
    await t.call('POST', 'auth/token/roles/capped', {
      body: { allowed_policies: ['maker'], token_explicit_max_ttl: '1h', renewable: false },
    })
    const over = await t.call('POST', 'auth/token/create/capped', {
      body: { explicit_max_ttl: '100h', ttl: '50h', renewable: true },
    })
    assert.equal(over.status, 200, JSON.stringify(over.body))
    assert.equal(over.body.auth.lease_duration, 3600)
    assert.equal(over.body.auth.renewable, false)
    assert.deepEqual(over.body.warnings, [
      'Explicit max TTL specified both during creation call and in role; using the lesser value of 3600 seconds',
    ])
    await t.call('POST', 'auth/token/roles/periodic', {
      body: { allowed_policies: ['maker'], token_period: '1h' },
    })
    const longer = await t.call('POST', 'auth/token/create/periodic', { body: { period: '100h' } })
    assert.equal(longer.status, 200, JSON.stringify(longer.body))
    assert.equal(longer.body.auth.lease_duration, 3600)
    // Without sudo a request may not ask for a period at all, role or not; the role's own period still applies.
    const maker = (await t.call('POST', 'auth/token/create', { body: { policies: ['maker'] } })).body.auth
      .client_token
    const asked = await t.call('POST', 'auth/token/create/periodic', {
      token: maker,
      body: { period: '100h' },
    })
    assert.equal(asked.status, 400, JSON.stringify(asked.body))
    assert.deepEqual(asked.body.errors, ['root or sudo privileges required to create periodic token'])
    const fromRole = await t.call('POST', 'auth/token/create/periodic', { token: maker, body: {} })
    assert.equal(fromRole.status, 200, JSON.stringify(fromRole.body))
    assert.equal(fromRole.body.auth.lease_duration, 3600)
  })

  it('refuses internal policies, negative use counts and non-expiring root tokens from an expiring one', async () => {
    const wrapping = await t.call('POST', 'auth/token/create', { body: { policies: ['response-wrapping'] } })
    assert.equal(wrapping.status, 400, JSON.stringify(wrapping.body))
    assert.deepEqual(wrapping.body.errors, ['cannot assign policy "response-wrapping"'])
    const negative = await t.call('POST', 'auth/token/create', {
      body: { policies: ['maker'], num_uses: -1 },
    })
    assert.equal(negative.status, 400, JSON.stringify(negative.body))
    assert.deepEqual(negative.body.errors, ['number of uses cannot be negative'])
    const expiringRoot = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['root'], ttl: '1h' } })
    ).body.auth.client_token
    const forever = await t.call('POST', 'auth/token/create', {
      token: expiringRoot,
      body: { policies: ['root'] },
    })
    assert.equal(forever.status, 400, JSON.stringify(forever.body))
    assert.deepEqual(forever.body.errors, ['expiring root tokens cannot create non-expiring root tokens'])
    const bounded = await t.call('POST', 'auth/token/create', {
      token: expiringRoot,
      body: { policies: ['root'], ttl: '30m' },
    })
    assert.equal(bounded.status, 200, JSON.stringify(bounded.body))
    assert.equal((await t.call('POST', 'auth/token/create', { body: { policies: ['root'] } })).status, 200)
  })
  it('a token made through a role renews only while the role exists', async () => {
    await t.call('POST', 'auth/token/roles/short-lived', { body: { allowed_policies: ['maker'] } })
    const made = (await t.call('POST', 'auth/token/create/short-lived', { body: { ttl: '1h' } })).body.auth
    const renew = () => t.call('POST', 'auth/token/renew-self', { token: made.client_token, body: {} })
    assert.equal((await renew()).status, 200)
    assert.equal((await t.call('DELETE', 'auth/token/roles/short-lived')).status, 204)
    const refused = await renew()
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    assert.deepEqual(refused.body.errors, [
      'original token role "short-lived" could not be found, not renewing',
    ])
    const byAccessor = await t.call('POST', 'auth/token/renew-accessor', {
      body: { accessor: made.accessor },
    })
    assert.equal(byAccessor.status, 400)
    // The token itself still works until its TTL runs out.
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: made.client_token })).status, 200)
  })
})

describe('token create with a chosen id', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer({ storage: 'inmem' })
  })
  after(() => t.close())

  it('warns that a chosen id is only as strong as its value, as Vault warns on a custom id', async () => {
    const chosen = await t.call('POST', 'auth/token/create', {
      body: { id: 'my-chosen-token-id-0001', policies: ['nope'] },
    })
    assert.equal(chosen.status, 200, JSON.stringify(chosen.body))
    assert.equal(chosen.body.auth.client_token, 'my-chosen-token-id-0001')
    assert.deepEqual(chosen.body.warnings, [CUSTOM_ID_WARNING, 'Policy "nope" does not exist'])
    const generated = await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })
    assert.equal(generated.status, 200)
    assert.equal(generated.body.warnings, null)
  })
})
