// End to end: @coffer/client's database lease handle with PostgreSQL: renews at 2/3 of the TTL until the max TTL
// caps it, then fetches a new credential before the lease ends (renewed, expiring, rotated).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { CofferClient, type LeaseHandle } from '../../packages/client/src/index.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('@coffer/client database credentials', async () => {
  const skip = await unmet(POSTGRES)
  if (skip && process.env['CI'] === 'true') throw new Error(`CI needs ${skip}`)
  let t: TestServer
  let db: TestDatabase
  before(async () => {
    if (skip) return
    t = await startDevServer()
    db = await createTestDatabase()
    assert.equal((await t.call('POST', 'sys/mounts/database', { body: { type: 'database' } })).status, 204)
    const config = await t.call('POST', 'database/config/pg', {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: db.url,
        username: 'postgres',
        password: 'unused-with-trust',
        allowed_roles: '*',
      },
    })
    assert.ok(config.status < 300, JSON.stringify(config.body))
    const role = await t.call('POST', 'database/roles/short', {
      body: {
        db_name: 'pg',
        creation_statements: ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';'],
        default_ttl: '3s',
        max_ttl: '6s',
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(async () => {
    await t?.close()
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
})
