// OpenBao's internal/vault/external_tests replayed over HTTP: each `it` checks what the named Go test observes.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { startHaCluster, until } from '../helpers/ha-cluster.ts'
import { createTestDatabase } from '../helpers/pg-database.ts'
import { pgCreateRole, postgresEngine } from '../helpers/pg-engine.ts'
import {
  ManualClock,
  makeTempDir,
  type Reply,
  startDevServer,
  startSealedServer,
  startServerInTempDir,
  type TestServer,
  wrap,
} from '../helpers/server.ts'

/** Logs in through userpass after making the user; returns the login's auth block. */
async function userpassLogin(t: TestServer, user: string, extra: Record<string, unknown> = {}) {
  const made = await t.call('POST', `auth/userpass/users/${user}`, { body: { password: 'pw', ...extra } })
  assert.equal(made.status, 204, JSON.stringify(made.body))
  const login = await t.call('POST', `auth/userpass/login/${user}`, { body: { password: 'pw' } })
  assert.equal(login.status, 200, JSON.stringify(login.body))
  return login.body.auth
}

/**
 * A JWT auth mount at `path` trusting a fresh key, with role `dev` taking `sub` as the user and `groups` as the
 * group names: what OpenBao's LDAP mounts give these tests (a user and their directory groups). Returns login().
 */
async function jwtMount(t: TestServer, path: string) {
  assert.equal((await t.call('POST', `sys/auth/${path}`, { body: { type: 'jwt' } })).status, 204)
  const accessor = (await t.call('GET', 'sys/auth')).body.data[`${path}/`].accessor as string
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const config = await t.call('POST', `auth/${path}/config`, {
    body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: 'https://idp.example' },
  })
  assert.equal(config.status, 204, JSON.stringify(config.body))
  const role = await t.call('POST', `auth/${path}/role/dev`, {
    body: { role_type: 'jwt', user_claim: 'sub', groups_claim: 'groups', bound_audiences: ['coffer'] },
  })
  assert.equal(role.status, 204, JSON.stringify(role.body))
  const login = async (sub: string, groups: string[]) => {
    const jwt = await new SignJWT({ sub, aud: 'coffer', iss: 'https://idp.example', groups })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
    const res = await t.call('POST', `auth/${path}/login`, { token: '', body: { jwt, role: 'dev' } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth
  }
  return { accessor, login }
}

describe('openbao external_tests: token', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
  })
  after(() => t.close())

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
    // As Vault (go-sockaddr) shows them: a single host without its /32.
    assert.deepEqual(childSelf.body.data.bound_cidrs, ['127.0.0.1', '1.2.3.4/8', '5.6.7.8/24'])

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

  it('TestTokenStore_RevocationOnStartup: tokens that expired while the server was sealed are revoked after the unseal', async () => {
    // OpenBao moves lease times back through sys/raw; a manual clock moved past them while sealed does the same.
    const sealedClock = new ManualClock()
    const s = await startSealedServer({ clock: sealedClock })
    try {
      const init = await s.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
      const key = init.body.keys_base64[0]
      const root = init.body.root_token
      assert.equal((await s.call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
      const rows = async () => (await s.server.core.barrier.list('sys/token/id/')).length
      const baseline = await rows()
      const tokens: string[] = []
      for (let i = 0; i < 20; i++) {
        const made = await s.call('POST', 'auth/token/create', {
          token: root,
          body: { policies: ['default'], ttl: '1h' },
        })
        tokens.push(made.body.auth.client_token)
      }
      const forever = (
        await s.call('POST', 'auth/token/create', { token: root, body: { policies: ['root'] } })
      ).body.auth.client_token
      assert.equal(await rows(), baseline + 21)
      assert.equal((await s.call('PUT', 'sys/seal', { token: root })).status, 204)
      sealedClock.advance(2 * 3600)
      assert.equal((await s.call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
      for (const token of tokens)
        assert.equal((await s.call('POST', 'cubbyhole/foo', { token, body: { value: 'bar' } })).status, 403)
      // Their rows go too, not only their use: only the token that never expires is left beside the baseline.
      await until(async () => (await rows()) === baseline + 1)
      assert.equal((await s.call('GET', 'auth/token/lookup-self', { token: forever })).status, 200)
    } finally {
      await s.close()
    }
  })

  it('TestTokenStore_StandbyInvalidation: a renewal on the active node is what a standby’s lookup-self shows next', async () => {
    const cluster = await startHaCluster(2)
    try {
      const active = await cluster.active()
      const standby = cluster.standbys()[0]!
      const made = await active.call('POST', 'auth/token/create-orphan', {
        token: cluster.rootToken,
        body: { policies: 'default', renewable: true, ttl: '10m' },
      })
      assert.equal(made.status, 200, JSON.stringify(made.body))
      const token = made.body.auth.client_token
      const before = await standby.call('GET', 'auth/token/lookup-self', { token })
      assert.equal(before.status, 200, JSON.stringify(before.body))
      assert.equal(before.body.data.renewable, true)
      assert.ok(before.body.data.ttl <= 600, `${before.body.data.ttl}`)
      const renew = await active.call('POST', 'auth/token/renew', {
        token: cluster.rootToken,
        body: { token, increment: '1h' },
      })
      assert.equal(renew.status, 200, JSON.stringify(renew.body))
      const after = await standby.call('GET', 'auth/token/lookup-self', { token })
      assert.equal(after.status, 200, JSON.stringify(after.body))
      assert.ok(
        after.body.data.ttl > 1800,
        `the standby sees the renewal at once: ttl ${after.body.data.ttl}`,
      )
    } finally {
      await cluster.close()
    }
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

  it('TestBatchTokens (leases): a batch login token’s lease lasts no longer than the token, renewals shrink, and it ends with it', async () => {
    // The approle mount from TestBatchTokens has 5s lease TTLs; here its logins are batch tokens reading database
    // credentials (OpenBao reads a leased kv test backend).
    const db = await createTestDatabase()
    try {
      await postgresEngine(t.call, db.url, { app: { defaultTtl: '5m' } })
      await t.call('PUT', 'sys/policies/acl/test', {
        body: { policy: 'path "database/creds/app" { capabilities = ["read"] }' },
      })
      await t.call('POST', 'sys/auth/approle/tune', { body: { token_type: 'batch' } })
      const roleId = (await t.call('GET', 'auth/approle/role/test/role-id')).body.data.role_id
      const secretId = (await t.call('POST', 'auth/approle/role/test/secret-id', { body: {} })).body.data
        .secret_id
      const login = await t.call('POST', 'auth/approle/login', {
        token: '',
        body: { role_id: roleId, secret_id: secretId },
      })
      assert.equal(login.status, 200, JSON.stringify(login.body))
      assert.equal(login.body.auth.token_type, 'batch')
      const creds = await t.call('GET', 'database/creds/app', { token: login.body.auth.client_token })
      assert.equal(creds.status, 200, JSON.stringify(creds.body))
      assert.ok(creds.body.lease_id)
      assert.equal(creds.body.renewable, true)
      assert.ok(creds.body.lease_duration <= 5, `lease_duration ${creds.body.lease_duration}`)
      let last = creds.body.lease_duration
      for (let i = 0; i < 3; i++) {
        clock.advance(1)
        const renewed = await t.call('POST', 'sys/leases/renew', { body: { lease_id: creds.body.lease_id } })
        assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
        assert.ok(renewed.body.lease_duration < last, `${renewed.body.lease_duration} < ${last}`)
        last = renewed.body.lease_duration
      }
      clock.advance(2)
      await until(
        async () =>
          (await t.call('POST', 'sys/leases/lookup', { body: { lease_id: creds.body.lease_id } })).status ===
          400,
      )
    } finally {
      await t.call('DELETE', 'sys/mounts/database')
      await db.drop()
    }
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

describe('openbao external_tests: identity', () => {
  let t: TestServer
  let userpass = ''
  let approle = ''
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    const auths = (await t.call('GET', 'sys/auth')).body.data
    userpass = auths['userpass/'].accessor
    approle = auths['approle/'].accessor
  })
  after(() => t.close())

  /** An entity named `entity` with one alias `alias` on the mount: OpenBao's testhelpers.CreateEntityAndAlias. */
  async function entityWithAlias(accessor: string, entity: string, alias: string) {
    const made = await t.call('POST', 'identity/entity', { body: { name: entity } })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    const a = await t.call('POST', 'identity/entity-alias', {
      body: { name: alias, mount_accessor: accessor, canonical_id: made.body.data.id },
    })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    return { entityId: made.body.data.id as string, aliasId: a.body.data.id as string }
  }

  const merge = (body: Record<string, unknown>) => t.call('POST', 'identity/entity/merge', { body })

  it('TestIdentityStore_ListAlias: alias and entity lists carry key_info with the alias mount details', async () => {
    const bare = await t.call('POST', 'identity/entity', { body: {} })
    assert.equal(bare.status, 200, JSON.stringify(bare.body))
    const entityId = bare.body.data.id
    const first = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'testaliasname', mount_accessor: approle },
    })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const second = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'entityalias', mount_accessor: approle, canonical_id: entityId },
    })
    assert.equal(second.status, 200, JSON.stringify(second.body))

    const aliases = await t.call('LIST', 'identity/entity-alias/id')
    assert.equal(aliases.status, 200, JSON.stringify(aliases.body))
    const mine = [first.body.data.id, second.body.data.id]
    for (const id of mine) {
      assert.ok(aliases.body.data.keys.includes(id))
      const info = aliases.body.data.key_info[id]
      assert.equal(info.name, id === first.body.data.id ? 'testaliasname' : 'entityalias')
      assert.equal(info.mount_accessor, approle)
      assert.equal(info.canonical_id, id === first.body.data.id ? first.body.data.canonical_id : entityId)
    }
    const entities = await t.call('LIST', 'identity/entity/id')
    assert.equal(entities.status, 200, JSON.stringify(entities.body))
    for (const [eid, aid] of [
      [first.body.data.canonical_id, first.body.data.id],
      [entityId, second.body.data.id],
    ]) {
      const info = entities.body.data.key_info[eid]
      assert.ok(info, `key_info for ${eid}`)
      assert.equal(info.aliases.length, 1)
      assert.equal(info.aliases[0].id, aid)
      assert.equal(info.aliases[0].mount_accessor, approle)
      assert.equal(info.aliases[0].mount_path, 'auth/approle/')
      assert.equal(info.aliases[0].mount_type, 'approle')
    }
  })

  it('TestIdentityStore_RenameAlias_CannotMergeEntity: renaming an alias onto another alias of the mount is refused', async () => {
    const login = await userpassLogin(t, 'bsmith')
    assert.ok(login.entity_id)
    const other = await t.call('POST', 'identity/entity', { body: { name: 'bob-smith' } })
    assert.equal(other.status, 200)
    const alias = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'bob', mount_accessor: userpass },
    })
    assert.equal(alias.status, 200, JSON.stringify(alias.body))
    const rename = await t.call('POST', `identity/entity-alias/id/${alias.body.data.id}`, {
      body: { name: 'bsmith' },
    })
    assert.equal(rename.status, 400, JSON.stringify(rename.body))
    const kept = await t.call('GET', `identity/entity/id/${login.entity_id}`)
    assert.deepEqual(
      kept.body.data.aliases.map((a: { name: string }) => a.name),
      ['bsmith'],
    )
  })

  it('TestIdentityStore_MergeEntities_FailsDueToClash: the 400 names both entities, both aliases and the mount', async () => {
    const bob = await entityWithAlias(userpass, 'clash-bob', 'clash-bob')
    const alice = await entityWithAlias(userpass, 'clash-alice', 'clash-alice')
    const res = await merge({ to_entity_id: bob.entityId, from_entity_ids: alice.entityId })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    const error = res.body.errors.join(' ')
    assert.match(error, /toEntity and at least one fromEntity have aliases with the same mount accessor/)
    for (const part of [alice.entityId, bob.entityId, alice.aliasId, bob.aliasId, userpass])
      assert.ok(error.includes(part), `${part} named in ${error}`)
  })

  it('TestIdentityStore_MergeEntities_FailsDueToClashInFromEntities: two source entities on one mount are refused', async () => {
    const bob = await entityWithAlias(userpass, 'fc-bob', 'fc-bob')
    const alice = await entityWithAlias(approle, 'fc-alice', 'fc-alice')
    const clara = await entityWithAlias(approle, 'fc-clara', 'fc-clara')
    const res = await merge({ to_entity_id: bob.entityId, from_entity_ids: [alice.entityId, clara.entityId] })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.ok(
      res.body.errors[0].includes(
        `mount accessor ${approle} found in multiple fromEntities, merge should be done with one fromEntity at a time`,
      ),
      res.body.errors[0],
    )
  })

  it('TestIdentityStore_MergeEntities_FailsDueToDoubleClash: every clashing entity, alias and mount is named', async () => {
    const bob = await entityWithAlias(userpass, 'dc-bob', 'dc-bob')
    const bobApprole = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'dc-bob-approle', canonical_id: bob.entityId, mount_accessor: approle },
    })
    assert.equal(bobApprole.status, 200, JSON.stringify(bobApprole.body))
    const alice = await entityWithAlias(userpass, 'dc-alice', 'dc-alice')
    const clara = await entityWithAlias(approle, 'dc-clara', 'dc-clara')
    const res = await merge({ to_entity_id: bob.entityId, from_entity_ids: [alice.entityId, clara.entityId] })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    const error = res.body.errors.join(' ')
    assert.match(error, /toEntity and at least one fromEntity have aliases with the same mount accessor/)
    for (const part of [
      alice.entityId,
      bob.entityId,
      clara.entityId,
      alice.aliasId,
      bob.aliasId,
      clara.aliasId,
      userpass,
      approle,
    ])
      assert.ok(error.includes(part), `${part} named in ${error}`)
  })

  it('TestIdentityStore_MergeEntities_FailsDueToClashInFromEntities_CheckRawRequest: the 400 lists the clashes in data', async () => {
    const bob = await entityWithAlias(userpass, 'raw-bob', 'raw-bob')
    const alice = await entityWithAlias(userpass, 'raw-alice', 'raw-alice')
    const res = await merge({ to_entity_id: bob.entityId, from_entity_ids: [alice.entityId] })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.errors.length, 1)
    assert.match(
      res.body.errors[0],
      /toEntity and at least one fromEntity have aliases with the same mount accessor/,
    )
    assert.equal(res.body.data.length, 2, JSON.stringify(res.body))
    const rows = [...res.body.data].sort((a, b) => a.entity.localeCompare(b.entity))
    assert.deepEqual(
      rows.map((r: Record<string, unknown>) => [r.entity_id, r.entity, r.alias, r.mount_path, r.mount]),
      [
        [alice.entityId, 'raw-alice', 'raw-alice', 'auth/userpass/', 'userpass'],
        [bob.entityId, 'raw-bob', 'raw-bob', 'auth/userpass/', 'userpass'],
      ],
    )
  })

  it('TestIdentityStore_MergeEntities_SameMountAccessor_ThenUseAlias: after a merge keeping one alias, the other login still works', async () => {
    await t.call('POST', 'auth/userpass/users/use-bob', { body: { password: 'pw' } })
    await t.call('POST', 'auth/userpass/users/use-alice', { body: { password: 'pw' } })
    const bob = await entityWithAlias(userpass, 'use-bob-e', 'use-bob')
    const alice = await entityWithAlias(userpass, 'use-alice-e', 'use-alice')
    const login = async () => {
      const res = await t.call('POST', 'auth/userpass/login/use-alice', {
        token: '',
        body: { password: 'pw' },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.auth
    }
    assert.equal((await login()).entity_id, alice.entityId)
    const merged = await merge({
      to_entity_id: bob.entityId,
      from_entity_ids: alice.entityId,
      conflicting_alias_ids_to_keep: bob.aliasId,
    })
    assert.ok(merged.status === 200 || merged.status === 204, JSON.stringify(merged.body))
    assert.equal((await t.call('DELETE', `identity/entity/id/${bob.entityId}`)).status, 204)
    const after = await login()
    assert.ok(after.entity_id)
    assert.notEqual(after.entity_id, bob.entityId)
  })

  it('TestIdentityStore_MergeEntities_FailsDueToMultipleClashMergesAttempted: aliases to keep from several sources are refused', async () => {
    const bob = await entityWithAlias(userpass, 'mc-bob', 'mc-bob')
    await t.call('POST', 'identity/entity-alias', {
      body: { name: 'mc-bob-approle', canonical_id: bob.entityId, mount_accessor: approle },
    })
    const alice = await entityWithAlias(userpass, 'mc-alice', 'mc-alice')
    const clara = await entityWithAlias(approle, 'mc-clara', 'mc-alice')
    const res = await merge({
      to_entity_id: bob.entityId,
      from_entity_ids: [alice.entityId, clara.entityId],
      conflicting_alias_ids_to_keep: [alice.aliasId, clara.aliasId],
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.match(res.body.errors[0], /merge one entity at a time/)
  })
  const members = async (groupId: string) =>
    ((await t.call('GET', `identity/group/id/${groupId}`)).body.data.member_entity_ids ?? []) as string[]

  it('TestIdentityStore_ExternalGroupMemberships_DifferentMounts: leaving a group on one mount keeps the other mount’s group', async () => {
    const entity = await t.call('POST', 'identity/entity', { body: { name: 'testentityname' } })
    const entityId = entity.body.data.id
    const setup = async (path: string) => {
      const group = await t.call('POST', 'identity/group', {
        body: { type: 'external', name: `${path}ldap_admin_staff`, policies: ['admin-policy'] },
      })
      assert.equal(group.status, 200, JSON.stringify(group.body))
      const mount = await jwtMount(t, path)
      const ga = await t.call('POST', 'identity/group-alias', {
        body: { name: 'admin_staff', canonical_id: group.body.data.id, mount_accessor: mount.accessor },
      })
      assert.equal(ga.status, 200, JSON.stringify(ga.body))
      const ea = await t.call('POST', 'identity/entity-alias', {
        body: { name: 'hermes conrad', canonical_id: entityId, mount_accessor: mount.accessor },
      })
      assert.equal(ea.status, 200, JSON.stringify(ea.body))
      const auth = await mount.login('hermes conrad', ['admin_staff'])
      assert.equal(auth.entity_id, entityId)
      assert.ok(auth.policies.includes('admin-policy'), JSON.stringify(auth))
      assert.ok((await members(group.body.data.id)).includes(entityId))
      return { groupId: group.body.data.id as string, login: mount.login }
    }
    const first = await setup('jwtdm1')
    const second = await setup('jwtdm2')
    await first.login('hermes conrad', [])
    assert.ok(!(await members(first.groupId)).includes(entityId), 'left the first mount’s group')
    assert.ok((await members(second.groupId)).includes(entityId), 'still in the second mount’s group')
  })

  it('TestIdentityStore_ExternalGroupMembershipsAcrossMounts: one entity joins external groups through two mounts', async () => {
    const m1 = await jwtMount(t, 'jwtam1')
    const g1 = await t.call('POST', 'identity/group', { body: { type: 'external' } })
    await t.call('POST', 'identity/group-alias', {
      body: { name: 'testgroup1', mount_accessor: m1.accessor, canonical_id: g1.body.data.id },
    })
    const auth = await m1.login('hermes', ['testgroup1'])
    const entityId = auth.entity_id
    assert.ok((await members(g1.body.data.id)).includes(entityId))
    const m2 = await jwtMount(t, 'jwtam2')
    const ea = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'hermes', mount_accessor: m2.accessor, canonical_id: entityId },
    })
    assert.equal(ea.status, 200, JSON.stringify(ea.body))
    const g2 = await t.call('POST', 'identity/group', { body: { type: 'external' } })
    await t.call('POST', 'identity/group-alias', {
      body: { name: 'testgroup2', mount_accessor: m2.accessor, canonical_id: g2.body.data.id },
    })
    assert.equal((await m2.login('hermes', ['testgroup2'])).entity_id, entityId)
    assert.ok((await members(g1.body.data.id)).includes(entityId))
    assert.ok((await members(g2.body.data.id)).includes(entityId))
  })

  it('TestIdentityStore_GroupAliasLocalMount: a group alias on a local auth mount is refused', async () => {
    assert.equal(
      (await t.call('POST', 'sys/auth/localup', { body: { type: 'userpass', local: true } })).status,
      204,
    )
    const accessor = (await t.call('GET', 'sys/auth')).body.data['localup/'].accessor
    const group = await t.call('POST', 'identity/group', { body: { type: 'external' } })
    const res = await t.call('POST', 'identity/group-alias', {
      body: { name: 'testuser', mount_accessor: accessor, canonical_id: group.body.data.id },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.match(res.body.errors[0], /is a local mount/)
  })
  it('TestIdentityStore_DisableUserLockoutTest: five bad passwords lock a user by default; lockout_disable in the tune stops it', async () => {
    assert.equal((await t.call('POST', 'sys/auth/lockup', { body: { type: 'userpass' } })).status, 204)
    const accessor = (await t.call('GET', 'sys/auth/lockup')).body.data.accessor
    assert.equal(
      (await t.call('POST', 'auth/lockup/users/bsmith', { body: { password: 'training' } })).status,
      204,
    )
    const wrong = () =>
      t.call('POST', 'auth/lockup/login/bsmith', { token: '', body: { password: 'wrongPassword' } })
    for (const disable of [false, true, false]) {
      const tune = await t.call('POST', 'sys/auth/lockup/tune', {
        body: { user_lockout_config: { lockout_disable: disable } },
      })
      assert.equal(tune.status, 204, JSON.stringify(tune.body))
      for (let i = 0; i < 5; i++) {
        const res = await wrong()
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.match(res.body.errors[0], /invalid username or password/)
      }
      const sixth = await wrong()
      if (disable) {
        assert.equal(sixth.status, 400, 'lockout disabled')
        assert.match(sixth.body.errors[0], /invalid username or password/)
      } else {
        assert.equal(sixth.status, 403, 'locked')
        assert.match(sixth.body.errors[0], /permission denied/)
        assert.equal((await t.call('POST', `sys/locked-users/${accessor}/unlock/bsmith`)).status, 204)
      }
    }
  })
})

describe('openbao external_tests: identity (lockout from the environment)', () => {
  // OpenBao's VAULT_DISABLE_USER_LOCKOUT is COFFER_DISABLE_USER_LOCKOUT here; `coffer server` reads it into this
  // start option (main.ts), which these servers are given directly.
  const cases: [string, boolean | undefined, boolean, boolean][] = [
    ['neither set: lockout on', undefined, false, true],
    ['tune disables', undefined, true, false],
    ['environment disables', true, false, false],
    ['environment enables over a tune that disables', false, true, true],
    ['both disable', true, true, false],
  ]
  for (const [name, env, tuneDisables, locks] of cases) {
    it(`TestIdentityStore_DisableUserLockoutTest: ${name}`, async () => {
      const t = wrap(
        await startServerInTempDir((dir) => ({
          dev: true,
          listenAddress: '127.0.0.1:0',
          devAws: false,
          dataDir: dir,
          ...(env === undefined ? {} : { disableUserLockout: env }),
        })),
      )
      try {
        await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
        await t.call('POST', 'sys/auth/userpass/tune', {
          body: { user_lockout_config: { lockout_disable: tuneDisables } },
        })
        await t.call('POST', 'auth/userpass/users/bsmith', { body: { password: 'training' } })
        const wrong = () =>
          t.call('POST', 'auth/userpass/login/bsmith', { token: '', body: { password: 'wrongPassword' } })
        for (let i = 0; i < 5; i++) assert.equal((await wrong()).status, 400)
        const sixth = await wrong()
        assert.equal(sixth.status, locks ? 403 : 400, JSON.stringify(sixth.body))
      } finally {
        await t.close()
      }
    })
  }
})

describe('openbao external_tests: policy', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    // OpenBao's test cluster has KV v1 at secret/; here it is kv1/, beside the dev server's KV v2.
    assert.equal((await t.call('POST', 'sys/mounts/kv1', { body: { type: 'kv' } })).status, 204)
  })
  after(() => t.close())

  it('TestPolicyTemplating: entity, alias, metadata and group templates open their paths; an unmet one opens nothing', async () => {
    const accessor = (await t.call('GET', 'sys/auth')).body.data['userpass/'].accessor
    const entity = await t.call('POST', 'identity/entity', {
      body: { name: 'entity_name', policies: ['goodpolicy1', 'badpolicy1'], metadata: { key: 'metadata' } },
    })
    assert.equal(entity.status, 200, JSON.stringify(entity.body))
    const entityId = entity.body.data.id
    const group = await t.call('POST', 'identity/group', {
      body: { name: 'group_name', policies: ['goodpolicy2'], member_entity_ids: [entityId] },
    })
    const groupId = group.body.data.id
    const foobar = await t.call('POST', 'identity/group', { body: { name: 'foobar' } })
    const alias = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'testuser', mount_accessor: accessor, canonical_id: entityId },
    })
    assert.equal(alias.status, 200, JSON.stringify(alias.body))
    await t.call('POST', 'auth/userpass/users/testuser', { body: { password: 'testpassword' } })
    const rw = 'capabilities = ["read", "create", "update"]'
    const put = async (name: string, paths: string[]) => {
      const policy = paths.map((p) => `path "kv1/${p}/*" { ${rw} }`).join('\n')
      assert.equal((await t.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status, 204)
    }
    await put('goodpolicy1', [
      '{{ identity.entity.name}}',
      `{{ identity.entity.aliases.${accessor}.name}}`,
      '{{ identity.entity.metadata.key}}',
    ])
    await put('goodpolicy2', [
      `{{ identity.groups.ids.${groupId}.name}}`,
      '{{ identity.groups.names.group_name.id}}',
    ])
    const login = await t.call('POST', 'auth/userpass/login/testuser', {
      token: '',
      body: { password: 'testpassword' },
    })
    const token = login.body.auth.client_token
    const check = async (allowGroup: boolean, allowMetadata: boolean) => {
      const cases: [string, boolean][] = [
        ['kv1/entity_name/foo', true],
        ['kv1/entityname/foo', false],
        ['kv1/group_name/foo', true],
        [`kv1/${groupId}/foo`, true],
        ['kv1/testuser/foo', true],
        ['kv1/foobar/foo', allowGroup],
        ['kv1/metadata/test/foo', allowMetadata],
      ]
      for (const [path, allowed] of cases) {
        const res = await t.call('POST', path, { token, body: { zip: 'zap' } })
        assert.equal(res.status, allowed ? 204 : 403, `${path}: ${JSON.stringify(res.body)}`)
      }
    }
    await check(false, true)
    // A policy naming a group the entity is not in leaves the other policies whole.
    await put('badpolicy1', ['{{ identity.groups.names.foobar.name}}'])
    await check(false, true)
    await t.call('POST', 'identity/group', {
      body: { id: foobar.body.data.id, member_entity_ids: [entityId] },
    })
    await check(true, true)
    // A metadata value holding a glob segment opens nothing (OpenBao's default; Coffer refuses it always).
    await t.call('POST', 'identity/entity', {
      body: { name: 'entity_name', metadata: { key: 'metadata/+' } },
    })
    await check(true, false)
  })
  it('TestPolicy_NoDefaultPolicy: token_no_default_policy leaves only the configured policies', async () => {
    assert.equal((await t.call('POST', 'sys/auth/nodefault', { body: { type: 'userpass' } })).status, 204)
    await t.call('POST', 'auth/nodefault/users/hermes', {
      body: { password: 'hermes', token_policies: 'foo', token_no_default_policy: true },
    })
    const login = await t.call('POST', 'auth/nodefault/login/hermes', {
      token: '',
      body: { password: 'hermes' },
    })
    const lookup = await t.call('POST', 'auth/token/lookup', {
      body: { token: login.body.auth.client_token },
    })
    assert.deepEqual(lookup.body.data.policies, ['foo'])
  })

  it('TestPolicy_NoConfiguredPolicy: a user without policies gets default, and renews past its TTL by the increment', async () => {
    assert.equal((await t.call('POST', 'sys/auth/nopolicy', { body: { type: 'userpass' } })).status, 204)
    await t.call('POST', 'auth/nopolicy/users/hermes', { body: { password: 'hermes', token_ttl: '24h' } })
    const login = await t.call('POST', 'auth/nopolicy/login/hermes', {
      token: '',
      body: { password: 'hermes' },
    })
    const token = login.body.auth.client_token
    assert.deepEqual((await t.call('POST', 'auth/token/lookup', { body: { token } })).body.data.policies, [
      'default',
    ])
    const renew = await t.call('POST', 'auth/token/renew', { body: { token, increment: '2h' } })
    assert.equal(renew.status, 200, JSON.stringify(renew.body))
    assert.equal(renew.body.auth.lease_duration, 7200)
  })

  it('TestPolicy_TokenRenewal: login and renewal answers carry the same token, identity and combined policies', async () => {
    assert.equal((await t.call('POST', 'sys/auth/renewpol', { body: { type: 'userpass' } })).status, 204)
    const accessor = (await t.call('GET', 'sys/auth')).body.data['renewpol/'].accessor
    const cases: [string, string[], string[]][] = [
      ['plain', [], []],
      ['tokenpol', ['token-policy'], []],
      ['idpol', [], ['identity-policy']],
      ['both', ['token-policy'], ['identity-policy']],
    ]
    for (const [user, tokenPolicies, identityPolicies] of cases) {
      await t.call('POST', `auth/renewpol/users/${user}`, {
        body: { password: 'pw', ...(tokenPolicies.length ? { token_policies: tokenPolicies } : {}) },
      })
      if (identityPolicies.length) {
        const entity = await t.call('POST', 'identity/entity', {
          body: { name: `renew-${user}`, policies: identityPolicies },
        })
        await t.call('POST', 'identity/entity-alias', {
          body: { name: user, mount_accessor: accessor, canonical_id: entity.body.data.id },
        })
      }
      const login = await t.call('POST', `auth/renewpol/login/${user}`, {
        token: '',
        body: { password: 'pw' },
      })
      const expectedToken = ['default', ...tokenPolicies].sort()
      const expectedAll = [...expectedToken, ...identityPolicies].sort()
      const check = (auth: Record<string, unknown>, what: string) => {
        assert.deepEqual([...(auth.token_policies as string[])].sort(), expectedToken, `${user} ${what}`)
        assert.deepEqual(
          [...((auth.identity_policies as string[] | null) ?? [])].sort(),
          identityPolicies,
          `${user} ${what}`,
        )
        assert.deepEqual([...(auth.policies as string[])].sort(), expectedAll, `${user} ${what}`)
      }
      check(login.body.auth, 'login')
      const renew = await t.call('POST', 'auth/token/renew', {
        body: { token: login.body.auth.client_token },
      })
      assert.equal(renew.status, 200, JSON.stringify(renew.body))
      check(renew.body.auth, 'renew')
    }
  })
})

describe('openbao external_tests: approle', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
  })
  after(() => t.close())

  it('TestAppRole_AliasNameFromLoginRequest_Panic: a login whose role_id is not a string is a clear 400', async () => {
    for (const roleId of [{}, [], 7, true]) {
      const res = await t.call('POST', 'auth/approle/login', {
        token: '',
        body: { role_id: roleId, secret_id: '' },
      })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.doesNotMatch(JSON.stringify(res.body), /internal error/i)
    }
  })
})

describe('openbao external_tests: kv', () => {
  let t: TestServer
  let auditDir: { dir: string; remove(): void }
  before(async () => {
    t = await startDevServer()
    auditDir = makeTempDir('coffer-bao-audit-')
    assert.equal((await t.call('POST', 'sys/mounts/kv', { body: { type: 'kv-v2' } })).status, 204)
  })
  after(async () => {
    await t.close()
    auditDir.remove()
  })

  const patch = (path: string, body: unknown) =>
    t.call('PATCH', path, { body, headers: { 'content-type': 'application/merge-patch+json' } })

  it('TestKV_Patch_Audit: one patch is one audit request record and one response record, both "patch"', async () => {
    const file = join(auditDir.dir, 'audit.log')
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: file } } }))
        .status,
      204,
    )
    assert.equal((await t.call('POST', 'kv/data/audited', { body: { data: { bar: 'a' } } })).status, 200)
    const res = await patch('kv/data/audited', { data: { baz: 'b' } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal((await t.call('DELETE', 'sys/audit/file')).status, 204)
    const records = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
    const patches = (type: string) =>
      records.filter(
        (r) => r.type === type && r.request?.operation === 'patch' && r.request?.path === 'kv/data/audited',
      )
    assert.equal(patches('request').length, 1)
    assert.equal(patches('response').length, 1)
  })

  it('TestKV_Patch_RootToken: the root token may patch, and a null removes the key', async () => {
    await t.call('POST', 'kv/data/rooted', { body: { data: { bar: 'baz', foo: 'qux' } } })
    const res = await patch('kv/data/rooted', { data: { bar: 'quux', foo: null } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual((await t.call('GET', 'kv/data/rooted')).body.data.data, { bar: 'quux' })
  })

  it('TestKV_Subkeys_NotFound: subkeys of a secret never written is a 404', async () => {
    assert.equal((await t.call('GET', 'kv/subkeys/never')).status, 404)
  })

  it('TestKV_Subkeys_Deleted: subkeys of a deleted version is a 404 with null subkeys and the deletion time', async () => {
    await t.call('POST', 'kv/data/deleted', { body: { data: { bar: 'a' } } })
    assert.equal((await t.call('DELETE', 'kv/data/deleted')).status, 204)
    const res = await t.call('GET', 'kv/subkeys/deleted')
    assert.equal(res.status, 404, JSON.stringify(res.body))
    assert.ok(res.body.data && 'subkeys' in res.body.data, JSON.stringify(res.body))
    assert.equal(res.body.data.subkeys, null)
    assert.ok(res.body.data.metadata.deletion_time)
  })

  it('TestKV_Subkeys_Destroyed: subkeys of a destroyed version is a 404 with null subkeys and destroyed true', async () => {
    await t.call('POST', 'kv/data/destroyed', { body: { data: { bar: 'a' } } })
    assert.equal((await t.call('POST', 'kv/destroy/destroyed', { body: { versions: [1] } })).status, 204)
    const res = await t.call('GET', 'kv/subkeys/destroyed')
    assert.equal(res.status, 404, JSON.stringify(res.body))
    assert.ok(res.body.data && 'subkeys' in res.body.data, JSON.stringify(res.body))
    assert.equal(res.body.data.subkeys, null)
    assert.equal(res.body.data.metadata.destroyed, true)
  })

  it('TestKV_Subkeys_CurrentVersion: subkeys shows the patched current version’s key tree with null leaves', async () => {
    await t.call('POST', 'kv/data/tree', {
      body: { data: { foo: 'does-not-matter', bar: { a: { c: 'does-not-matter' }, b: {} } } },
    })
    assert.equal((await patch('kv/data/tree', { data: { baz: 'does-not-matter' } })).status, 200)
    const res = await t.call('GET', 'kv/subkeys/tree')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.data.subkeys, { foo: null, bar: { a: { c: null }, b: null }, baz: null })
  })
})

describe('openbao external_tests: expiration', () => {
  let t: TestServer
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  before(async () => {
    // One failed revocation makes a lease irrevocable here, where OpenBao's tests inject irrevocable leases.
    t = await startDevServer({ clock: new ManualClock(), expiration: { maxRevokeAttempts: 1 } })
    db = await createTestDatabase()
    await postgresEngine(t.call, db.url, { app: { defaultTtl: '1h' } })
    const stuck = await t.call('POST', 'database/roles/stuck', {
      body: {
        db_name: 'pg',
        // Tagged for db.drop(): the failing revocation statement leaves every role this test issues behind.
        creation_statements: [pgCreateRole(db.url)],
        revocation_statements: ['SELECT no_such_function_here();'],
        default_ttl: '1h',
      },
    })
    assert.equal(stuck.status, 204, JSON.stringify(stuck.body))
  })
  after(async () => {
    await t.close()
    await db.drop()
  })

  const count = () => t.call('GET', 'sys/leases/count?type=irrevocable')
  const list = (query = '') => t.call('GET', `sys/leases?type=irrevocable${query}`)
  async function irrevocableLease(): Promise<string> {
    const creds = await t.call('GET', 'database/creds/stuck')
    assert.equal(creds.status, 200, JSON.stringify(creds.body))
    const revoke = await t.call('POST', 'sys/leases/revoke', { body: { lease_id: creds.body.lease_id } })
    assert.ok(revoke.status >= 400, JSON.stringify(revoke.body))
    const lookup = await t.call('POST', 'sys/leases/lookup', { body: { lease_id: creds.body.lease_id } })
    assert.equal(lookup.body.data.irrevocable, true, JSON.stringify(lookup.body))
    return creds.body.lease_id
  }

  it('TestExpiration_irrevocableLeaseCountsAPI: counts irrevocable leases in total and per mount accessor', async () => {
    const empty = await count()
    assert.equal(empty.status, 200, JSON.stringify(empty.body))
    assert.equal(empty.body.warnings, null)
    assert.deepEqual(empty.body.data, { lease_count: 0, counts: {} })
    await t.call('GET', 'database/creds/app')
    await irrevocableLease()
    await irrevocableLease()
    const accessor = (await t.call('GET', 'sys/mounts')).body.data['database/'].accessor
    const res = await count()
    assert.deepEqual(res.body.data, { lease_count: 2, counts: { [accessor]: 2 } })
  })

  it('TestExpiration_irrevocableLeaseListAPI: lists irrevocable leases with their mount and error', async () => {
    const accessor = (await t.call('GET', 'sys/mounts')).body.data['database/'].accessor
    const before = (await list()).body.data.lease_count
    const leaseId = await irrevocableLease()
    const res = await list()
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.warnings, null)
    assert.equal(res.body.data.lease_count, before + 1)
    const row = res.body.data.leases.find((l: { lease_id: string }) => l.lease_id === leaseId)
    assert.equal(row.mount_id, accessor)
    assert.match(row.error, /no_such_function_here/)
    assert.equal((await t.call('GET', 'sys/leases?type=other')).status, 404)
  })

  it('TestExpiration_irrevocableLeaseListAPI_includeAll: a limit cuts the list with a warning; limit=none lists all', async () => {
    const total = (await count()).body.data.lease_count
    assert.ok(total >= 2)
    const cut = await list('&limit=1')
    assert.equal(cut.status, 200, JSON.stringify(cut.body))
    assert.equal(cut.body.data.leases.length, 1)
    assert.equal(cut.body.warnings.length, 1)
    const all = await list('&limit=none')
    assert.equal(all.body.warnings, null)
    assert.equal(all.body.data.lease_count, total)
    assert.equal((await list('&limit=0')).status, 400)
    assert.equal((await list('&limit=abc')).status, 400)
  })
})

describe('openbao external_tests: api', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
  })
  after(() => t.close())

  it('TestSecret_TokenID..TokenTTL: login, create, lookup, lookup-self, renew and renew-self answers carry what the api helpers read', async () => {
    await t.call('POST', 'auth/userpass/users/test', { body: { password: 'test', policies: 'default' } })
    const login = await t.call('POST', 'auth/userpass/login/test', { token: '', body: { password: 'test' } })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.deepEqual(login.body.auth.metadata, { username: 'test' })
    assert.equal(login.body.auth.renewable, true)
    assert.ok(login.body.auth.accessor)
    assert.ok(login.body.auth.lease_duration > 0)

    const meta = { username: 'test' }
    const create = () =>
      t.call('POST', 'auth/token/create', {
        body: { policies: ['default'], meta, num_uses: 5, renewable: true, ttl: '1h' },
      })
    const made = await create()
    const { client_token: token, accessor } = made.body.auth
    assert.deepEqual(made.body.auth.metadata, meta)
    assert.deepEqual(made.body.auth.policies, ['default'])
    assert.equal(made.body.auth.renewable, true)
    assert.equal(made.body.auth.lease_duration, 3600)

    const lookup = await t.call('POST', 'auth/token/lookup', { body: { token } })
    assert.equal(lookup.body.data.id, token)
    assert.equal(lookup.body.data.accessor, accessor)
    assert.equal(lookup.body.data.num_uses, 5)
    assert.deepEqual(lookup.body.data.meta, meta)
    assert.deepEqual(lookup.body.data.policies, ['default'])
    assert.equal(lookup.body.data.renewable, true)
    assert.ok(lookup.body.data.ttl > 0 && lookup.body.data.ttl <= 3600)

    const self = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.body.data.id, token)
    assert.equal(self.body.data.num_uses, 4, 'the lookup-self used one')
    // Its last use shows Vault's revocation-pending mark, and the token is gone after.
    const once = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'], num_uses: 1 } }))
      .body.auth.client_token
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: once })).body.data.num_uses, -1)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: once })).status, 403)

    const other = (await create()).body.auth
    for (const [what, res] of [
      ['renew', await t.call('POST', 'auth/token/renew', { body: { token: other.client_token } })],
      ['renew-self', await t.call('POST', 'auth/token/renew-self', { token: other.client_token, body: {} })],
    ] as const) {
      assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.auth.client_token, other.client_token, what)
      assert.equal(res.body.auth.accessor, other.accessor, what)
      assert.deepEqual(res.body.auth.policies, ['default'], what)
      assert.deepEqual(res.body.auth.metadata, meta, what)
      assert.equal(res.body.auth.renewable, true, what)
      assert.equal(res.body.auth.lease_duration, 3600, what)
    }
  })
})

describe('openbao external_tests: api sudo paths', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('TestSudoPaths: the OpenAPI document flags as sudo every path the Vault API client lists as sudo that Coffer serves', async () => {
    const spec = await t.call('GET', 'sys/internal/specs/openapi')
    assert.equal(spec.status, 200)
    const sudo = Object.entries(spec.body.paths as Record<string, Record<string, unknown>>)
      .filter(([, info]) => info['x-vault-sudo'] === true)
      .map(([path]) => path)
    // The API client's static list (api.SudoPaths), reduced to the paths Coffer has.
    const clientList: [string, RegExp][] = [
      ['/auth/token/accessors', /^\/auth\/token\/accessors\/?$/],
      ['/sys/audit', /^\/sys\/audit$/],
      ['/sys/audit/{path}', /^\/sys\/audit\/.+$/],
      ['/sys/auth/{path}', /^\/sys\/auth\/.+$/],
      ['/sys/config/cors', /^\/sys\/config\/cors$/],
      ['/sys/config/auditing/request-headers', /^\/sys\/config\/auditing\/request-headers$/],
      ['/sys/config/auditing/request-headers/{header}', /^\/sys\/config\/auditing\/request-headers\/.+$/],
      ['/sys/leases', /^\/sys\/leases$/],
      ['/sys/leases/lookup/{prefix}', /^\/sys\/leases\/lookup\/.+$/],
      ['/sys/leases/revoke-force/{prefix}', /^\/sys\/leases\/revoke-force\/.+$/],
      ['/sys/leases/revoke-prefix/{prefix}', /^\/sys\/leases\/revoke-prefix\/.+$/],
      ['/sys/remount', /^\/sys\/remount$/],
      ['/sys/revoke-force/{prefix}', /^\/sys\/revoke-force\/.+$/],
      ['/sys/revoke-prefix/{prefix}', /^\/sys\/revoke-prefix\/.+$/],
      ['/sys/rotate', /^\/sys\/rotate$/],
      ['/sys/rotate/root', /^\/sys\/rotate\/root$/],
    ]
    for (const [name, pattern] of clientList)
      assert.ok(
        sudo.some((path) => pattern.test(path)),
        `${name} flagged as sudo (sudo paths: ${sudo.join(', ')})`,
      )
    // And the flag is enforced: full rights on sys/leases without sudo do not list irrevocable leases.
    await t.call('PUT', 'sys/policies/acl/leases-nosudo', {
      body: {
        policy: 'path "sys/leases*" { capabilities = ["create", "read", "update", "delete", "list"] }',
      },
    })
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['leases-nosudo'] } })).body
      .auth.client_token
    assert.equal((await t.call('GET', 'sys/leases?type=irrevocable', { token })).status, 403)
    assert.equal((await t.call('GET', 'sys/leases/count?type=irrevocable', { token })).status, 200)
  })
})

/** A JSON request to the server sent from another loopback address (127.0.0.2), as a second client machine. */
function callFrom(
  localAddress: string,
  address: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<Pick<Reply, 'status' | 'body'>> {
  const url = new URL(`${address}/v1/${path}`)
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress,
        headers: {
          ...(opts.token ? { 'x-vault-token': opts.token } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }),
        )
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

describe('openbao external_tests: userpass_binary', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    await t.call('PUT', 'sys/policies/acl/admin', {
      body: {
        policy: 'path "*" { capabilities = ["create", "update", "delete", "read", "patch", "list", "sudo"] }',
      },
    })
  })
  after(() => t.close())

  it('Test_StrictIPBinding (with token_bound_cidrs): a token bound to one client address works from there only', async () => {
    await t.call('POST', 'auth/userpass/users/testing', {
      body: { password: 'password', token_policies: 'admin', token_bound_cidrs: ['127.0.0.2/32'] },
    })
    const here = await t.call('POST', 'auth/userpass/login/testing', {
      token: '',
      body: { password: 'password' },
    })
    assert.equal(here.status, 403, 'a login from outside the bound addresses is refused')
    // The username's case does not matter (Vault lower-cases userpass names).
    const there = await callFrom('127.0.0.2', t.address, 'POST', 'auth/userpass/login/Testing', {
      body: { password: 'password' },
    })
    assert.equal(there.status, 200, JSON.stringify(there.body))
    const token = there.body.auth.client_token
    assert.equal((await t.call('GET', 'sys/host-info', { token })).status, 403)
    const remote = await callFrom('127.0.0.2', t.address, 'GET', 'sys/host-info', { token })
    assert.equal(remote.status, 200, JSON.stringify(remote.body))
  })

  it('Test_StrictIPBinding (lockout): failed logins count against one user whatever the case of the name', async () => {
    await t.call('POST', 'auth/userpass/users/casey', { body: { password: 'right' } })
    const names = ['casey', 'Casey', 'CASEY', 'cAsey', 'caseY']
    for (const name of names) {
      const res = await t.call('POST', `auth/userpass/login/${name}`, {
        token: '',
        body: { password: 'wrong' },
      })
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`)
    }
    const locked = await t.call('POST', 'auth/userpass/login/CaSeY', {
      token: '',
      body: { password: 'right' },
    })
    assert.equal(locked.status, 403, 'five failures under any spelling lock the one user')
  })
})

describe('openbao external_tests: quotas', () => {
  let t: TestServer
  let auditDir: { dir: string; remove(): void }
  const clock = new ManualClock()
  before(async () => {
    t = await startDevServer({ clock })
    auditDir = makeTempDir('coffer-bao-quota-audit-')
    assert.equal((await t.call('POST', 'sys/mounts/pki', { body: { type: 'kv' } })).status, 204)
  })
  after(async () => {
    await t.close()
    auditDir.remove()
  })
  const quota = (name: string, body: Record<string, unknown>) =>
    t.call('POST', `sys/quotas/rate-limit/${name}`, { body })
  // A global quota covers sys/quotas too, so each delete waits (on the manual clock) for a fresh second.
  const dropAll = async () => {
    clock.advance(2)
    for (const name of (await t.call('LIST', 'sys/quotas/rate-limit')).body?.data?.keys ?? []) {
      clock.advance(2)
      assert.equal((await t.call('DELETE', `sys/quotas/rate-limit/${name}`)).status, 204)
    }
  }

  it('TestQuotas_RateLimit_DupName: writing a quota again by name changes it, and the list keeps one', async () => {
    assert.equal((await quota('secret-rlq', { rate: 7.7, path: 'secret' })).status, 204)
    assert.equal((await t.call('GET', 'sys/quotas/rate-limit/secret-rlq')).status, 200)
    assert.equal((await quota('secret-rlq', { rate: 7.7, path: '' })).status, 204)
    const list = await t.call('LIST', 'sys/quotas/rate-limit')
    assert.deepEqual(list.body.data.keys, ['secret-rlq'])
    assert.equal((await t.call('GET', 'sys/quotas/rate-limit/secret-rlq')).body.data.path, '')
    await dropAll()
  })

  it('TestQuotas_RateLimit_DupPath: a second quota on a path another quota holds is refused', async () => {
    assert.equal((await quota('global-rlq', { rate: 10, path: '' })).status, 204)
    assert.equal((await quota('secret-rlq', { rate: 7.7, path: 'secret' })).status, 204)
    const dup = await quota('secret-rlq', { rate: 7.7, path: '' })
    assert.equal(dup.status, 400, JSON.stringify(dup.body))
    assert.equal((await t.call('GET', 'sys/quotas/rate-limit/secret-rlq')).body.data.path, 'secret/')
    await dropAll()
  })

  it('TestQuotas_RateLimitQuota_DefaultExemptPaths: sys/health is never rate limited by default', async () => {
    assert.equal((await quota('rlq', { rate: 1 })).status, 204)
    for (let i = 0; i < 3; i++) assert.equal((await t.call('GET', 'sys/health')).status, 200)
    await dropAll()
  })

  it('TestQuotas_RateLimitQuota_AuditLogging: with rate-limit audit logging on, one refusal is one audit record', async () => {
    const file = join(auditDir.dir, 'audit.log')
    await t.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_audit_logging: true } })
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: file } } }))
        .status,
      204,
    )
    assert.equal((await quota('rlq', { rate: 1, path: 'pki', interval: '1h' })).status, 204)
    assert.equal((await t.call('LIST', 'pki/')).status, 404)
    const refused = await t.call('LIST', 'pki/')
    assert.equal(refused.status, 429)
    await dropAll()
    assert.equal((await t.call('DELETE', 'sys/audit/file')).status, 204)
    await t.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_audit_logging: false } })
    const limited = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter(
        (r) =>
          r.type === 'request' &&
          typeof r.error === 'string' &&
          r.error.endsWith('rate limit quota exceeded'),
      )
    assert.equal(limited.length, 1, JSON.stringify(limited))
  })

  it('TestQuotas_RateLimitQuota_MountPrecedence: a mount’s quota wins over the global one there', async () => {
    assert.equal((await quota('root-rlq', { rate: 100, interval: '1h' })).status, 204)
    assert.equal((await quota('mount-rlq', { rate: 1, path: 'pki/', interval: '1h' })).status, 204)
    assert.equal((await t.call('LIST', 'pki/')).status, 404)
    assert.equal(
      (await t.call('LIST', 'pki/')).status,
      429,
      'the mount quota of 1 applies, not the global 100',
    )
    assert.equal((await t.call('LIST', 'secret/metadata/')).status, 404, 'elsewhere the global quota applies')
    await dropAll()
    clock.advance(3600)
  })
})

describe('openbao external_tests: router', () => {
  for (const order of [
    ['a/abcd/123', 'abcd/123'],
    ['abcd/123', 'a/abcd/123'],
  ]) {
    it(`TestRouter_MountSubpath_Checks: mounts ${order.join(' then ')} (one path ending another) survive a seal and unseal`, async () => {
      const t = await startSealedServer()
      try {
        const init = await t.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
        const key = init.body.keys_base64[0]
        const root = init.body.root_token
        assert.equal((await t.call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
        for (const mp of order) {
          const auth = await t.call('POST', `sys/auth/auth/${mp}`, {
            token: root,
            body: { type: 'userpass' },
          })
          assert.equal(auth.status, 204, `auth/${mp}: ${JSON.stringify(auth.body)}`)
          const mount = await t.call('POST', `sys/mounts/s/${mp}`, { token: root, body: { type: 'kv' } })
          assert.equal(mount.status, 204, `s/${mp}: ${JSON.stringify(mount.body)}`)
          assert.equal((await t.call('POST', `s/${mp}/k`, { token: root, body: { v: mp } })).status, 204)
        }
        assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
        assert.equal((await t.call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
        for (const mp of order) {
          assert.equal((await t.call('GET', `s/${mp}/k`, { token: root })).body.data.v, mp)
          const users = await t.call('POST', `auth/auth/${mp}/users/u`, {
            token: root,
            body: { password: 'pw' },
          })
          assert.equal(users.status, 204, `auth/auth/${mp}: ${JSON.stringify(users.body)}`)
        }
      } finally {
        await t.close()
      }
    })
  }
})
