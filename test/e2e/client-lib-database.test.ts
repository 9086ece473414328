// End to end: @coffer/client's database lease handle with PostgreSQL: renews at 2/3 of the TTL until the max TTL
// caps it, then fetches a new credential before the lease ends (renewed, expiring, rotated).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { CofferClient, type LeaseHandle } from '../../packages/client/src/index.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('@coffer/client database credentials', async () => {
  const skip = await unmet(POSTGRES)
  let t: TestServer
  let db: TestDatabase
  // PostgreSQL roles belong to the cluster, not the database: a unique name, dropped after.
  const staticUser = `coffer_static_${randomBytes(4).toString('hex')}`
  before(async () => {
    if (skip) return
    t = await startDevServer()
    db = await createTestDatabase()
    await postgresEngine(t.call, db.url, {
      short: { defaultTtl: '3s', maxTtl: '6s' },
      long: { defaultTtl: '1h' },
    })
    await db.query(`CREATE ROLE ${staticUser} WITH LOGIN PASSWORD 'initial'`)
    const staticRole = await t.call('POST', 'database/static-roles/svc', {
      body: { db_name: 'pg', username: staticUser, rotation_period: '1h' },
    })
    assert.equal(staticRole.status, 204, JSON.stringify(staticRole.body))
  })
  after(async () => {
    await t?.close()
    await db?.query(`DROP ROLE IF EXISTS ${staticUser}`).catch(() => undefined)
    await db?.drop()
  })

  const roleExists = async (name: string) =>
    (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1

  it('renews, reports the max TTL, and rotates to a new user before the lease ends', { skip }, async () => {
    const client = new CofferClient({ address: t.address, token: t.rootToken, events: { enabled: false } })
    let lease: LeaseHandle | undefined
    try {
      lease = await client.database.credentials('database', 'short')
      const first = lease.credentials
      const firstLease = lease.leaseId
      assert.match(firstLease, /^database\/creds\/short\//)
      assert.equal(lease.ttl, 3)
      assert.equal(await roleExists(first.username), true)
      const [renewed] = await withDeadline(once(lease, 'renewed'), 'the lease is renewed')
      assert.equal(renewed.leaseId, firstLease)
      const [expiring] = await withDeadline(once(lease, 'expiring'), 'the max TTL is reported')
      assert.ok(expiring.ttl < 3, `a capped renewal (${expiring.ttl}s)`)
      const [rotated] = await withDeadline(once(lease, 'rotated'), 'a new credential is fetched')
      assert.equal(rotated.previousLeaseId, firstLease)
      assert.notEqual(lease.leaseId, firstLease)
      assert.notEqual(lease.credentials.username, first.username)
      assert.equal(await roleExists(lease.credentials.username), true)
      const looked = await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: firstLease } })
      assert.equal(looked.status, 200, 'the old lease was still live when the new credential came')
      const current = lease.leaseId
      await lease.close({ revoke: true })
      assert.equal((await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: current } })).status, 400)
    } finally {
      await lease?.close()
      client.close()
    }
  })

  it('caches static-role credentials and loads them again when the role is rotated', { skip }, async () => {
    const client = new CofferClient({
      address: t.address,
      token: t.rootToken,
      cache: { ttl: 3600 },
      events: { types: ['database/*'] },
    })
    try {
      assert.equal(await withDeadline(client.eventsReady(), 'the event subscription opens'), true)
      const before = await client.database.staticCredentials('database', 'svc')
      assert.equal(before.username, staticUser)
      assert.ok(before.ttl > 0 && before.ttl <= 3600)
      const changed = once(client, 'change')
      assert.equal((await t.call('POST', 'database/rotate-role/svc')).status, 204)
      const [notice] = await withDeadline(changed, 'a change event for the rotated role')
      assert.equal(notice.key, 'database/static-creds/svc')
      assert.equal(notice.event.type, 'database/rotate')
      const after = await client.database.staticCredentials('database', 'svc')
      assert.notEqual(after.password, before.password, 'the rotated password, loaded by the event')
      assert.equal(after.password, (await t.call('GET', 'database/static-creds/svc')).body.data.password)
    } finally {
      client.close()
    }
  })

  it('replaces a credential whose lease was revoked behind its back', { skip }, async () => {
    const client = new CofferClient({ address: t.address, token: t.rootToken, events: { enabled: false } })
    let lease: LeaseHandle | undefined
    try {
      lease = await client.database.credentials('database', 'short')
      const revoked = lease.leaseId
      const errors: unknown[] = []
      lease.on('error', (e) => errors.push(e))
      await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: revoked, sync: true } })
      // events.once would reject on the 'error' this test expects; listen for 'rotated' alone.
      const rotated = await withDeadline(
        new Promise<{ previousLeaseId: string }>((resolve) => lease?.once('rotated', resolve)),
        'a new credential replaces the revoked one',
      )
      assert.equal(rotated.previousLeaseId, revoked)
      assert.equal(errors.length, 1, 'the failed renewal was reported')
      assert.doesNotMatch(String(errors[0]), /password/i)
    } finally {
      await lease?.close({ revoke: true })
      client.close()
    }
  })

  it('replaces a revoked credential at once when a lease/revoke event names it', { skip }, async () => {
    const client = new CofferClient({
      address: t.address,
      token: t.rootToken,
      events: { types: ['lease/revoke'] },
    })
    let lease: LeaseHandle | undefined
    try {
      assert.equal(await withDeadline(client.eventsReady(), 'the event subscription opens'), true)
      lease = await client.database.credentials('database', 'long')
      assert.equal(lease.ttl, 3600, 'renewal alone would notice only after 40 minutes')
      const revoked = lease.leaseId
      const oldUser = lease.credentials.username
      const rotated = once(lease, 'rotated')
      await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: revoked, sync: true } })
      const [notice] = await withDeadline(rotated, 'the event replaces the revoked credential')
      assert.equal(notice.previousLeaseId, revoked)
      assert.notEqual(lease.credentials.username, oldUser)
      assert.equal(await roleExists(lease.credentials.username), true)
      assert.equal(await roleExists(oldUser), false)
    } finally {
      await lease?.close({ revoke: true })
      client.close()
    }
  })
})
