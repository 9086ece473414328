// OpenBao's token_store_test.go replayed over HTTP: each case names the Go test whose behaviour it checks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
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
    errorOf(await create({ num_uses: '1', type: 'batch' }))
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
})
