// Fault behaviour of database leases on a throwaway PostgreSQL cluster: revocation while the database is down is retried until it completes, and leases outlive a Coffer restart.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { eventually } from '../../src/server/engines/database/test-helpers.ts'
import { startServer } from '../../src/server/start-server.ts'
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts'
import { describeUnless, PG_CLUSTER, unmet } from '../helpers/requirements.ts'
import { client, startDevServer, type TestServer } from '../helpers/server.ts'

const WRONG_PASSWORD = '28P01'
type Call = ReturnType<typeof client>

/** Mount the engine, point it at the cluster and define a 1-hour and a short-lived role. */
async function setUpEngine(call: Call, cluster: PgCluster, shortTtl: string): Promise<void> {
  assert.equal((await call('POST', 'sys/mounts/database', { body: { type: 'database' } })).status, 204)
  const config = await call('POST', 'database/config/pg', {
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: cluster.connectionUrl,
      username: cluster.superuser,
      password: cluster.superPassword,
      allowed_roles: '*',
    },
  })
  assert.ok(config.status === 204 || config.status === 200, JSON.stringify(config.body))
  const creation = [
    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
  ]
  for (const [name, ttl] of [
    ['app', '1h'],
    ['short', shortTtl],
  ]) {
    const role = await call('POST', `database/roles/${name}`, {
      body: { db_name: 'pg', creation_statements: creation, default_ttl: ttl, max_ttl: ttl },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  }
}

async function issue(call: Call, role: string) {
  const creds = await call('GET', `database/creds/${role}`)
  assert.equal(creds.status, 200, JSON.stringify(creds.body))
  return {
    leaseId: creds.body.lease_id as string,
    username: creds.body.data.username as string,
    password: creds.body.data.password as string,
  }
}

const lookup = (call: Call, leaseId: string) =>
  call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } })

async function roleExists(cluster: PgCluster, username: string): Promise<boolean> {
  return (await cluster.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1
}

describeUnless(await unmet(PG_CLUSTER), 'database leases when things fail', () => {
  let cluster: PgCluster
  before(async () => {
    cluster = await startPgCluster()
  })
  after(() => cluster?.remove())

  describe('the database is stopped during revocation', () => {
    let t: TestServer
    before(async () => {
      // Short backoff so retries happen within the test; many attempts so none is marked irrevocable meanwhile.
      t = await startDevServer({
        expiration: { baseBackoffMs: 200, maxBackoffMs: 1_000, maxRevokeAttempts: 1_000 },
      })
      await setUpEngine(t.call, cluster, '4s')
    })
    after(() => t?.close())

    it('an explicit revoke fails, is shown by lookup, and completes once the database is back', async () => {
      const { leaseId, username, password } = await issue(t.call, 'app')
      assert.equal(await cluster.login(username, password), 'ok')
      await cluster.stop()
      try {
        const revoke = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId, sync: true } })
        assert.equal(revoke.status, 400)
        assert.match(
          revoke.body.errors[0],
          /^failed to revoke entry: resp: \(\*logical\.Response\)\(nil\) err: /,
        )
        assert.ok(!JSON.stringify(revoke.body).includes(cluster.superPassword), 'no password in the error')
        const shown = await lookup(t.call, leaseId)
        assert.equal(shown.status, 200, 'the lease is kept')
        assert.ok(shown.body.data.revoke_attempts >= 1)
        assert.match(shown.body.data.revoke_error, /unable to revoke database user: .*ECONNREFUSED/)
        assert.equal(shown.body.data.irrevocable, false)
        await eventually(
          async () => (await lookup(t.call, leaseId)).body.data.revoke_attempts >= 3,
          'the expiry loop retries while the database is down',
        )
      } finally {
        await cluster.start()
      }
      assert.equal(await roleExists(cluster, username), true, 'nothing dropped the user while it was down')
      await eventually(
        async () => (await lookup(t.call, leaseId)).status === 400,
        'a later retry completes the revocation and removes the lease',
        60_000,
      )
      assert.equal(await roleExists(cluster, username), false)
      assert.equal(await cluster.login(username, password), WRONG_PASSWORD)
    })

    it('a lease that expires while the database is down is revoked once it is back', async () => {
      const { leaseId, username, password } = await issue(t.call, 'short')
      await cluster.stop()
      try {
        await eventually(
          async () => ((await lookup(t.call, leaseId)).body.data?.revoke_attempts ?? 0) >= 1,
          'the expiry attempt fails while the database is down',
        )
        const shown = await lookup(t.call, leaseId)
        assert.equal(shown.status, 200, 'the expired lease persists')
        assert.match(shown.body.data.revoke_error, /ECONNREFUSED/)
      } finally {
        await cluster.start()
      }
      await eventually(
        async () => (await lookup(t.call, leaseId)).status === 400,
        'the retried revocation completes and removes the lease',
        60_000,
      )
      assert.equal(await roleExists(cluster, username), false)
      assert.equal(await cluster.login(username, password), WRONG_PASSWORD)
    })
  })

  it('a lease pending when Coffer stops is revoked after it starts again past the expiry', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'coffer-db-restart-'))
    try {
      const start = () => startServer({ dev: true, dataDir, listenAddress: '127.0.0.1:0' })
      const first = await start()
      let creds: Awaited<ReturnType<typeof issue>>
      let expiresAt: number
      try {
        const call = client(first.address, first.rootToken)
        await setUpEngine(call, cluster, '3s')
        creds = await issue(call, 'short')
        expiresAt = Date.parse((await lookup(call, creds.leaseId)).body.data.expire_time)
      } finally {
        await first.close()
      }
      assert.equal(
        await cluster.login(creds.username, creds.password),
        'ok',
        'closed before the lease expired',
      )
      // Stay down until the lease's time has passed, so only the restarted server can revoke it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 500))
      assert.equal(await roleExists(cluster, creds.username), true, 'nobody revoked it while Coffer was down')

      const second = await start()
      try {
        const call = client(second.address, second.rootToken)
        await eventually(
          async () => (await lookup(call, creds.leaseId)).status === 400,
          'the overdue lease is revoked after the restart',
          30_000,
        )
        assert.equal(await roleExists(cluster, creds.username), false)
        assert.equal(await cluster.login(creds.username, creds.password), WRONG_PASSWORD)
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
