// The database engine through HTTP and core's leases: creds/ returns a lease; sys/leases/revoke and expiry drop the user.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, it } from 'node:test'
import mysql from 'mysql2/promise'
import { run } from '../../src/cli/test-io.ts'
import { canLoginMariaDb, eventually } from '../../src/server/engines/database/test-helpers.ts'
import { revokeDatabaseLeases } from '../helpers/database-leases.ts'
import { mariaDbEngine } from '../helpers/mariadb-engine.ts'
import { describeUnless, MARIADB, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describeUnless(await unmet(MARIADB), 'database engine over HTTP with leases', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    await mariaDbEngine(t.call)
    const short = await t.call('POST', 'database/roles/short', {
      body: {
        db_name: 'maria',
        creation_statements: ["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"],
        default_ttl: '2s',
        max_ttl: '2s',
      },
    })
    assert.equal(short.status, 204)
  })
  after(async () => {
    // A test that failed half-way leaves its lease live: revoke what is left so the MariaDB users go too.
    if (t) await revokeDatabaseLeases(t.call)
    await t?.close()
  })

  it('issues credentials under a lease; sys/leases/revoke makes the login fail', async () => {
    const creds = await t.call('GET', 'database/creds/app')
    assert.equal(creds.status, 200)
    assert.match(creds.body.lease_id, /^database\/creds\/app\/.+/)
    assert.equal(creds.body.lease_duration, 3600)
    assert.equal(creds.body.renewable, true)
    const { username, password } = creds.body.data
    assert.equal(await canLoginMariaDb(username, password), true)
    const revoke = await t.call('PUT', 'sys/leases/revoke', {
      body: { lease_id: creds.body.lease_id, sync: true },
    })
    assert.equal(revoke.status, 204)
    await eventually(
      async () => !(await canLoginMariaDb(username, password)),
      'the revoked user can no longer log in',
    )
  })

  it('an asynchronous revoke stores the lease as expired before it answers 202', async () => {
    const lock = `async_revoke_${randomBytes(4).toString('hex')}`
    // The revocation waits on a named lock the test holds, so the answer comes while it is still running.
    const role = await t.call('POST', 'database/roles/held', {
      body: {
        db_name: 'maria',
        creation_statements: ["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"],
        revocation_statements: [
          `DO GET_LOCK('${lock}', 60)`,
          "DROP USER IF EXISTS '{{name}}'@'%'",
          `DO RELEASE_LOCK('${lock}')`,
        ],
        default_ttl: '1h',
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    const creds = await t.call('GET', 'database/creds/held')
    const { username, password } = creds.body.data
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
    try {
      await admin.query('DO GET_LOCK(?, 60)', [lock])
      try {
        const revoke = await t.call('PUT', 'sys/leases/revoke', {
          body: { lease_id: creds.body.lease_id, sync: false },
        })
        assert.equal(revoke.status, 202)
        // Stored as due now: a stop before the revocation finishes leaves it to the expiry pass, not to its TTL.
        const shown = await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: creds.body.lease_id } })
        assert.equal(shown.status, 200)
        assert.equal(shown.body.data.ttl, 0)
      } finally {
        await admin.query('DO RELEASE_LOCK(?)', [lock])
      }
    } finally {
      await admin.end()
    }
    await eventually(
      async () =>
        (await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: creds.body.lease_id } })).status ===
        400,
      'the revocation completes once the lock is free',
    )
    assert.equal(await canLoginMariaDb(username, password), false)
  })

  it('revoking the token that asked for credentials revokes their lease and drops the user', async () => {
    await t.call('PUT', 'sys/policies/acl/app-creds', {
      body: { policy: 'path "database/creds/app" { capabilities = ["read"] }' },
    })
    const child = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['app-creds'], ttl: '1h' } })
    ).body.auth.client_token as string
    const creds = await t.call('GET', 'database/creds/app', { token: child })
    assert.equal(creds.status, 200)
    const { username, password } = creds.body.data
    assert.equal(await canLoginMariaDb(username, password), true)
    assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token: child } })).status, 204)
    await eventually(
      async () => !(await canLoginMariaDb(username, password)),
      "the token's credentials are dropped with it",
    )
    const lookup = await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: creds.body.lease_id } })
    assert.equal(lookup.status, 400)
  })

  it('renews, lists and revokes by prefix over HTTP and through the coffer lease CLI', async () => {
    const creds = await t.call('GET', 'database/creds/app')
    const leaseId = creds.body.lease_id as string
    const renewed = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: leaseId, increment: '30m' } })
    assert.equal(renewed.status, 200)
    assert.equal(renewed.body.lease_id, leaseId)
    assert.equal(renewed.body.lease_duration, 1800)
    const listed = await t.call('LIST', 'sys/leases/lookup/database/creds/app/')
    assert.ok(listed.body.data.keys.includes(leaseId.split('/').at(-1)))

    const env = { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }
    const looked = await run(['lease', 'lookup', '-format=json', leaseId], { env })
    assert.equal(looked.code, 0, looked.stderr)
    assert.equal(JSON.parse(looked.stdout).id, leaseId)
    const cliRenew = await run(['lease', 'renew', '-increment=10m', '-format=json', leaseId], { env })
    assert.equal(cliRenew.code, 0, cliRenew.stderr)
    assert.equal(JSON.parse(cliRenew.stdout).lease_duration, 600)
    const revoked = await run(['lease', 'revoke', '-prefix', 'database/creds/app'], { env })
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.equal(await canLoginMariaDb(creds.body.data.username, creds.body.data.password), false)
    const missing = await run(['lease', 'lookup', leaseId], { env })
    assert.equal(missing.code, 2)
    const forceWithoutPrefix = await run(['lease', 'revoke', '-force', leaseId], { env })
    assert.equal(forceWithoutPrefix.code, 1)
  })

  it('a 2-second lease expires and the user is dropped', async () => {
    const creds = await t.call('GET', 'database/creds/short')
    assert.equal(creds.body.lease_duration, 2)
    const { username, password } = creds.body.data
    assert.equal(await canLoginMariaDb(username, password), true)
    await eventually(
      async () => !(await canLoginMariaDb(username, password)),
      'the expired user can no longer log in',
    )
  })

  it('the config read never shows the password and errors do not echo it', async () => {
    const read = await t.call('GET', 'database/config/maria')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.connection_details.password, undefined)
    const bad = await t.call('POST', 'database/config/bad', {
      body: {
        plugin_name: 'mysql-database-plugin',
        connection_url: '{{username}}:{{password}}@tcp(127.0.0.1:3306)/',
        username: 'root',
        password: 'Not-The-Root-Pw',
      },
    })
    assert.equal(bad.status, 400)
    assert.ok(!JSON.stringify(bad.body).includes('Not-The-Root-Pw'))
  })
})
