// End to end, as an adversary: once the client library has heard that its token is gone (a 403 on any request, or
// the event stream closed for a revoked token), nothing it cached for that token is served again.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { CofferClient, CofferError } from '../../packages/client/src/index.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const READER = `
path "secret/data/rev/*" { capabilities = ["read", "subscribe"] }
path "sys/events/subscribe/*" { capabilities = ["read"] }
`

describe('@coffer/client: a revoked token is served nothing from the cache', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    assert.equal(
      (await t.call('PUT', 'sys/policies/acl/rev-reader', { body: { policy: READER } })).status,
      204,
    )
    for (const key of ['a', 'b'])
      assert.equal(
        (await t.call('POST', `secret/data/rev/${key}`, { body: { data: { v: key } } })).status,
        200,
      )
  })
  after(async () => {
    await t?.close()
  })

  const reader = async (): Promise<string> =>
    (await t.call('POST', 'auth/token/create', { body: { policies: ['rev-reader'] } })).body.auth.client_token

  const forbidden = (error: unknown) => error instanceof CofferError && error.status === 403

  it('a 403 on one path drops every cached value, not only that path', async () => {
    const token = await reader()
    const client = new CofferClient({
      address: t.address,
      token,
      cache: { ttl: 3600, staleIfError: 3600 },
      events: { enabled: false },
    })
    try {
      assert.equal((await client.kv.get('rev/a')).data['v'], 'a')
      assert.equal((await client.kv.get('rev/b')).data['v'], 'b')
      assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
      // The client learns of it on a call that is not cached at all.
      await assert.rejects(client.request('GET', 'secret/data/rev/other'), forbidden)
      await assert.rejects(client.kv.get('rev/a'), forbidden)
      await assert.rejects(client.kv.get('rev/b'), forbidden)
    } finally {
      client.close()
    }
  })

  it('the event stream closed for a revoked token drops every cached value', async () => {
    const token = await reader()
    const client = new CofferClient({
      address: t.address,
      token,
      cache: { ttl: 3600 },
      events: { types: ['kv*'] },
    })
    try {
      assert.equal(await withDeadline(client.eventsReady(), 'the event subscription opens'), true)
      assert.equal((await client.kv.get('rev/a')).data['v'], 'a')
      const revoked = once(client, 'tokenRevoked')
      assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
      await withDeadline(revoked, 'the client hears the stream closed for the revoked token')
      assert.equal(client.cache.size, 0)
      await assert.rejects(client.kv.get('rev/a'), forbidden)
    } finally {
      client.close()
    }
  })

  it('without change events nothing is answered from memory unless asked for, so no TTL outlives a revocation', async () => {
    const noSubscribe = `path "secret/data/rev/*" { capabilities = ["read"] }`
    assert.equal(
      (await t.call('PUT', 'sys/policies/acl/rev-nosub', { body: { policy: noSubscribe } })).status,
      204,
    )
    const nosub = (await t.call('POST', 'auth/token/create', { body: { policies: ['rev-nosub'] } })).body.auth
      .client_token as string
    const off = await reader()
    const refused = new CofferClient({ address: t.address, token: nosub, cache: { ttl: 3600 } })
    const disabled = new CofferClient({
      address: t.address,
      token: off,
      cache: { ttl: 3600 },
      events: { enabled: false },
    })
    try {
      await withDeadline(once(refused, 'eventsUnavailable'), 'the subscription is refused')
      for (const client of [refused, disabled]) assert.equal((await client.kv.get('rev/a')).data['v'], 'a')
      for (const token of [nosub, off])
        assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
      await assert.rejects(refused.kv.get('rev/a'), forbidden)
      await assert.rejects(disabled.kv.get('rev/a'), forbidden)
    } finally {
      refused.close()
      disabled.close()
    }
  })

  it('an AppRole login whose token was revoked is replaced by a new login, not reused until its TTL', async () => {
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await t.call('POST', 'auth/approle/role/rev', {
      body: { token_policies: ['rev-reader'], token_ttl: '1h' },
    })
    const roleId = (await t.call('GET', 'auth/approle/role/rev/role-id')).body.data.role_id as string
    const secretId = (await t.call('POST', 'auth/approle/role/rev/secret-id')).body.data.secret_id as string
    const client = new CofferClient({
      address: t.address,
      approle: { roleId, secretId },
      cache: { withoutEvents: true },
      events: { enabled: false },
    })
    try {
      assert.equal((await client.kv.get('rev/a')).data['v'], 'a')
      const self = await client.request<{ data: { id: string } }>('GET', 'auth/token/lookup-self')
      const first = self.data.id
      assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token: first } })).status, 204)
      // The call that meets the revoked token fails (and empties the cache); the next one logs in again.
      await assert.rejects(client.request('GET', 'secret/data/rev/b'), forbidden)
      assert.equal(client.cache.size, 0)
      assert.equal((await client.kv.get('rev/a')).data['v'], 'a')
      const now = await client.request<{ data: { id: string } }>('GET', 'auth/token/lookup-self')
      assert.notEqual(now.data.id, first)
    } finally {
      client.close()
    }
  })
})
