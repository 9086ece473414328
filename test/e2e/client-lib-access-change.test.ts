// End to end against a server process: a policy or identity change that takes read away reaches the client library's cache as a revocation does.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { CofferClient, CofferError } from '../../packages/client/src/index.ts'
import { type CountingProxy, startCountingProxy } from '../helpers/counting-proxy.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'

const EVENTS = `path "sys/events/subscribe/*" { capabilities = ["read"] }`
const READ = `path "secret/data/ac/*" { capabilities = ["read", "subscribe"] }`

describe('@coffer/client: a change of policy empties the cache at once', () => {
  let t: RaceServer
  let proxy: CountingProxy
  before(async () => {
    t = await startRaceServer()
    proxy = await startCountingProxy(t.address)
    for (const [name, policy] of [
      ['ac-events', EVENTS],
      ['ac-read', READ],
      ['ac-group-read', READ],
    ] as const)
      assert.equal((await t.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status, 204)
    assert.equal((await t.call('POST', 'secret/data/ac/a', { body: { data: { v: 'a' } } })).status, 200)
    assert.equal(
      (
        await t.call('POST', 'auth/token/roles/ac', {
          body: { allowed_entity_aliases: ['ac-*'], allowed_policies: ['default', 'ac-events'] },
        })
      ).status,
      204,
    )
  })
  after(async () => {
    await proxy?.close()
    await t?.close()
  })

  const forbidden = (error: unknown) => error instanceof CofferError && error.status === 403

  function client(token: string): CofferClient {
    return new CofferClient({
      address: proxy.address,
      token,
      cache: { ttl: 3600 },
      events: { types: ['kv*'] },
    })
  }

  /** Opens the subscription, reads secret/data/ac/a twice and checks the second read was answered from memory. */
  async function readAndCache(c: CofferClient): Promise<void> {
    assert.equal(await withDeadline(c.eventsReady(), 'the event subscription opens'), true)
    const before = proxy.count('GET', 'secret/data/ac/a')
    assert.equal((await c.kv.get('ac/a')).data['v'], 'a')
    assert.equal((await c.kv.get('ac/a')).data['v'], 'a')
    assert.equal(proxy.count('GET', 'secret/data/ac/a'), before + 1, 'the second read is a cache hit')
  }

  /** A token of an entity (through the role's alias), holding only the event policy of its own. */
  async function entityToken(alias: string): Promise<{ token: string; entityId: string }> {
    const made = await t.call('POST', 'auth/token/create/ac', {
      body: { entity_alias: alias, policies: ['default', 'ac-events'] },
    })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    return { token: made.body.auth.client_token, entityId: made.body.auth.entity_id }
  }

  it('a policy rewritten without read: the close empties the cache, and the next read is refused by the server', async () => {
    const token = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['ac-events', 'ac-read'] } })
    ).body.auth.client_token as string
    const c = client(token)
    try {
      await readAndCache(c)
      const changed = once(c, 'accessChanged')
      const rewrite = await t.call('PUT', 'sys/policies/acl/ac-read', {
        body: { policy: `path "secret/data/ac/*" { capabilities = ["subscribe"] }` },
      })
      assert.equal(rewrite.status, 204)
      await withDeadline(changed, 'the client hears its access changed')
      assert.equal(c.cache.size, 0)
      const before = proxy.count('GET', 'secret/data/ac/a')
      await assert.rejects(c.kv.get('ac/a'), forbidden)
      assert.equal(proxy.count('GET', 'secret/data/ac/a'), before + 1, 'the read went to the server')
    } finally {
      c.close()
      await t.call('PUT', 'sys/policies/acl/ac-read', { body: { policy: READ } })
    }
  })

  it('a policy deleted: the same', async () => {
    assert.equal((await t.call('PUT', 'sys/policies/acl/ac-doomed', { body: { policy: READ } })).status, 204)
    const token = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['ac-events', 'ac-doomed'] } })
    ).body.auth.client_token as string
    const c = client(token)
    try {
      await readAndCache(c)
      const changed = once(c, 'accessChanged')
      assert.equal((await t.call('DELETE', 'sys/policies/acl/ac-doomed')).status, 204)
      await withDeadline(changed, 'the client hears its access changed')
      assert.equal(c.cache.size, 0)
      await assert.rejects(c.kv.get('ac/a'), forbidden)
    } finally {
      c.close()
    }
  })

  it('an entity leaving the group that granted read, and an entity disabled', async () => {
    const member = await entityToken('ac-member')
    const other = await entityToken('ac-other')
    const group = await t.call('POST', 'identity/group', {
      body: {
        name: 'ac-readers',
        policies: ['ac-group-read'],
        member_entity_ids: [member.entityId, other.entityId],
      },
    })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    const groupId = group.body.data.id as string
    const m = client(member.token)
    const o = client(other.token)
    try {
      await readAndCache(m)
      await readAndCache(o)
      const changed = once(m, 'accessChanged')
      const edit = await t.call('POST', `identity/group/id/${groupId}`, {
        body: { member_entity_ids: [other.entityId] },
      })
      assert.equal(edit.status, 200, JSON.stringify(edit.body))
      await withDeadline(changed, 'the member hears its access changed')
      assert.equal(m.cache.size, 0)
      await assert.rejects(m.kv.get('ac/a'), forbidden)

      // A disabled entity's tokens are refused: its stream is closed as a revoked token's is.
      const revoked = once(o, 'tokenRevoked')
      const disable = await t.call('POST', `identity/entity/id/${other.entityId}`, {
        body: { disabled: true },
      })
      assert.equal(disable.status, 204, JSON.stringify(disable.body))
      await withDeadline(revoked, 'the disabled entity hears its token is gone')
      assert.equal(o.cache.size, 0)
      await assert.rejects(o.kv.get('ac/a'), forbidden)
    } finally {
      m.close()
      o.close()
    }
  })

  it('a value read before the subscription opened is not answered from memory after a change made meanwhile', async () => {
    // No event policy yet: the subscription is refused and retried, and reads ask the server.
    const token = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['ac-late-events', 'ac-late-read'] } })
    ).body.auth.client_token as string
    assert.equal(
      (await t.call('PUT', 'sys/policies/acl/ac-late-read', { body: { policy: READ } })).status,
      204,
    )
    const c = new CofferClient({
      address: proxy.address,
      token,
      cache: { ttl: 3600 },
      events: { types: ['kv*'], maxReconnectMs: 500 },
    })
    try {
      await withDeadline(once(c, 'eventsUnavailable'), 'the subscription is refused')
      assert.equal((await c.kv.get('ac/a')).data['v'], 'a')
      assert.equal(c.cache.size, 1)
      // Read is taken away while no stream is open to be closed; then the subscription is allowed.
      const late = `path "secret/data/ac/*" { capabilities = ["subscribe"] }`
      assert.equal(
        (await t.call('PUT', 'sys/policies/acl/ac-late-read', { body: { policy: late } })).status,
        204,
      )
      const connected = once(c, 'eventsConnected')
      assert.equal(
        (await t.call('PUT', 'sys/policies/acl/ac-late-events', { body: { policy: EVENTS } })).status,
        204,
      )
      await withDeadline(connected, 'the subscription opens')
      await assert.rejects(c.kv.get('ac/a'), forbidden)
    } finally {
      c.close()
    }
  })

  it('an unrelated change closes nothing, and a change that keeps read leaves the cache warm again once resubscribed', async () => {
    const token = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['ac-events', 'ac-read'] } })
    ).body.auth.client_token as string
    const c = client(token)
    let accessChanges = 0
    c.on('accessChanged', () => accessChanges++)
    try {
      await readAndCache(c)
      // Another policy, and another entity's identity: this token's policies are what they were.
      assert.equal(
        (await t.call('PUT', 'sys/policies/acl/ac-elsewhere', { body: { policy: READ } })).status,
        204,
      )
      await entityToken('ac-bystander')
      // Frames on one stream arrive in order: an event heard after those changes answered means no close came first.
      const heard = once(c, 'change')
      assert.equal((await t.call('POST', 'secret/data/ac/a', { body: { data: { v: 'a' } } })).status, 200)
      await withDeadline(heard, 'the write is heard on the same stream')
      assert.equal(accessChanges, 0)
      assert.equal(c.cache.size, 1)

      // The token's own policy gains a path: its stream is closed all the same, and it subscribes again.
      const changed = once(c, 'accessChanged')
      const wider = await t.call('PUT', 'sys/policies/acl/ac-read', {
        body: { policy: `${READ}\npath "secret/data/ac-more/*" { capabilities = ["read"] }` },
      })
      assert.equal(wider.status, 204)
      await withDeadline(changed, 'the client hears its access changed')
      assert.equal(c.cache.size, 0)
      await readAndCache(c)
      assert.equal(accessChanges, 1)
    } finally {
      c.close()
      await t.call('PUT', 'sys/policies/acl/ac-read', { body: { policy: READ } })
    }
  })
})
