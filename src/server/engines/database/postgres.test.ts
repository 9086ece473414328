// The database engine against the shared PostgreSQL on 127.0.0.1:5432 (trust auth): users exist, then are gone.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import pg from 'pg'
import { describeUnless, POSTGRES, unmet } from '../../../../test/helpers/requirements.ts'
import { scramSha256Verifier } from './plugins/scram.ts'
import { type DbHarness, makeDb } from './test-helpers.ts'

const URL_TEMPLATE = 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable'

async function canLogin(user: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user, password })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

describeUnless(await unmet(POSTGRES), 'database engine: PostgreSQL (shared server)', () => {
  let db: DbHarness
  before(async () => {
    db = await makeDb()
    await db.call('update', 'config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: URL_TEMPLATE,
      username: 'postgres',
      password: 'unused-with-trust',
      allowed_roles: ['ro', 'do-block', 'shrink'],
    })
  })
  after(() => db?.close())

  it('creates a login role, renews its VALID UNTIL, and revoke ends its session and drops it', async () => {
    await db.call('update', 'roles/ro', {
      db_name: 'pg',
      creation_statements: [
        "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
        'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";',
      ],
      default_ttl: '1h',
    })
    const creds = await db.call('read', 'creds/ro')
    const { username, password } = creds!.data as { username: string; password: string }
    assert.match(username, /^v-token-ro-[A-Za-z0-9]{20}-\d+$/)
    assert.equal(await canLogin(username, password), true)
    const session = new pg.Client({
      host: '127.0.0.1',
      port: 5432,
      database: 'test',
      user: username,
      password,
    })
    await session.connect()
    session.on('error', () => {})
    await db.renew(creds!.secret!.internal, 7200)
    const admin = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' })
    await admin.connect()
    try {
      const until = await admin.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [username])
      const left = (new Date(until.rows[0].rolvaliduntil).getTime() - Date.now()) / 1000
      assert.ok(left > 7100 && left <= 7201, `VALID UNTIL moved about two hours out (${left}s)`)
      await db.revoke(creds!.secret!.internal)
      assert.equal((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount, 0)
    } finally {
      await admin.end()
    }
    await assert.rejects(session.query('SELECT 1'), 'the open session was terminated')
    await session.end().catch(() => {})
    assert.equal(await canLogin(username, password), false)
  })

  it("renews within the role's max_ttl as it is now, and past it fails without touching the user", async () => {
    await db.call('update', 'roles/shrink', {
      db_name: 'pg',
      creation_statements:
        "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
      default_ttl: '10m',
      max_ttl: '1h',
    })
    const creds = await db.call('read', 'creds/shrink')
    const { username } = creds!.data as { username: string }
    const admin = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' })
    await admin.connect()
    const validUntil = async () =>
      (await admin.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [username])).rows[0]
        .rolvaliduntil as Date
    try {
      // An operator tightens the role: leases already out are renewed no further than its new max_ttl.
      await db.call('update', 'roles/shrink', { max_ttl: '20m' })
      assert.deepEqual(await db.renew(creds!.secret!.internal, 3600), { ttl: 1200 })
      db.clock.now += 1200_000
      const before = await validUntil()
      await assert.rejects(db.renew(creds!.secret!.internal, 60), /past the max TTL, cannot renew/)
      assert.deepEqual(await validUntil(), before, 'a refused renewal leaves VALID UNTIL alone')
      await db.revoke(creds!.secret!.internal)
    } finally {
      await admin.end()
    }
  })

  it('keeps a DO block with inner semicolons as one statement', async () => {
    await db.call('update', 'roles/do-block', {
      db_name: 'pg',
      creation_statements:
        "DO $$ BEGIN CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}'; EXECUTE 'SELECT 1'; END $$;",
    })
    const creds = await db.call('read', 'creds/do-block')
    const { username, password } = creds!.data as { username: string; password: string }
    assert.equal(await canLogin(username, password), true)
    await db.revoke(creds!.secret!.internal)
    assert.equal(await canLogin(username, password), false)
  })

  it('an SQL error is a 502 naming the problem but never the password; a bad URL is a 400', async () => {
    await db.call('update', 'roles/ro', {
      creation_statements: 'CREATE ROLE "{{name}}" WITH NONSENSE \'{{password}}\'',
    })
    const error = await db.call('read', 'creds/ro').then(
      () => undefined,
      (e: Error & { status: number }) => e,
    )
    assert.equal(error?.status, 502)
    assert.match(error!.message, /unrecognized role option/)
    await assert.rejects(
      db.call('update', 'config/bad', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: 'postgresql://[::1',
      }),
      { status: 400 },
    )
    await assert.rejects(
      db.call('update', 'config/down', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/test',
        username: 'x',
        password: 'Very-Secret-Pw',
      }),
      (e: Error & { status: number }) => e.status === 400 && !e.message.includes('Very-Secret-Pw'),
    )
  })
  it('password_authentication scram-sha-256: the database gets a SCRAM verifier of the issued password, never the password', async () => {
    await db.call('update', 'config/scram', {
      plugin_name: 'postgresql-database-plugin',
      // The server itself would hash a clear password with SCRAM; md5 in these sessions shows who hashed it.
      connection_url: `${URL_TEMPLATE}&options=-c%20password_encryption%3Dmd5`,
      username: 'postgres',
      password: 'unused-with-trust',
      allowed_roles: ['scram'],
      password_authentication: 'scram-sha-256',
    })
    const details = (await db.call('read', 'config/scram'))!.data!['connection_details'] as Record<
      string,
      unknown
    >
    assert.equal(details['password_authentication'], 'scram-sha-256')
    await db.call('update', 'roles/scram', {
      db_name: 'scram',
      creation_statements: 'CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';',
      default_ttl: '1h',
    })
    const creds = await db.call('read', 'creds/scram')
    const { username, password } = creds!.data as { username: string; password: string }
    const admin = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' })
    await admin.connect()
    try {
      const row = await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [username])
      const stored = String(row.rows[0].rolpassword)
      const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)
      assert.ok(
        match,
        `stored as a SCRAM verifier made by Coffer, not hashed by the server: ${stored.slice(0, 14)}`,
      )
      // The verifier is of the password handed to the client: recomputed with the stored salt, it is the same.
      assert.equal(scramSha256Verifier(password, Buffer.from(match[2]!, 'base64'), Number(match[1])), stored)
      await db.revoke(creds!.secret!.internal)
    } finally {
      await admin.end()
    }
    await assert.rejects(db.call('update', 'config/scram', { password_authentication: 'md5' }), {
      status: 400,
    })
  })
})
