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
})
