// End to end: @coffer/client against a real server: KV, the cache (hits, refresh-ahead, stale-if-error, never after
// a 403), event-driven refresh, Secrets Manager, transit. Requests are counted by a proxy in front of the server.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CofferClient, CofferConnectionError, CofferError } from '../../packages/client/src/index.ts'
import { type CountingProxy, startCountingProxy } from '../helpers/counting-proxy.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

/** A clock the cache reads; tests move it instead of sleeping. */
function manualClock() {
  let now = Date.now()
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) }
}

describe('@coffer/client', () => {
  let t: TestServer
  let proxy: CountingProxy
  before(async () => {
    t = await startDevServer()
    proxy = await startCountingProxy(t.address)
    const sm = await t.call('POST', 'sys/mounts/secretsmanager', {
      body: { type: 'secretsmanager', options: { account_id: '123456789012' } },
    })
    assert.equal(sm.status, 204)
    assert.equal((await t.call('POST', 'sys/mounts/transit', { body: { type: 'transit' } })).status, 204)
  })
  after(async () => {
    await proxy?.close()
    await t?.close()
  })

  it('reads and writes KV, and serves a fresh value from the cache without a request', async () => {
    const client = new CofferClient({
      address: proxy.address,
      token: t.rootToken,
      cache: { withoutEvents: true },
      events: { enabled: false },
    })
    try {
      const written = await client.kv.put('lib/kv', { user: 'app', password: 'pw-1' })
      assert.equal(written.version, 1)
      const first = await client.kv.get<{ user: string; password: string }>('lib/kv')
      assert.deepEqual(first.data, { user: 'app', password: 'pw-1' })
      assert.equal(first.metadata.version, 1)
      assert.equal(await client.kv.getField('lib/kv', 'password'), 'pw-1')
      assert.equal(proxy.count('GET', 'secret/data/lib/kv'), 1, 'the second read is a cache hit')
      await client.kv.put('lib/kv', { user: 'app', password: 'pw-2' }, { cas: 1 })
      assert.equal(
        await client.kv.getField('lib/kv', 'password'),
        'pw-2',
        'a write through the client drops its copy',
      )
      assert.equal((await client.kv.get('lib/kv', { version: 1 })).data['password'], 'pw-1')
      await assert.rejects(client.kv.getField('lib/kv', 'nope'), /no field "nope"/)
      const mismatch = await client.kv.put('lib/kv', { x: 1 }, { cas: 1 }).catch((e: unknown) => e)
      assert.ok(mismatch instanceof CofferError)
      assert.equal(mismatch.status, 400)
      assert.ok(mismatch.errors.length > 0)
      assert.doesNotMatch(mismatch.message, /pw-|x-vault-token|hvs\./)
    } finally {
      client.close()
    }
  })

  it('refresh-ahead: a hit near the end of the TTL starts one background refresh shared by concurrent callers', async () => {
    const clock = manualClock()
    const client = new CofferClient({
      address: proxy.address,
      token: t.rootToken,
      now: clock.now,
      cache: { ttl: 10, refreshAheadFraction: 0.2, withoutEvents: true },
      events: { enabled: false },
    })
    try {
      await t.call('POST', 'secret/data/lib/ahead', { body: { data: { v: 'old' } } })
      assert.equal((await client.kv.get('lib/ahead')).data['v'], 'old')
      await t.call('POST', 'secret/data/lib/ahead', { body: { data: { v: 'new' } } })
      clock.advance(5)
      assert.equal((await client.kv.get('lib/ahead')).data['v'], 'old', 'mid-TTL: a plain hit')
      assert.equal(proxy.count('GET', 'secret/data/lib/ahead'), 1)
      clock.advance(4)
      const hits = await Promise.all(Array.from({ length: 5 }, () => client.kv.get('lib/ahead')))
      assert.ok(
        hits.every((h) => h.data['v'] === 'old'),
        'callers are answered from the cache at once',
      )
      await client.cache.settled()
      assert.equal(proxy.count('GET', 'secret/data/lib/ahead'), 2, 'one refresh for five hits')
      assert.equal((await client.kv.get('lib/ahead')).data['v'], 'new')
      assert.equal(
        proxy.count('GET', 'secret/data/lib/ahead'),
        2,
        'the refreshed value is served from the cache',
      )
      // An expired entry: concurrent callers wait for one shared load.
      clock.advance(11)
      await Promise.all(Array.from({ length: 5 }, () => client.kv.get('lib/ahead')))
      assert.equal(proxy.count('GET', 'secret/data/lib/ahead'), 3)
    } finally {
      client.close()
    }
  })

  it('never serves a cached value after the server answered 403 (revoked token), even with stale-if-error', async () => {
    await t.call('PUT', 'sys/policies/acl/lib-reader', {
      body: { policy: 'path "secret/data/lib/*" { capabilities = ["read"] }' },
    })
    const child = (await t.call('POST', 'auth/token/create', { body: { policies: ['lib-reader'] } })).body
      .auth.client_token as string
    await t.call('POST', 'secret/data/lib/revoked', { body: { data: { v: 'secret-value' } } })
    const clock = manualClock()
    const client = new CofferClient({
      address: proxy.address,
      token: child,
      now: clock.now,
      cache: { ttl: 10, staleIfError: 3600, withoutEvents: true },
      events: { enabled: false },
    })
    try {
      assert.equal((await client.kv.get('lib/revoked')).data['v'], 'secret-value')
      assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token: child } })).status, 204)
      // Refresh-ahead's background load is refused: the entry goes at once.
      clock.advance(9)
      await client.kv.get('lib/revoked')
      await client.cache.settled()
      assert.equal(client.cache.size, 0)
      const refused = await client.kv.get('lib/revoked').catch((e: unknown) => e)
      assert.ok(refused instanceof CofferError, String(refused))
      assert.equal(refused.status, 403)
      clock.advance(20)
      await assert.rejects(
        client.kv.get('lib/revoked'),
        (e: unknown) => e instanceof CofferError && e.status === 403,
      )
    } finally {
      client.close()
    }
  })

  it('refreshes a cached KV secret when another client writes it, and emits change', async () => {
    await t.call('POST', 'secret/data/lib/watched', { body: { data: { v: 'one' } } })
    const client = new CofferClient({
      address: proxy.address,
      token: t.rootToken,
      cache: { ttl: 3600 },
      events: { types: ['kv*'] },
    })
    try {
      assert.equal(await withDeadline(client.eventsReady(), 'the event subscription opens'), true)
      assert.equal((await client.kv.get('lib/watched')).data['v'], 'one')
      const changed = once(client, 'change')
      await t.call('POST', 'secret/data/lib/watched', { body: { data: { v: 'two' } } })
      const [notice] = await withDeadline(changed, 'a change event for the written secret')
      assert.equal(notice.key, 'secret/data/lib/watched')
      assert.equal(notice.event.type, 'kv-v2/data-write')
      assert.equal(notice.event.metadata.current_version, '2')
      const reads = proxy.count('GET', 'secret/data/lib/watched')
      assert.equal((await client.kv.get('lib/watched')).data['v'], 'two')
      assert.equal(
        proxy.count('GET', 'secret/data/lib/watched'),
        reads,
        'the event already loaded the new value',
      )
    } finally {
      client.close()
    }
  })

  it('asks the server at every read when the token may not subscribe', async () => {
    await t.call('PUT', 'sys/policies/acl/lib-nosub', {
      body: { policy: 'path "secret/data/lib/*" { capabilities = ["read"] }' },
    })
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['lib-nosub'] } })).body.auth
      .client_token as string
    const client = new CofferClient({ address: proxy.address, token, events: { types: ['kv*'] } })
    try {
      const [type] = await withDeadline(
        once(client, 'eventsUnavailable'),
        'the refused subscription is reported',
      )
      assert.equal(type, 'kv*')
      await t.call('POST', 'secret/data/lib/nosub', { body: { data: { v: 1 } } })
      assert.equal((await client.kv.get('lib/nosub')).data['v'], 1)
      assert.equal((await client.kv.get('lib/nosub')).data['v'], 1)
      // No event would tell it of a change or a revocation: nothing is answered from memory.
      assert.equal(proxy.count('GET', 'secret/data/lib/nosub'), 2)
    } finally {
      client.close()
    }
  })

  it('logs in with AppRole once for concurrent calls, and reads a token file', async () => {
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await t.call('PUT', 'sys/policies/acl/lib-app', {
      body: { policy: 'path "secret/data/lib/*" { capabilities = ["read", "create", "update"] }' },
    })
    await t.call('POST', 'auth/approle/role/lib', { body: { token_policies: ['lib-app'], token_ttl: '1h' } })
    const roleId = (await t.call('GET', 'auth/approle/role/lib/role-id')).body.data.role_id as string
    const secretId = (await t.call('POST', 'auth/approle/role/lib/secret-id')).body.data.secret_id as string
    await t.call('POST', 'secret/data/lib/approle', { body: { data: { v: 'by-role' } } })
    const client = new CofferClient({
      address: proxy.address,
      approle: { roleId, secretId },
      events: { enabled: false },
    })
    try {
      const reads = await Promise.all(['lib/approle', 'lib/kv', 'lib/ahead'].map((p) => client.kv.get(p)))
      assert.equal(reads[0]!.data['v'], 'by-role')
      assert.equal(proxy.count('POST', 'auth/approle/login'), 1)
      await assert.rejects(client.request('GET', 'sys/policies/acl/lib-app'), (e: unknown) => {
        return e instanceof CofferError && e.status === 403
      })
    } finally {
      client.close()
    }

    const temp = makeTempDir('coffer-client-lib-')
    try {
      const file = join(temp.dir, 'token')
      writeFileSync(file, `${t.rootToken}\n`)
      const fromFile = new CofferClient({ address: t.address, tokenFile: file, events: { enabled: false } })
      assert.equal((await fromFile.kv.get('lib/approle')).data['v'], 'by-role')
      writeFileSync(file, 'not-a-token')
      await assert.rejects(fromFile.kv.put('lib/approle', { v: 'x' }), (e: unknown) => {
        return e instanceof CofferError && e.status === 403
      })
      fromFile.close()
    } finally {
      temp.remove()
    }
  })

  it('refreshes a cached Secrets Manager value on put-secret-value and stage moves', async () => {
    await t.call('POST', 'secretsmanager/secrets/lib/watched', { body: { secret_string: 'w-1' } })
    const client = new CofferClient({
      address: proxy.address,
      token: t.rootToken,
      cache: { ttl: 3600 },
      events: { types: ['secretsmanager/*'] },
    })
    try {
      assert.equal(await withDeadline(client.eventsReady(), 'the event subscription opens'), true)
      assert.equal((await client.secretsManager.getSecretValue('lib/watched')).secret_string, 'w-1')
      const changed = once(client, 'change')
      await t.call('POST', 'secretsmanager/secrets/lib/watched', { body: { secret_string: 'w-2' } })
      const [notice] = await withDeadline(changed, 'a change event for the new version')
      assert.equal(notice.key, 'secretsmanager/secrets/lib/watched')
      assert.equal(notice.event.type, 'secretsmanager/put-secret-value')
      const second = await client.secretsManager.getSecretValue('lib/watched')
      assert.equal(second.secret_string, 'w-2')
      // An operator moves AWSCURRENT back to the first version: the cache follows the stage move.
      const first = (await client.secretsManager.getSecretValue('lib/watched', { stage: 'AWSPREVIOUS' }))
        .version_id
      const moved = once(client, 'change')
      const move = await t.call('POST', 'secretsmanager/versions/lib/watched', {
        body: {
          version_stage: 'AWSCURRENT',
          move_to_version_id: first,
          remove_from_version_id: second.version_id,
        },
      })
      assert.ok(move.status < 300, JSON.stringify(move.body))
      const [stageNotice] = await withDeadline(moved, 'a change event for the stage move')
      assert.equal(stageNotice.event.type, 'secretsmanager/update-secret-version-stage')
      assert.equal((await client.secretsManager.getSecretValue('lib/watched')).secret_string, 'w-1')
    } finally {
      client.close()
    }
  })

  it('reads Secrets Manager values by stage and version, and round-trips through transit', async () => {
    await t.call('POST', 'secretsmanager/secrets/lib/db', { body: { secret_string: 's-1' } })
    const client = new CofferClient({
      address: proxy.address,
      token: t.rootToken,
      events: { enabled: false },
    })
    try {
      const current = await client.secretsManager.getSecretValue('lib/db')
      assert.equal(current.secret_string, 's-1')
      assert.deepEqual(current.version_stages, ['AWSCURRENT'])
      await t.call('POST', 'secretsmanager/secrets/lib/db', { body: { secret_string: 's-2' } })
      const previous = await client.secretsManager.getSecretValue('lib/db', { stage: 'AWSPREVIOUS' })
      assert.equal(previous.secret_string, 's-1')
      assert.equal(previous.version_id, current.version_id)
      const byId = await client.secretsManager.getSecretValue('lib/db', { versionId: current.version_id })
      assert.equal(byId.secret_string, 's-1')
      await assert.rejects(
        client.secretsManager.getSecretValue('lib/missing'),
        (e: unknown) => e instanceof CofferError && e.status >= 400 && e.status < 500,
      )

      const ciphertext = await client.transit.encrypt('lib-key', 'card 4111')
      assert.match(ciphertext, /^vault:v1:/)
      assert.equal((await client.transit.decrypt('lib-key', ciphertext)).toString(), 'card 4111')
      const bytes = Buffer.from([0, 255, 1, 254])
      assert.deepEqual(
        await client.transit.decrypt('lib-key', await client.transit.encrypt('lib-key', bytes)),
        bytes,
      )
    } finally {
      client.close()
    }
  })
})

describe('@coffer/client with the server stopped', () => {
  it('serves the last value for a bounded time (stale-if-error), then fails', async () => {
    const t = await startDevServer({ storage: 'inmem' })
    const clock = manualClock()
    const client = new CofferClient({
      address: t.address,
      token: t.rootToken,
      now: clock.now,
      retry: { retries: 1, backoffMs: 10 },
      cache: { ttl: 10, staleIfError: 60 },
      events: { enabled: false },
    })
    try {
      await t.call('POST', 'secret/data/lib/stale', { body: { data: { v: 'kept' } } })
      assert.equal((await client.kv.get('lib/stale')).data['v'], 'kept')
      await t.close()
      clock.advance(30)
      const stale = once(client.cache, 'stale')
      assert.equal((await client.kv.get('lib/stale')).data['v'], 'kept')
      const [key, error] = await stale
      assert.equal(key, 'secret/data/lib/stale')
      assert.ok(error instanceof CofferConnectionError)
      clock.advance(60)
      await assert.rejects(client.kv.get('lib/stale'), CofferConnectionError)
    } finally {
      client.close()
      await t.close()
    }
  })
})
