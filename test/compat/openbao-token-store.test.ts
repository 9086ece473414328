// OpenBao's token_store_test.go replayed over HTTP: each case names the Go test whose behaviour it checks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

describe('OpenBao token store tests, replayed over HTTP', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
    // A non-root token may create tokens and orphans, with sudo on create (Vault's test token-creation policy).
    await t.call('PUT', 'sys/policies/acl/creator', {
      body: {
        policy: `path "auth/token/create*" { capabilities = ["create", "update"] }
path "auth/token/revoke-orphan" { capabilities = ["update"] }`,
      },
    })
    await t.call('PUT', 'sys/policies/acl/sudo-creator', {
      body: { policy: 'path "auth/token/create*" { capabilities = ["create", "update", "sudo"] }' },
    })
  })
  after(() => t.close())

  const create = async (body: Record<string, unknown>, token?: string, path = 'auth/token/create') =>
    t.call('POST', path, { body, ...(token ? { token } : {}) })
  /** Create a token and return its client token; fails the test on any error. */
  const mint = async (body: Record<string, unknown>, token?: string, path = 'auth/token/create') => {
    const res = await create(body, token, path)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth.client_token as string
  }
  const lookup = async (token: string) => t.call('POST', 'auth/token/lookup', { body: { token } })
  const errorOf = (res: { status: number; body: { errors?: string[] } }) => {
    assert.equal(res.status, 400, JSON.stringify(res.body))
    return res.body.errors?.join('; ') ?? ''
  }

  it('TestTokenStore_CreateOrphanResponse: create-orphan answers orphan=true', async () => {
    const res = await create({ policies: 'default' }, undefined, 'auth/token/create-orphan')
    assert.equal(res.status, 200)
    assert.equal(res.body.auth.orphan, true)
  })

  it('TestTokenStore_NoRootBatch: a batch token cannot carry the root policy', async () => {
    errorOf(await create({ type: 'batch', policies: 'root', ttl: '5m' }))
  })

  it('TestTokenStore_HandleRequest_NonAssignable: response-wrapping cannot be assigned, to service or batch', async () => {
    await mint({ policies: ['default', 'foo'] })
    errorOf(await create({ policies: ['default', 'foo', 'response-wrapping'] }))
    errorOf(await create({ policies: ['default', 'foo', 'response-wrapping'], type: 'batch' }))
  })

  it('TestTokenStore_HandleRequest_CreateToken_DisplayName: the name is prefixed and reduced to [a-z0-9-]', async () => {
    const token = await mint({ display_name: 'foo_bar.baz!' })
    const data = (await lookup(token)).body.data
    assert.equal(data.display_name, 'token-foo-bar-baz')
    const cased = await mint({ display_name: 'CI Job__' })
    assert.equal(
      (await lookup(cased)).body.data.display_name,
      'token-CI-Job-',
      'case kept, one trailing "-" dropped',
    )
    assert.equal(data.path, 'auth/token/create')
    assert.deepEqual(data.policies, ['root'])
    assert.equal(data.ttl, 0)
    assert.equal(data.type, 'service')
  })

  it('TestTokenStore_HandleRequest_CreateToken_NumUses: batch tokens refuse num_uses; service tokens keep it', async () => {
    assert.match(
      errorOf(await create({ num_uses: '1', type: 'batch' })),
      /batch tokens cannot have "num_uses" set/,
    )
    const token = await mint({ num_uses: '1' })
    const data = (await lookup(token)).body.data
    assert.equal(data.num_uses, 1)
    assert.deepEqual(data.policies, ['root'])
  })

  it('TestTokenStore_HandleRequest_CreateToken_NumUses_Invalid: a negative use count is refused', async () => {
    errorOf(await create({ num_uses: '-1' }))
  })

  it('TestTokenStore_HandleRequest_CreateToken_NumUses_Restricted: a use-limited token cannot create tokens', async () => {
    const limited = await mint({ num_uses: '5' })
    const res = await create({ num_uses: '1' }, limited)
    assert.equal(res.status, 400, JSON.stringify(res.body))
  })

  it('TestTokenStore_HandleRequest_CreateToken_NoPolicy: root passes root on to a service child, never to a batch one', async () => {
    errorOf(await create({ type: 'batch' }))
    const token = await mint({})
    assert.deepEqual((await lookup(token)).body.data.policies, ['root'])
    // Vault's SanitizePolicies: root named beside others stands alone; names are trimmed and lower-cased.
    assert.deepEqual((await create({ policies: ['root', 'foo'] })).body.auth.policies, ['root'])
    assert.deepEqual((await create({ policies: [' Foo ', 'foo'] })).body.auth.policies, ['default', 'foo'])
  })

  it('TestTokenStore_HandleRequest_CreateToken_BadParent: an unknown caller token creates nothing', async () => {
    const res = await create({}, 'random')
    assert.equal(res.status, 403)
  })

  it('TestTokenStore_HandleRequest_CreateToken_RootID: root may choose the id; a batch token ignores it', async () => {
    const res = await create({ id: 'compat-foobar', policies: ['foo'] })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.client_token, 'compat-foobar')
    const batch = await create({ id: 'compat-foobar-batch', policies: ['foo'], type: 'batch' })
    assert.equal(batch.status, 200, JSON.stringify(batch.body))
    assert.notEqual(batch.body.auth.client_token, 'compat-foobar-batch')
    assert.equal(batch.body.auth.token_type, 'batch')
    assert.match(batch.body.warnings.join(' '), /batch token cannot have a chosen ID/)
    assert.equal((await lookup('compat-foobar-batch')).status, 403)
  })

  it('TestTokenStore_HandleRequest_CreateToken_NonRootID: only root or sudo may choose the id', async () => {
    const client = await mint({ policies: ['creator', 'foo'] })
    for (const type of ['service', 'batch']) {
      const message = errorOf(await create({ id: `compat-x-${type}`, policies: ['foo'], type }, client))
      assert.match(message, /root or sudo privileges required to specify token id/)
    }
  })

  it('TestTokenStore_HandleRequest_CreateToken_NonRoot_Subset and _InvalidSubset', async () => {
    const client = await mint({ policies: ['creator', 'foo', 'bar'] })
    await mint({ policies: ['foo'] }, client)
    await mint({ policies: ['foo', 'bar'] }, client)
    const message = errorOf(await create({ policies: ['foo', 'bar', 'baz'] }, client))
    assert.match(message, /child policies must be subset of parent/)
  })

  it('TestTokenStore_HandleRequest_CreateToken_NonRoot_RootChild: sudo is not enough to mint a root token', async () => {
    const sudoClient = await mint({ policies: ['sudo-creator'] })
    const message = errorOf(await create({ policies: ['root'] }, sudoClient))
    assert.match(message, /root tokens may not be created without parent token being root/)
  })

  it('TestTokenStore_HandleRequest_CreateToken_Root_RootChild_NoExpiry_Expiry', async () => {
    const res = await create({ ttl: '5m', policies: 'root' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.auth.policies, ['root'])
    assert.equal(res.body.auth.lease_duration, 300)
    const message = errorOf(await create({ ttl: '0' }, res.body.auth.client_token))
    assert.match(message, /expiring root tokens cannot create non-expiring root tokens/)
    // The old `lease` name is a TTL too, and a "0" TTL from a root that never expires makes one that never expires.
    const leased = await create({ lease: '10m', policies: 'root' })
    assert.equal(leased.body.auth.lease_duration, 600)
    const forever = await create({ ttl: '0', policies: 'root' })
    assert.equal(forever.body.auth.lease_duration, 0)
    assert.equal(forever.body.auth.renewable, false)
  })

  it('TestTokenStore_HandleRequest_CreateToken_Root_RootChild: root without options makes a root child', async () => {
    const res = await create({})
    assert.deepEqual(res.body.auth.policies, ['root'])
  })

  it('TestTokenStore_HandleRequest_CreateToken_NonRoot_NoParent: no_parent needs root or sudo', async () => {
    const client = await mint({ policies: ['creator', 'foo'] })
    const message = errorOf(await create({ no_parent: true, policies: ['foo'] }, client))
    assert.match(message, /root or sudo privileges required to create orphan token/)
  })

  it('TestTokenStore_HandleRequest_CreateToken_Root_NoParent and _PathBased_NoParent: both make orphans', async () => {
    const viaFlag = await mint({ no_parent: true, policies: ['foo'] })
    const viaPath = await mint({ policies: ['foo'] }, undefined, 'auth/token/create-orphan')
    for (const token of [viaFlag, viaPath]) assert.equal((await lookup(token)).body.data.orphan, true)
  })

  it('TestTokenStore_HandleRequest_CreateToken_Metadata: service and batch tokens keep their metadata', async () => {
    const meta = { user: 'armon', source: 'github' }
    for (const type of ['service', 'batch']) {
      const token = await mint({ policies: ['foo'], meta, type })
      assert.deepEqual((await lookup(token)).body.data.meta, meta, type)
    }
  })

  it('TestTokenStore_HandleRequest_CreateToken_Lease and _TTL: lease is the old name of ttl; batch is not renewable', async () => {
    for (const body of [{ lease: '1h' }, { ttl: '1h' }]) {
      const res = await create({ policies: ['foo'], ...body })
      assert.equal(res.body.auth.lease_duration, 3600, JSON.stringify(body))
      assert.equal(res.body.auth.renewable, true)
    }
    const batch = await create({ policies: ['foo'], ttl: '1h', type: 'batch' })
    assert.equal(batch.body.auth.lease_duration, 3600)
    assert.equal(batch.body.auth.renewable, false)
    // Vault's handleCreateCommon: a batch token takes no explicit max TTL (0 is no setting), nor a period.
    assert.match(
      errorOf(await create({ policies: ['foo'], ttl: '1h', type: 'batch', explicit_max_ttl: '2h' })),
      /batch tokens cannot have "explicit_max_ttl" set/,
    )
    assert.equal((await create({ policies: ['foo'], type: 'batch', explicit_max_ttl: '0' })).status, 200)
    assert.equal((await create({ policies: ['foo'], type: 'batch', period: '0s' })).status, 200)
    assert.match(
      errorOf(await create({ policies: ['foo'], ttl: '1h', type: 'batch', period: '1h' })),
      /batch tokens cannot have "period" set/,
    )
  })

  it('TestTokenStore_HandleRequest_Lookup (root): a root token without lease has the fixed fields Vault reports', async () => {
    const data = (await lookup(t.rootToken)).body.data
    assert.deepEqual(
      {
        policies: data.policies,
        meta: data.meta,
        orphan: data.orphan,
        num_uses: data.num_uses,
        creation_ttl: data.creation_ttl,
        ttl: data.ttl,
        explicit_max_ttl: data.explicit_max_ttl,
        expire_time: data.expire_time,
        entity_id: data.entity_id,
        type: data.type,
      },
      {
        policies: ['root'],
        meta: null,
        orphan: true,
        num_uses: 0,
        creation_ttl: 0,
        ttl: 0,
        explicit_max_ttl: 0,
        expire_time: null,
        entity_id: '',
        type: 'service',
      },
    )
    assert.equal(data.id, t.rootToken)
    assert.ok(data.creation_time > 0)
  })

  for (const [kind, extra] of [
    ['service', {}],
    ['service_token_periodic', { period: '3600s' }],
    ['batch', { type: 'batch' }],
  ] as const) {
    it(`TestTokenStore_HandleRequest_Lookup (${kind}): fields of a child token, and renewal sets last_renewal_time`, async () => {
      const batch = kind === 'batch'
      const token = await mint({ policies: ['foo'], ttl: '3600s', ...extra })
      const data = (await lookup(token)).body.data
      assert.equal(data.id, token)
      assert.deepEqual(data.policies, ['default', 'foo'])
      assert.equal(data.path, 'auth/token/create')
      assert.equal(data.meta, null)
      assert.equal(data.display_name, 'token')
      assert.equal(data.orphan, false)
      assert.equal(data.num_uses, 0)
      assert.equal(data.creation_ttl, 3600)
      assert.equal(data.ttl, 3600)
      assert.equal(data.explicit_max_ttl, 0)
      assert.equal(data.renewable, !batch)
      assert.equal(data.entity_id, '')
      assert.equal(data.type, batch ? 'batch' : 'service')
      assert.equal(data.period, kind === 'service_token_periodic' ? 3600 : undefined)
      assert.ok(data.issue_time)
      assert.ok(data.expire_time)
      assert.equal(data.last_renewal_time, undefined)
      clock.advance(5)
      const renewed = await t.call('POST', 'auth/token/renew', { body: { token } })
      assert.equal(renewed.status, batch ? 400 : 200, JSON.stringify(renewed.body))
      const after = (await lookup(token)).body.data
      if (batch) assert.equal(after.last_renewal_time, undefined)
      else assert.ok(after.last_renewal_time > 0)
    })
  }

  it('TestTokenStore_HandleRequest_LookupSelf: a token sees its own fields', async () => {
    const token = await mint({ policies: ['foo'], ttl: '3600s' })
    const data = (await t.call('GET', 'auth/token/lookup-self', { token })).body.data
    assert.equal(data.id, token)
    assert.deepEqual(data.policies, ['default', 'foo'])
    assert.equal(data.renewable, true)
    assert.equal(data.orphan, false)
    assert.equal(data.creation_ttl, 3600)
    assert.equal(data.ttl, 3600)
  })

  it('TestTokenStore_HandleRequest_LookupAccessor: the token id is never returned', async () => {
    const res = await create({ policies: ['foo'], ttl: '60s' })
    const data = (
      await t.call('POST', 'auth/token/lookup-accessor', { body: { accessor: res.body.auth.accessor } })
    ).body.data
    assert.equal(data.accessor, res.body.auth.accessor)
    assert.equal(data.id, '')
    assert.deepEqual(data.policies, ['default', 'foo'])
  })

  it('TestTokenStore_HandleRequest_ListAccessors: every live service token is listed by accessor', async () => {
    const accessors: string[] = []
    for (let i = 0; i < 4; i++)
      accessors.push((await create({ policies: ['foo'], ttl: '60s' })).body.auth.accessor)
    const res = await t.call('LIST', 'auth/token/accessors')
    assert.equal(res.status, 200)
    for (const accessor of accessors) assert.ok(res.body.data.keys.includes(accessor), accessor)
    assert.equal(res.body.warnings, null)
  })

  it('TestTokenStore_HandleRequest_Renew_Revoke_Accessor: renew-accessor resets the TTL without the token; revoke-accessor ends it', async () => {
    const res = await create({ policies: ['foo'], ttl: '1h' })
    const accessor = res.body.auth.accessor
    const ttlOf = async () =>
      (await t.call('POST', 'auth/token/lookup-accessor', { body: { accessor } })).body.data.ttl as number
    const first = await ttlOf()
    clock.advance(10)
    const second = await ttlOf()
    assert.ok(second < first, `${second} < ${first}`)
    const renewed = await t.call('POST', 'auth/token/renew-accessor', { body: { accessor } })
    assert.equal(renewed.status, 200)
    assert.equal(renewed.body.auth.client_token, '')
    assert.equal(renewed.body.auth.lease_duration, 3600)
    assert.ok((await ttlOf()) > second)
    assert.equal((await t.call('POST', 'auth/token/revoke-accessor', { body: { accessor } })).status, 204)
    assert.equal((await lookup(res.body.auth.client_token)).status, 403)
    const gone = await t.call('POST', 'auth/token/lookup-accessor', { body: { accessor } })
    assert.equal(gone.status, 400)
    // Revoking again is not an error: Vault answers 200 with a warning clients read as "already revoked".
    const again = await t.call('POST', 'auth/token/revoke-accessor', { body: { accessor } })
    assert.equal(again.status, 200)
    assert.deepEqual(again.body.warnings, ['No token found with this accessor'])
    assert.equal((await t.call('POST', 'auth/token/revoke-accessor', { body: {} })).status, 400)
  })

  it('TestTokenStore_HandleRequest_Revoke: revoking a token revokes its children', async () => {
    const child = await mint({ policies: ['root', 'foo'], ttl: '60s' })
    const subChild = await mint({ policies: ['foo'], ttl: '50s' }, child)
    const res = await t.call('POST', 'auth/token/revoke', { body: { token: child } })
    assert.equal(res.status, 204)
    assert.equal((await lookup(child)).status, 403)
    assert.equal((await lookup(subChild)).status, 403)
  })

  it('TestTokenStore_HandleRequest_RevokeOrphan: the children live on as orphans', async () => {
    const child = await mint({ policies: ['root', 'foo'], ttl: '60s' })
    const subChild = await mint({ policies: ['foo'], ttl: '50s' }, child)
    const res = await t.call('POST', 'auth/token/revoke-orphan', { body: { token: child } })
    assert.equal(res.status, 204)
    assert.equal((await lookup(child)).status, 403)
    const left = await lookup(subChild)
    assert.equal(left.status, 200)
    assert.equal(left.body.data.orphan, true)
  })

  it('TestTokenStore_HandleRequest_RevokeOrphan_NonRoot: revoke-orphan needs root or sudo, even on oneself', async () => {
    const child = await mint({ policies: ['creator', 'foo'], ttl: '60s' })
    const res = await t.call('POST', 'auth/token/revoke-orphan', { token: child, body: { token: child } })
    // Vault's handler answers 400 ("root or sudo privileges required to revoke and orphan"); Coffer marks the path
    // root-protected, so the ACL stage refuses it first with 403. Either way nothing is revoked.
    assert.equal(res.status, 403, JSON.stringify(res.body))
    assert.equal((await lookup(child)).status, 200)
  })

  const role = async (name: string, body: Record<string, unknown>) => {
    const res = await t.call('POST', `auth/token/roles/${name}`, { body })
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }
  /** A parent holding policies that each let it create tokens with sudo, as Vault's test token-creation policy. */
  const sudoParent = async (names: string[]) => {
    const policy = 'path "auth/token/create*" { capabilities = ["create", "update", "sudo"] }'
    for (const name of names) await t.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })
    return mint({ policies: names })
  }

  it('TestTokenStore_RoleCRUD: legacy field names, partial updates, list and delete', async () => {
    assert.equal((await t.call('GET', 'auth/token/roles/crud')).status, 404)
    await role('crud', {
      orphan: true,
      period: '72h',
      allowed_policies: 'test1,test2',
      path_suffix: 'happenin',
      bound_cidrs: ['0.0.0.0/0'],
      explicit_max_ttl: '2h',
      token_num_uses: 123,
    })
    const read = async () => (await t.call('GET', 'auth/token/roles/crud')).body.data
    let data = await read()
    assert.equal(data.name, 'crud')
    assert.equal(data.orphan, true)
    assert.equal(data.period, 259200)
    assert.equal(data.token_period, 259200)
    assert.deepEqual(data.allowed_policies, ['test1', 'test2'])
    assert.deepEqual(data.disallowed_policies, [])
    assert.deepEqual(data.allowed_policies_glob, [])
    assert.deepEqual(data.disallowed_policies_glob, [])
    assert.equal(data.path_suffix, 'happenin')
    assert.equal(data.explicit_max_ttl, 7200)
    assert.equal(data.token_explicit_max_ttl, 7200)
    assert.equal(data.renewable, true)
    assert.equal(data.token_type, 'default-service')
    assert.equal(data.token_num_uses, 123)
    assert.equal(data.token_no_default_policy, false)
    assert.deepEqual(data.token_bound_cidrs, ['0.0.0.0/0'])

    await role('crud', {
      period: '79h',
      allowed_policies: 'test3',
      renewable: false,
      explicit_max_ttl: '80h',
      token_num_uses: 0,
      token_no_default_policy: true,
    })
    data = await read()
    assert.equal(data.orphan, true, 'kept from the first write')
    assert.equal(data.token_period, 284400)
    assert.deepEqual(data.allowed_policies, ['test3'])
    assert.equal(data.path_suffix, 'happenin')
    assert.equal(data.token_explicit_max_ttl, 288000)
    assert.equal(data.renewable, false)
    assert.equal(data.token_no_default_policy, true)
    assert.deepEqual(data.token_bound_cidrs, ['0.0.0.0/0'])

    await role('crud', { explicit_max_ttl: '5', period: '0s' })
    data = await read()
    assert.equal(data.token_explicit_max_ttl, 5)
    assert.equal(data.token_period, 0)
    assert.equal(data.period, 0)

    await role('crud', { path_suffix: '', bound_cidrs: [], token_no_default_policy: false })
    data = await read()
    assert.equal(data.path_suffix, '')
    assert.deepEqual(data.token_bound_cidrs, [])
    assert.equal(data.token_no_default_policy, false)
    assert.equal(data.renewable, false)

    assert.ok((await t.call('LIST', 'auth/token/roles')).body.data.keys.includes('crud'))
    assert.equal((await t.call('DELETE', 'auth/token/roles/crud')).status, 204)
    assert.equal((await t.call('GET', 'auth/token/roles/crud')).status, 404)
  })

  it('TestTokenStore_RoleDisallowedPoliciesWithRoot: root may be named in disallowed_policies', async () => {
    await role('withroot', { disallowed_policies: 'root,testpolicy' })
    const data = (await t.call('GET', 'auth/token/roles/withroot')).body.data
    assert.deepEqual(data.disallowed_policies, ['root', 'testpolicy'])
  })

  it('TestTokenStore_RoleDisallowedPolicies: a deny list, matched literally, that inherited policies must pass too', async () => {
    await role('dis1', { disallowed_policies: 'dp1' })
    await role('dis23', { disallowed_policies: 'dp2,dp3' })
    await role('dis123', { disallowed_policies: 'dp1,dp2,dp3' })
    await role('disglob', { disallowed_policies: 'dp*' })
    await role('disdefault', { disallowed_policies: 'default' })
    const parent = await sudoParent(['dp1', 'dp2', 'dp3'])
    for (const name of ['dis1', 'dis23', 'dis123'])
      errorOf(await create({}, parent, `auth/token/create/${name}`))
    await mint({ policies: ['foo', 'bar'] }, parent, 'auth/token/create/dis123')
    errorOf(await create({ policies: ['dp*'] }, parent, 'auth/token/create/disglob'))
    await mint({ policies: ['dp1', 'dp'] }, parent, 'auth/token/create/disglob')
    errorOf(await create({}, parent, 'auth/token/create/disdefault'))
  })

  it('TestTokenStore_RoleAllowedPolicies: an allow list binds root too, matched literally; empty falls back to the parent', async () => {
    await role('allow12', { allowed_policies: 'ap1,ap2' })
    errorOf(await create({ policies: ['foo'] }, undefined, 'auth/token/create/allow12'))
    await mint({ policies: ['ap2'] }, undefined, 'auth/token/create/allow12')
    await role('allownoglob', { allowed_policies: 'ap*' })
    errorOf(await create({ policies: ['ap'] }, undefined, 'auth/token/create/allownoglob'))
    errorOf(await create({ policies: ['apfoo'] }, undefined, 'auth/token/create/allownoglob'))
    await mint({ policies: ['ap*'] }, undefined, 'auth/token/create/allownoglob')

    await role('allowempty', { allowed_policies: '' })
    const parent = await mint({ policies: ['creator', 'ap1', 'ap2', 'ap3'] })
    errorOf(await create({ policies: ['foo'] }, parent, 'auth/token/create/allowempty'))
    await mint({ policies: ['ap2'] }, parent, 'auth/token/create/allowempty')
    const inherited = await create({}, parent, 'auth/token/create/allowempty')
    assert.deepEqual(inherited.body.auth.policies, ['ap1', 'ap2', 'ap3', 'creator', 'default'])
  })

  it('TestTokenStore_RoleDisallowedPoliciesGlob', async () => {
    await role('dg1', { disallowed_policies_glob: 'dg1' })
    await role('dgnot23', { disallowed_policies_glob: 'dg2,dg3*' })
    await role('dgdefault', { disallowed_policies_glob: 'default' })
    const parent = await sudoParent(['dg1', 'dg2', 'dg3', 'dg3b'])
    errorOf(await create({}, parent, 'auth/token/create/dg1'))
    errorOf(await create({}, parent, 'auth/token/create/dgnot23'))
    await mint({ policies: ['foo', 'bar'] }, parent, 'auth/token/create/dg1')
    errorOf(await create({ policies: ['dg3'] }, parent, 'auth/token/create/dgnot23'))
    errorOf(await create({ policies: ['dg3b'] }, parent, 'auth/token/create/dgnot23'))
    await mint({ policies: ['dg1'] }, parent, 'auth/token/create/dgnot23')
    errorOf(await create({}, parent, 'auth/token/create/dgdefault'))
  })

  it('TestTokenStore_RoleAllowedPoliciesGlob', async () => {
    await role('ag', { allowed_policies_glob: 'ag1,ag2' })
    errorOf(await create({ policies: ['foo'] }, undefined, 'auth/token/create/ag'))
    await mint({ policies: ['ag2'] }, undefined, 'auth/token/create/ag')
    await role('ag', { allowed_policies_glob: 'ag*' })
    errorOf(await create({ policies: ['fooag'] }, undefined, 'auth/token/create/ag'))
    await mint({ policies: ['agfoo', 'ag2', 'ag'] }, undefined, 'auth/token/create/ag')
  })

  it('TestTokenStore_RoleOrphan and TestTokenStore_RolePathSuffix: the role names the path and may make orphans', async () => {
    await role('orph', { orphan: true })
    const orphan = await mint({}, undefined, 'auth/token/create/orph')
    const data = (await lookup(orphan)).body.data
    assert.equal(data.orphan, true)
    assert.equal(data.path, 'auth/token/create/orph')
    // Through a role, no_parent is ignored (only the role's orphan counts), for a sudo caller and any other.
    await role('not-orphan', {})
    const sudoCaller = await sudoParent(['np-sudo'])
    const plainCaller = await mint({ policies: ['creator'] })
    for (const caller of [sudoCaller, plainCaller]) {
      const child = await mint({ no_parent: true }, caller, 'auth/token/create/not-orphan')
      assert.equal((await lookup(child)).body.data.orphan, false)
    }
    await role('suffixed', { path_suffix: 'happenin' })
    const suffixed = await mint({}, undefined, 'auth/token/create/suffixed')
    assert.equal((await lookup(suffixed)).body.data.path, 'auth/token/create/suffixed/happenin')
  })

  it('TestTokenStore_NoDefaultPolicy: default follows the parent, no_default_policy, and a role that disallows it', async () => {
    const policy = 'path "auth/token/create*" { capabilities = ["create", "update"] }'
    await t.call('PUT', 'sys/policies/acl/nd1', { body: { policy } })
    const withDefault = await create({ policies: ['nd1'] })
    assert.deepEqual(withDefault.body.auth.policies, ['default', 'nd1'])
    assert.deepEqual((await create({ policies: ['nd1'], no_default_policy: true })).body.auth.policies, [
      'nd1',
    ])
    const parent = withDefault.body.auth.client_token
    assert.deepEqual((await create({}, parent)).body.auth.policies, ['default', 'nd1'])
    assert.deepEqual((await create({ period: '0s' }, parent)).body.auth.policies, ['default', 'nd1'])
    assert.deepEqual((await create({ no_default_policy: true }, parent)).body.auth.policies, ['nd1'])
    const bare = await create({ policies: ['nd1'], no_default_policy: true }, parent)
    assert.deepEqual(bare.body.auth.policies, ['nd1'])
    // A parent without default passes on none, whether its policies are inherited or named.
    const bareParent = bare.body.auth.client_token
    assert.deepEqual((await create({}, bareParent)).body.auth.policies, ['nd1'])
    await role('nd-role', {})
    const viaPlainRole = await create({ policies: ['nd1'] }, bareParent, 'auth/token/create/nd-role')
    assert.deepEqual(viaPlainRole.body.auth.policies, ['nd1'])
    // A role with an allow list adds default itself, unless it disallows default.
    await role('nd-role', { allowed_policies: 'nd1' })
    const viaAllow = await create({ policies: ['nd1'] }, bareParent, 'auth/token/create/nd-role')
    assert.deepEqual(viaAllow.body.auth.policies, ['default', 'nd1'])
    await role('nd-role', { allowed_policies: 'nd1', disallowed_policies: 'default' })
    const noDefault = await create({ policies: ['nd1'] }, bareParent, 'auth/token/create/nd-role')
    assert.deepEqual(noDefault.body.auth.policies, ['nd1'])
    await role('nd-role', { allowed_policies: '', disallowed_policies: 'default' })
    const onlyDenied = await create({ policies: ['nd1'] }, bareParent, 'auth/token/create/nd-role')
    assert.deepEqual(onlyDenied.body.auth.policies, ['nd1'])
    // Allowed and disallowed both naming default: disallowed wins.
    await role('nd-role', { allowed_policies: 'default', disallowed_policies: 'default' })
    errorOf(await create({}, bareParent, 'auth/token/create/nd-role'))
  })

  it('TestTokenStore_AllowedDisallowedPolicies: both lists on one role', async () => {
    await role('both', {
      allowed_policies: 'allowed1,allowed2',
      disallowed_policies: 'disallowed1,disallowed2',
    })
    const path = 'auth/token/create/both'
    assert.deepEqual((await create({ policies: ['allowed1'] }, undefined, path)).body.auth.policies, [
      'allowed1',
      'default',
    ])
    const noDefault = await create({ policies: ['allowed1'], no_default_policy: true }, undefined, path)
    assert.deepEqual(noDefault.body.auth.policies, ['allowed1'])
    errorOf(await create({ policies: ['disallowed1'] }, undefined, path))
    await role('both', { allowed_policies: 'allowed1,common', disallowed_policies: 'disallowed1,common' })
    errorOf(await create({ policies: ['allowed1', 'common'] }, undefined, path))
  })

  it('TestTokenStore_NumUses: a role use limit is a ceiling the request may lower, never lift (0 means unlimited)', async () => {
    await role('limited-uses', { token_num_uses: 10 })
    await role('unlimited-uses', {})
    const usesOf = async (body: Record<string, unknown>, name: string) => {
      const token = await mint(body, undefined, `auth/token/create/${name}`)
      // lookup-self spends a use, and reports what is left after it, as Vault does.
      return (await t.call('GET', 'auth/token/lookup-self', { token })).body.data.num_uses as number
    }
    assert.equal(await usesOf({}, 'limited-uses'), 9)
    assert.equal(await usesOf({ num_uses: 5 }, 'limited-uses'), 4)
    assert.equal(await usesOf({ num_uses: 15 }, 'limited-uses'), 9)
    assert.equal(await usesOf({ num_uses: 0 }, 'limited-uses'), 9)
    assert.equal(await usesOf({ num_uses: 5 }, 'unlimited-uses'), 4)
  })

  it('TestTokenStore_RevokeSelf and TestTokenStore_RevokeTree: revoke-self takes every descendant with it', async () => {
    const top = await mint({ policies: ['creator'], ttl: '1h' })
    let parent = top
    const descendants: string[] = []
    for (let depth = 0; depth < 10; depth++) {
      parent = await mint({ policies: ['creator'], ttl: '1h' }, parent)
      descendants.push(parent)
    }
    const sibling = await mint({ policies: ['creator'], ttl: '1h' }, descendants[0])
    assert.equal((await t.call('POST', 'auth/token/revoke-self', { token: top, body: {} })).status, 204)
    for (const token of [top, ...descendants, sibling]) assert.equal((await lookup(token)).status, 403)
  })

  it('TestTokenStore_HandleRequest_Renew and _RenewSelf: an increment extends the token', async () => {
    const token = await mint({ policies: ['foo'], ttl: '1h' })
    clock.advance(600)
    const other = await t.call('POST', 'auth/token/renew', { body: { token, increment: '3600s' } })
    assert.equal(other.status, 200)
    assert.equal(other.body.auth.lease_duration, 3600)
    assert.equal((await lookup(token)).body.data.ttl, 3600)
    clock.advance(600)
    const self = await t.call('POST', 'auth/token/renew-self', { token, body: { increment: '3600s' } })
    assert.equal(self.status, 200)
    assert.equal(self.body.auth.client_token, token)
    assert.equal((await lookup(token)).body.data.ttl, 3600)
  })

  it('TestTokenStore_RevokeUseCountToken: the last use still answers, with num_uses -1, then the token is gone', async () => {
    const token = await mint({ num_uses: 1, policies: ['foo'] })
    const last = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(last.status, 200)
    assert.equal(last.body.data.num_uses, -1)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
    assert.equal((await lookup(token)).status, 403)
  })

  it('TestTokenStore_HandleRequest_CreateToken_ExistingEntityAlias and _MixedCase: the alias names its entity, any case', async () => {
    await t.call('PUT', 'sys/policies/acl/entity-policy', {
      body: { policy: 'path "secret/*" { capabilities = ["read"] }' },
    })
    const entity = await t.call('POST', 'identity/entity', {
      body: { name: 'compat-entity', policies: ['entity-policy'] },
    })
    const entityId = entity.body.data.id as string
    const accessor = (await t.call('GET', 'sys/auth')).body.data['token/'].accessor as string
    const alias = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'tEStEntityAliaS', canonical_id: entityId, mount_accessor: accessor },
    })
    assert.equal(alias.status, 200, JSON.stringify(alias.body))
    await role('aliased', { allowed_entity_aliases: ['test1', 'test2', 'tEStEntityAliaS'] })
    for (const name of ['tEStEntityAliaS', 'testentityalias']) {
      const res = await create({ entity_alias: name }, undefined, 'auth/token/create/aliased')
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.auth.entity_id, entityId, name)
      assert.ok(res.body.auth.identity_policies.includes('entity-policy'), name)
    }
  })

  it('TestTokenStore_HandleRequest_CreateToken_NonExistingEntityAlias: an unknown alias makes an entity holding it', async () => {
    await role('new-alias', { allowed_entity_aliases: ['fresh-alias'] })
    const res = await create({ entity_alias: 'fresh-alias' }, undefined, 'auth/token/create/new-alias')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const entity = await t.call('GET', `identity/entity/id/${res.body.auth.entity_id}`)
    assert.equal(entity.body.data.aliases.length, 1)
    assert.equal(entity.body.data.aliases[0].name, 'fresh-alias')
  })

  it('TestTokenStore_HandleRequest_CreateToken_NotAllowedEntityAlias and _NoRoleEntityAlias', async () => {
    await role('few-aliases', { allowed_entity_aliases: ['test1', 'test2'] })
    errorOf(await create({ entity_alias: 'other' }, undefined, 'auth/token/create/few-aliases'))
    errorOf(await create({ entity_alias: 'test1' }))
  })

  it('TestTokenStore_TokenID: generated ids carry the prefix; a chosen id has no prefix and no "."', async () => {
    assert.match(await mint({}), /^cvs\./)
    const plain = await create({ id: 'compat-plain-id' })
    assert.equal(plain.status, 200)
    assert.ok(plain.body.warnings.length > 0, 'a chosen id is warned about')
    for (const [id, message] of [
      ['hvs.foobar', "custom token ID cannot have the 'hvs.' prefix"],
      ['cvs.foobar', "custom token ID cannot have the 'cvs.' prefix"],
      ['cvb.foobar', "custom token ID cannot have the 'cvb.' prefix"],
      ['s.foobar', "custom token ID cannot have the 's.' prefix"],
      ['foobar.baz', "custom token ID cannot have a '.' in the value"],
    ]) {
      assert.deepEqual((await create({ id })).body.errors, [message], id)
    }
  })

  it('TestTokenStore_HandleRequest_ListAccessors over the ACL: accessors is root-protected, so list needs sudo too', async () => {
    await t.call('PUT', 'sys/policies/acl/accessor-lister', {
      body: { policy: 'path "auth/token/accessors*" { capabilities = ["list"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/accessor-sudo', {
      body: { policy: 'path "auth/token/accessors*" { capabilities = ["list", "sudo"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/accessor-deny', {
      body: { policy: 'path "auth/token/accessors*" { capabilities = ["deny"] }' },
    })
    const plain = await mint({ policies: ['accessor-lister'] })
    assert.equal((await t.call('LIST', 'auth/token/accessors', { token: plain })).status, 403)
    const sudo = await mint({ policies: ['accessor-sudo'] })
    assert.equal((await t.call('LIST', 'auth/token/accessors', { token: sudo })).status, 200)
    const denied = await mint({ policies: ['accessor-sudo', 'accessor-deny'] })
    assert.equal((await t.call('LIST', 'auth/token/accessors', { token: denied })).status, 403)
  })
  it('TestTokenStore_HandleRequest_CreateToken and TestTokenStore_CreateLookup: a new token is found by lookup', async () => {
    const res = await create({ policies: ['foo'] })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.body.auth.client_token)
    assert.ok(res.body.auth.accessor)
    const data = (await lookup(res.body.auth.client_token)).body.data
    assert.equal(data.id, res.body.auth.client_token)
    assert.equal(data.accessor, res.body.auth.accessor)
    assert.deepEqual(data.policies, ['default', 'foo'])
  })

  it('TestTokenStore_CreateLookup_ProvidedID: a chosen id is kept, and a second token cannot take it', async () => {
    const token = await mint({ id: 'compat-foobarbaz', policies: ['dev', 'ops'], ttl: '1h' })
    assert.equal(token, 'compat-foobarbaz')
    const again = errorOf(await create({ id: 'compat-foobarbaz', policies: ['dev'] }))
    assert.match(again, /cannot create a token with a duplicate ID/)
    const data = (await lookup(token)).body.data
    assert.deepEqual(data.policies, ['default', 'dev', 'ops'], 'the first token is untouched')
  })

  it('TestTokenStore_AccessorIndex: the accessor leads to the token; a batch token has none', async () => {
    const res = await create({ policies: ['dev', 'ops'], ttl: '1h' })
    const accessor = res.body.auth.accessor as string
    assert.ok(accessor)
    const found = await t.call('POST', 'auth/token/lookup-accessor', { body: { accessor } })
    assert.equal(found.status, 200)
    assert.equal(found.body.data.accessor, accessor)
    assert.equal(found.body.data.id, '', 'lookup-accessor never hands back the token')
    const batch = await create({ policies: ['dev'], type: 'batch', ttl: '1h' })
    assert.equal(batch.status, 200, JSON.stringify(batch.body))
    assert.equal(batch.body.auth.accessor, '')
    assert.equal((await lookup(batch.body.auth.client_token)).body.data.accessor, '')
  })

  it('TestTokenStore_Batch_CannotCreateChildren: a batch token creates no tokens', async () => {
    const res = await create({ policies: ['policy1'], type: 'batch' })
    assert.deepEqual(res.body.auth.policies, ['default', 'policy1'])
    const child = await create({ policies: ['policy1'], type: 'batch' }, res.body.auth.client_token)
    assert.ok(child.status >= 400 && child.status < 500, JSON.stringify(child.body))
    assert.equal(child.body.auth, undefined)
  })

  it('TestTokenStore_Batch_CannotRevoke: revoke refuses a batch token, which lives on until it expires', async () => {
    const batch = await create({ policies: ['policy1'], type: 'batch' })
    const token = batch.body.auth.client_token as string
    const res = await t.call('POST', 'auth/token/revoke', { body: { token } })
    assert.match(errorOf(res), /batch tokens cannot be revoked/)
    const orphan = await t.call('POST', 'auth/token/revoke-orphan', { body: { token } })
    assert.match(errorOf(orphan), /batch tokens cannot be revoked/)
    assert.equal((await lookup(token)).status, 200)
  })

  it('TestTokenStore_Batch_NoCubbyhole: a batch token has no cubbyhole to write to', async () => {
    const batch = await create({ policies: ['policy1'], type: 'batch' })
    const res = await t.call('PUT', 'cubbyhole/foo', {
      token: batch.body.auth.client_token,
      body: { a: 'b' },
    })
    assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(res.body))
  })

  it('TestTokenStore_CubbyholeDeletion: revoking a token empties its cubbyhole, so its id starts afresh', async () => {
    for (const revoke of ['revoke', 'revoke-orphan']) {
      const id = `compat-cubby-${revoke}`
      await mint({ id, policies: ['default'] })
      const put = await t.call('PUT', 'cubbyhole/secret', { token: id, body: { value: 'kept' } })
      assert.equal(put.status, 204, JSON.stringify(put.body))
      assert.equal((await t.call('GET', 'cubbyhole/secret', { token: id })).body.data.value, 'kept')
      assert.equal((await t.call('POST', `auth/token/${revoke}`, { body: { token: id } })).status, 204)
      await mint({ id, policies: ['default'] })
      assert.equal((await t.call('GET', 'cubbyhole/secret', { token: id })).status, 404, revoke)
    }
  })

  it('TestTokenStore_Revoke_Orphan: after revoke-orphan the child has no parent and keeps its fields', async () => {
    const parent = await mint({ policies: ['creator', 'dev', 'ops'], ttl: '1h' })
    const child = await mint({ policies: ['dev'], ttl: '1h' }, parent)
    const before = (await lookup(child)).body.data
    assert.equal(before.orphan, false)
    assert.equal((await t.call('POST', 'auth/token/revoke-orphan', { body: { token: parent } })).status, 204)
    const after = (await lookup(child)).body.data
    assert.equal(after.orphan, true)
    for (const key of ['accessor', 'policies', 'creation_ttl', 'path', 'display_name', 'num_uses']) {
      assert.deepEqual(after[key], before[key], key)
    }
  })

  it('TestTokenStore_UseToken: root is never used up; a limited token counts down and is gone after its last use', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('GET', 'auth/token/lookup-self')).body.data.num_uses, 0)
    }
    const token = await mint({ policies: ['dev', 'ops'], num_uses: 2, ttl: '1h' })
    assert.equal((await lookup(token)).body.data.num_uses, 2, 'a lookup by another token uses nothing')
    const first = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(first.body.data.num_uses, 1)
    assert.equal((await lookup(token)).body.data.num_uses, 1)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
    assert.equal((await lookup(token)).status, 403)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
  })

  it('TestTokenStore_HandleRequest_CreateToken_GlobPatternWildcardEntityAlias: allowed_entity_aliases takes globs', async () => {
    for (const [pattern, alias] of [
      ['*-web', 'department-web'],
      ['web-*', 'web-department'],
      ['web-*-web', 'web-department-web'],
    ]) {
      await role('glob-alias', {
        period: '72h',
        path_suffix: 'happening',
        bound_cidrs: ['0.0.0.0/0'],
        allowed_entity_aliases: ['test1', 'test2', pattern],
      })
      const res = await create({ entity_alias: alias }, undefined, 'auth/token/create/glob-alias')
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const entity = await t.call('GET', `identity/entity/id/${res.body.auth.entity_id}`)
      assert.equal(entity.body.data.aliases.length, 1, pattern)
      assert.equal(entity.body.data.aliases[0].name, alias)
    }
    errorOf(await create({ entity_alias: 'web-nope' }, undefined, 'auth/token/create/glob-alias'))
  })

  it('TestTokenStore_RoleTokenFields: legacy and token_ names mirror each other; both at once keep the new with warnings', async () => {
    const read = async () => (await t.call('GET', 'auth/token/roles/fields')).body.data
    await role('fields', {
      explicit_max_ttl: 7200,
      token_type: 'default-service',
      period: 5,
      bound_cidrs: '127.0.0.1',
    })
    let data = await read()
    assert.equal(data.period, 5)
    assert.equal(data.token_period, 5)
    assert.equal(data.explicit_max_ttl, 7200)
    assert.equal(data.token_explicit_max_ttl, 7200)
    assert.equal(data.token_type, 'default-service')
    assert.deepEqual(data.bound_cidrs, ['127.0.0.1'])
    assert.deepEqual(data.token_bound_cidrs, ['127.0.0.1'])

    await role('fields', {
      token_explicit_max_ttl: 5200,
      token_type: 'default-service',
      token_period: 7,
      token_bound_cidrs: '127.0.0.1',
    })
    data = await read()
    assert.equal(data.period, 0)
    assert.equal(data.token_period, 7)
    assert.equal(data.explicit_max_ttl, 0)
    assert.equal(data.token_explicit_max_ttl, 5200)
    assert.deepEqual(data.token_bound_cidrs, ['127.0.0.1'])
    assert.equal(data.bound_cidrs, undefined, 'the deprecated name is answered only while it holds something')

    const both = await t.call('POST', 'auth/token/roles/fields', {
      body: {
        token_explicit_max_ttl: 7200,
        explicit_max_ttl: 5200,
        token_type: 'service',
        token_period: 5,
        period: 1,
        token_bound_cidrs: '127.0.0.1',
        bound_cidrs: '127.0.0.1',
      },
    })
    assert.equal(both.status, 200, JSON.stringify(both.body))
    assert.equal(both.body.warnings.length, 3, JSON.stringify(both.body.warnings))
    data = await read()
    assert.equal(data.period, 0)
    assert.equal(data.token_period, 5)
    assert.equal(data.explicit_max_ttl, 0)
    assert.equal(data.token_explicit_max_ttl, 7200)
    assert.equal(data.token_type, 'service')
  })
  it('TestTokenStore_Revoke: revoking drops the token and its accessor; an unknown or empty token is handled as Vault does', async () => {
    const accessors = async () =>
      ((await t.call('LIST', 'auth/token/accessors')).body.data.keys as string[]).length
    const before = await accessors()
    const res = await create({ policies: ['dev', 'ops'] })
    assert.equal(await accessors(), before + 1)
    const token = res.body.auth.client_token as string
    assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
    assert.equal(await accessors(), before)
    assert.equal((await lookup(token)).status, 403)
    const gone = await t.call('POST', 'auth/token/lookup-accessor', {
      body: { accessor: res.body.auth.accessor },
    })
    assert.equal(gone.status, 400)
    // An unknown token is already revoked: 204, as Vault's revokeCommon; revoke-orphan names it not found.
    assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
    assert.match(
      errorOf(await t.call('POST', 'auth/token/revoke-orphan', { body: { token } })),
      /token to revoke not found/,
    )
    assert.match(errorOf(await t.call('POST', 'auth/token/revoke', { body: {} })), /missing token ID/)
    assert.match(errorOf(await t.call('POST', 'auth/token/revoke-orphan', { body: {} })), /missing token ID/)
  })

  it('TestTokenStore_HandleTidy_parentCleanup: tidy answers 202 and leaves the orphaned children, accessors and all', async () => {
    const children: string[] = []
    for (let i = 0; i < 3; i++) {
      const parent = await mint({ policies: ['creator', 'policy1'] })
      children.push((await create({ policies: ['policy1'] }, parent)).body.auth.accessor)
      assert.equal(
        (await t.call('POST', 'auth/token/revoke-orphan', { body: { token: parent } })).status,
        204,
      )
    }
    const tidy = await t.call('POST', 'auth/token/tidy')
    assert.equal(tidy.status, 202, JSON.stringify(tidy.body))
    const keys = (await t.call('LIST', 'auth/token/accessors')).body.data.keys as string[]
    for (const accessor of children) {
      assert.ok(keys.includes(accessor), accessor)
      const found = await t.call('POST', 'auth/token/lookup-accessor', { body: { accessor } })
      assert.equal(found.body.data.orphan, true)
    }
  })
  it('TestTokenStore_HandleRequest_CreateToken_Metric: a token create counts once, by method, mount, TTL bucket and type', async () => {
    const labels = {
      auth_method: 'token',
      mount_point: 'auth/token/',
      creation_ttl: '1d',
      token_type: 'service',
    }
    const counted = async () => {
      const res = await t.call('GET', 'sys/metrics?format=prometheus')
      assert.equal(res.status, 200)
      return sampleValue(parsePrometheusText(String(res.body)).samples, 'vault_token_creation', labels) ?? 0
    }
    const before = await counted()
    await mint({ ttl: '3h', policies: ['foo'] })
    assert.equal(await counted(), before + 1)
    errorOf(await create({ ttl: '3h', num_uses: -1 }))
    assert.equal(await counted(), before + 1, 'a refused create counts nothing')
  })
})

describe('OpenBao token store TTL tests, replayed over HTTP on a tuned token mount', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
  })
  after(() => t.close())

  const tune = async (defaultTtl: string, maxTtl: string) => {
    const res = await t.call('POST', 'sys/auth/token/tune', {
      body: { default_lease_ttl: defaultTtl, max_lease_ttl: maxTtl },
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }
  const mint = async (path: string, body: Record<string, unknown>) => {
    const res = await t.call('POST', path, { body })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res
  }
  const ttlOf = async (token: string) =>
    (await t.call('GET', 'auth/token/lookup-self', { token })).body.data.ttl as number
  const renewSelf = (token: string, body: Record<string, unknown> = {}) =>
    t.call('POST', 'auth/token/renew-self', { token, body })

  it('TestTokenStore_RolePeriod and TestTokenStore_Periodic: a period ignores the mount max and the increment', async () => {
    await tune('10s', '10s')
    await t.call('POST', 'auth/token/roles/periodic', { body: { period: 5 } })
    const plain = (await mint('auth/token/create', { policies: ['default'] })).body.auth.client_token
    assert.equal(await ttlOf(plain), 10)
    clock.advance(2)
    assert.equal((await renewSelf(plain)).status, 200)
    assert.equal(await ttlOf(plain), 8, 'capped by the mount max counted from creation')
    assert.equal((await renewSelf(plain, { increment: 2 })).status, 200)
    assert.ok((await ttlOf(plain)) <= 8)

    for (const [path, body] of [
      ['auth/token/create/periodic', {}],
      ['auth/token/create/periodic', { period: 5 }],
      ['auth/token/create', { period: 5 }],
    ] as const) {
      const token = (await mint(path, body)).body.auth.client_token
      assert.equal(await ttlOf(token), 5, path)
      clock.advance(3)
      assert.equal((await renewSelf(token, { increment: 1 })).status, 200)
      assert.equal(await ttlOf(token), 5, `${path} renews to its period`)
      clock.advance(4)
      assert.equal((await renewSelf(token)).status, 200)
      assert.equal(await ttlOf(token), 5, `${path} renews past the mount max`)
    }
  })

  it('TestTokenStore_Periodic_ExplicitMax: the explicit max caps a periodic token, from the request or the role', async () => {
    await tune('10s', '10s')
    await t.call('POST', 'auth/token/roles/periodic-max', { body: { period: 5, explicit_max_ttl: 4 } })
    for (const [path, body] of [
      ['auth/token/create', { period: 5, explicit_max_ttl: 4 }],
      ['auth/token/create/periodic-max', {}],
    ] as const) {
      const token = (await mint(path, body)).body.auth.client_token
      assert.equal(await ttlOf(token), 4, path)
      clock.advance(2)
      await renewSelf(token, { increment: 76 })
      assert.equal(await ttlOf(token), 2, `${path} stays under its explicit max`)
      clock.advance(2)
      assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
    }
  })

  it('TestTokenStore_RoleExplicitMaxTTL: a role max beyond the mount max is capped with a warning; the role max binds renewals', async () => {
    await tune('5s', '5h')
    const written = await t.call('POST', 'auth/token/roles/emax', { body: { explicit_max_ttl: '100h' } })
    assert.equal(written.status, 200, JSON.stringify(written.body))
    assert.match(
      written.body.warnings.join(' '),
      /explicit max TTL of 360000 is greater than system\/mount allowed value of 18000 seconds/,
    )
    const both = await mint('auth/token/create/emax', { explicit_max_ttl: '100h' })
    assert.match(
      both.body.warnings.join(' '),
      /Explicit max TTL specified both during creation call and in role/,
    )

    await t.call('POST', 'auth/token/roles/emax', { body: { explicit_max_ttl: '10s' } })
    const plain = (await mint('auth/token/create', { policies: ['default'] })).body.auth.client_token
    assert.equal(await ttlOf(plain), 5)
    clock.advance(2)
    await renewSelf(plain)
    assert.equal(await ttlOf(plain), 5)

    // Made by root with no policies named, the token is a root token: it gets no TTL of its own, but is still
    // bound by the role's explicit max, which becomes its TTL (as in Vault).
    const token = (await mint('auth/token/create/emax', {})).body.auth.client_token
    assert.equal(await ttlOf(token), 10)
    clock.advance(2)
    await renewSelf(token, { increment: 300 })
    assert.equal(await ttlOf(token), 8)
    clock.advance(2)
    await renewSelf(token, { increment: 300 })
    assert.equal(await ttlOf(token), 6)
    clock.advance(8)
    assert.notEqual((await renewSelf(token, { increment: 300 })).status, 200)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
  })

  it("TestTokenStore_RoleExplicitMaxTTL, renewal side: a role token renews under the role's explicit max as it now stands", async () => {
    await tune('1h', '10h')
    await t.call('POST', 'auth/token/roles/curtail', { body: { explicit_max_ttl: '2h' } })
    const token = (await mint('auth/token/create/curtail', { policies: ['foo'], ttl: '1h' })).body.auth
      .client_token
    clock.advance(30 * 60)
    await t.call('POST', 'auth/token/roles/curtail', { body: { explicit_max_ttl: '40m' } })
    const renewed = await renewSelf(token, { increment: '1h' })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.lease_duration, 600)
    assert.equal(await ttlOf(token), 600)
    clock.advance(11 * 60)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
  })
})
