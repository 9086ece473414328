// OpenBao's database backend tests (backend_test.go, path_roles_test.go, rotation_test.go and the PostgreSQL/MySQL plugin tests) replayed over HTTP against the loopback PostgreSQL and MariaDB: each `it` names the Go test.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import mysql from 'mysql2/promise'
import { createClient } from 'redis'
import { createLogger } from '../../src/lib/logger.ts'
import { canLoginMariaDb, eventually } from '../../src/server/engines/database/test-helpers.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { describeUnless, MARIADB, POSTGRES, REDIS, unmet } from '../helpers/requirements.ts'
import {
  ManualClock,
  type Reply,
  startDevServer,
  startServerInTempDir,
  type TestServer,
  wrap,
} from '../helpers/server.ts'

/** Unique per run, so names never collide with another run's (or another test file's) users on the shared servers. */
const RUN = crypto.randomBytes(3).toString('hex')

// The Go tests' statements (backend_test.go, path_roles_test.go, postgresql.go), as written there.
const testRole = `
CREATE ROLE "{{name}}" WITH
  LOGIN
  PASSWORD '{{password}}'
  VALID UNTIL '{{expiration}}';
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO "{{name}}";
`
const defaultRevocationSQL = `
REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM {{name}};
REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM {{name}};
REVOKE USAGE ON SCHEMA public FROM {{name}};

DROP ROLE IF EXISTS {{name}};
`
const testRoleStaticUpdate = `
ALTER USER "{{name}}" WITH PASSWORD '{{password}}';
`
const testRoleStaticUpdateRotation = `
ALTER USER "{{name}}" WITH PASSWORD '{{password}}';GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO "{{name}}";
`
const defaultChangePasswordStatement = `
ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';
`
const defaultExpirationStatement = `
ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';
`

const errorsOf = (res: Reply) => ((res.body?.errors as string[] | undefined) ?? []).join('; ')

function ok(res: Reply, what: string): Reply {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res
}

/** A 4xx (never a 500) whose message matches `pattern`. */
function refused(res: Reply, pattern: RegExp, status = 400): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.match(errorsOf(res), pattern)
}

/**
 * Whether `password` is the one PostgreSQL stores for `user`. The shared server trusts loopback logins, so a login
 * proves nothing; the stored SCRAM verifier (or md5 hash) is checked instead, as the server would on a password login.
 */
async function pgPasswordIs(db: TestDatabase, user: string, password: string): Promise<boolean> {
  const row = (await db.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [user])).rows[0]
  const stored = row?.rolpassword as string | null | undefined
  if (!stored) return false
  if (stored.startsWith('md5'))
    return (
      stored ===
      `md5${crypto
        .createHash('md5')
        .update(password + user)
        .digest('hex')}`
    )
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(stored)
  if (!m) return false
  const salted = crypto.pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), 32, 'sha256')
  const clientKey = crypto.createHmac('sha256', salted).update('Client Key').digest()
  return crypto.createHash('sha256').update(clientKey).digest('base64') === m[3]
}

async function pgRoleExists(db: TestDatabase, user: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user])).rowCount === 1
}

async function pgValidUntil(db: TestDatabase, user: string): Promise<number | undefined> {
  const value = (await db.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [user])).rows[0]
    ?.rolvaliduntil
  return value instanceof Date ? value.getTime() : undefined
}

describeUnless(await unmet(POSTGRES), 'openbao database: PostgreSQL', () => {
  let t: TestServer
  let db: TestDatabase
  /** Every PostgreSQL role a test made (directly or through Coffer), dropped after the database goes. */
  const pgUsers = new Set<string>()
  let mounts = 0

  before(async () => {
    db = await createTestDatabase()
    await db.query('CREATE TABLE things (id int)')
    t = await startDevServer()
  })
  after(async () => {
    await t?.close()
    await db?.drop()
    // The database is gone (and with it every grant); roles are cluster-wide, so they go through `test`.
    for (const user of pgUsers) await dropRoleInTest(user)
  })

  const url = () => `postgres://{{username}}:{{password}}@127.0.0.1:5432/${db.name}`
  const literalUrl = (password: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:5432/${db.name}`
  const mount = async () => {
    const path = `pgdb${++mounts}`
    ok(await t.call('POST', `sys/mounts/${path}`, { body: { type: 'database' } }), 'mount')
    return path
  }
  const configure = async (m: string, body: Record<string, unknown> = {}, name = 'plugin-test') =>
    ok(
      await t.call('POST', `${m}/config/${name}`, {
        body: {
          plugin_name: 'postgresql-database-plugin',
          connection_url: url(),
          username: 'postgres',
          password: 'unused-with-trust',
          ...body,
        },
      }),
      'config',
    )
  const creds = async (m: string, role: string, token?: string) => {
    const res = await t.call('GET', `${m}/creds/${role}`, token ? { token } : {})
    if (res.status === 200) pgUsers.add(res.body.data.username)
    return res
  }
  /** A PostgreSQL login role made outside Coffer, as createTestPGUser does. */
  const createPgUser = async (prefix: string, password = 'password') => {
    const user = `${prefix}_${RUN}_${crypto.randomBytes(2).toString('hex')}`
    pgUsers.add(user)
    await db.query(`CREATE ROLE "${user}" WITH LOGIN PASSWORD '${password}'`)
    return user
  }

  it('TestBackend_config_connection: create, update one connection detail, update allowed_roles, list', async () => {
    const m = await mount()
    // Deliberate difference: Vault stores "sample_connection_url" unchecked with verify_connection false; Coffer
    // refuses a connection_url that can never connect at write time, with a 400 rather than a failure on first use.
    refused(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: {
          plugin_name: 'postgresql-database-plugin',
          connection_url: 'sample_connection_url',
          verify_connection: false,
        },
      }),
      /connection_url/,
    )
    const first = 'postgres://127.0.0.1:1/sample'
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: {
          plugin_name: 'postgresql-database-plugin',
          connection_url: first,
          verify_connection: false,
          allowed_roles: ['*'],
        },
      }),
      'create',
    )
    const read = async () => (await t.call('GET', `${m}/config/plugin-test`)).body.data
    let data = await read()
    assert.equal(data.plugin_name, 'postgresql-database-plugin')
    assert.equal(data.connection_details.connection_url, first)
    assert.deepEqual(data.allowed_roles, ['*'])
    assert.deepEqual(data.root_credentials_rotate_statements, [])
    assert.equal(data.password_policy, '')
    assert.equal(data.plugin_version, '')
    const second = 'postgres://127.0.0.1:1/sample_convection'
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: { connection_url: second, verify_connection: false },
      }),
      'update url',
    )
    data = await read()
    assert.equal(data.connection_details.connection_url, second)
    assert.deepEqual(data.allowed_roles, ['*'], 'an update keeps what it does not name')
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: { verify_connection: false, allowed_roles: ['flu', 'barre'] },
      }),
      'update allowed_roles',
    )
    data = await read()
    assert.equal(data.connection_details.connection_url, second)
    assert.deepEqual(data.allowed_roles, ['flu', 'barre'])
    assert.deepEqual((await t.call('LIST', `${m}/config`)).body.data.keys, ['plugin-test'])
  })

  it('TestWriteConfig_PluginVersionInStorage: a builtin plugin_version is accepted and read back empty; others are refused', async () => {
    const m = await mount()
    const write = (version: string) =>
      t.call('POST', `${m}/config/plugin-test`, {
        body: {
          connection_url: 'postgres://127.0.0.1:1/test',
          plugin_name: 'postgresql-database-plugin',
          plugin_version: version,
          verify_connection: false,
        },
      })
    for (const version of ['v2.5.0+builtin', 'v0.1.0+builtin.coffer', '']) {
      ok(await write(version), version)
      assert.equal((await t.call('GET', `${m}/config/plugin-test`)).body.data.plugin_version, '')
    }
    // Vault fails to find an external plugin of that version; Coffer has none, so it says so rather than run the builtin.
    refused(await write('v1.0.0'), /plugin_version "v1.0.0"/)
    assert.equal((await t.call('GET', `${m}/config/plugin-test`)).status, 200, 'the earlier config stays')
  })

  it('TestBackend_BadConnectionString: an unparsable URL is a 400 that shows neither host nor password', async () => {
    const m = await mount()
    const res = await t.call('POST', `${m}/config/plugin-test`, {
      body: {
        connection_url: 'postgresql://:pw@[localhost',
        plugin_name: 'postgresql-database-plugin',
        allowed_roles: ['plugin-role-test'],
      },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.doesNotMatch(errorsOf(res), /localhost/)
    assert.doesNotMatch(errorsOf(res), /pw/)
  })

  it('TestBackend_basic: TTLs from the role (#3812), revoke drops the user, also with the role deleted', async () => {
    const m = await mount()
    await configure(m, { allowed_roles: ['plugin-role-test'] })
    const role = (body: Record<string, unknown>) =>
      t.call('POST', `${m}/roles/plugin-role-test`, {
        body: { db_name: 'plugin-test', creation_statements: testRole, ...body },
      })
    ok(await role({ max_ttl: '10m' }), 'role')
    ok(await creds(m, 'plugin-role-test'), 'creds')
    ok(await role({ default_ttl: '5m', max_ttl: 0 }), 'role without max_ttl')
    let res = ok(await creds(m, 'plugin-role-test'), 'creds')
    assert.equal(res.body.lease_duration, 300)
    ok(await role({ default_ttl: '5m', max_ttl: '10m' }), 'role with max_ttl')
    res = ok(await creds(m, 'plugin-role-test'), 'creds')
    assert.equal(res.body.lease_duration, 300)
    let username = res.body.data.username as string
    assert.equal(await pgRoleExists(db, username), true)
    const grants = await db.query("SELECT has_table_privilege($1, 'things', 'select') AS ok", [username])
    assert.equal(grants.rows[0].ok, true, 'the creation statements ran in full')
    ok(await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: res.body.lease_id } }), 'revoke')
    assert.equal(await pgRoleExists(db, username), false)

    res = ok(await creds(m, 'plugin-role-test'), 'creds')
    username = res.body.data.username
    assert.equal(await pgRoleExists(db, username), true)
    ok(await t.call('DELETE', `${m}/roles/plugin-role-test`), 'delete role')
    ok(await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: res.body.lease_id } }), 'revoke')
    assert.equal(await pgRoleExists(db, username), false, 'revoked from the data kept in the lease')
  })

  it('TestBackend_connectionCrud: a password in the URL is warned about and never read back; reset; delete', async () => {
    const m = await mount()
    // Deliberate difference, as in TestBackend_config_connection: "test" is no connection_url, so a valid one is used.
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: {
          connection_url: 'postgres://127.0.0.1:1/test',
          plugin_name: 'postgresql-database-plugin',
          verify_connection: false,
        },
      }),
      'config',
    )
    ok(
      await t.call('POST', `${m}/roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          creation_statements: testRole,
          revocation_statements: defaultRevocationSQL,
          default_ttl: '5m',
          max_ttl: '10m',
        },
      }),
      'role',
    )
    const body: Record<string, unknown> = {
      connection_url: literalUrl('secret'),
      plugin_name: 'postgresql-database-plugin',
      allowed_roles: ['plugin-role-test'],
      username: 'postgres',
      password: 'secret',
      private_key: 'PRIVATE_KEY',
    }
    let res = ok(await t.call('POST', `${m}/config/plugin-test`, { body }), 'config with a literal password')
    assert.ok(
      (res.body?.warnings as string[] | undefined)?.some((w) =>
        /[Pp]assword found in connection_url/.test(w),
      ),
      `expected a warning about the password in the URL: ${JSON.stringify(res.body)}`,
    )
    res = await t.call('GET', `${m}/config/plugin-test`)
    const details = res.body.data.connection_details
    assert.doesNotMatch(details.connection_url, /secret/, 'the password in the URL is never read back')
    assert.equal(details.password, undefined)
    assert.equal(details.private_key, undefined)
    assert.doesNotMatch(JSON.stringify(res.body), /secret|PRIVATE_KEY/)

    body['connection_url'] = url()
    ok(await t.call('POST', `${m}/config/plugin-test`, { body }), 'templated url')
    res = await t.call('GET', `${m}/config/plugin-test`)
    assert.equal(res.body.data.connection_details.connection_url, url())
    assert.equal(res.body.data.connection_details.username, 'postgres')
    assert.deepEqual(res.body.data.allowed_roles, ['plugin-role-test'])
    assert.equal(res.body.data.plugin_name, 'postgresql-database-plugin')

    assert.equal((await t.call('POST', `${m}/reset/plugin-test`)).status, 204)
    res = ok(await creds(m, 'plugin-role-test'), 'creds after reset')
    assert.equal(await pgRoleExists(db, res.body.data.username), true)
    // The Go test leaves this user: its revocation SQL names {{name}} unquoted, which fails on a name with '-'.

    assert.equal((await t.call('DELETE', `${m}/config/plugin-test`)).status, 204)
    assert.equal((await t.call('GET', `${m}/config/plugin-test`)).status, 404)
  })

  it('TestBackend_roleCrud: statements read back trimmed, a TTL update keeps the rest, delete', async () => {
    const m = await mount()
    await configure(m)
    const read = async () => (await t.call('GET', `${m}/roles/plugin-role-test`)).body.data
    ok(
      await t.call('POST', `${m}/roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          creation_statements: testRole,
          revocation_statements: defaultRevocationSQL,
          default_ttl: '5m',
          max_ttl: '10m',
        },
      }),
      'create',
    )
    let data = await read()
    assert.deepEqual(data.creation_statements, [testRole.trim()])
    assert.deepEqual(data.revocation_statements, [defaultRevocationSQL.trim()])
    assert.deepEqual(data.rollback_statements, [])
    assert.deepEqual(data.renew_statements, [])
    assert.equal(data.db_name, 'plugin-test')
    assert.equal(data.default_ttl, 300)
    assert.equal(data.max_ttl, 600)

    ok(await t.call('POST', `${m}/roles/plugin-role-test`, { body: { max_ttl: '7m' } }), 'ttl update')
    data = await read()
    assert.deepEqual(data.creation_statements, [testRole.trim()])
    assert.deepEqual(data.revocation_statements, [defaultRevocationSQL.trim()])
    assert.equal(data.default_ttl, 300)
    assert.equal(data.max_ttl, 420)

    ok(
      await t.call('POST', `${m}/roles/plugin-role-test`, {
        body: {
          creation_statements: [testRole, testRole],
          revocation_statements: [defaultRevocationSQL, defaultRevocationSQL],
          rollback_statements: testRole,
          renew_statements: defaultRevocationSQL,
        },
      }),
      'statements update',
    )
    data = await read()
    assert.deepEqual(data.creation_statements, [testRole.trim(), testRole.trim()])
    assert.deepEqual(data.rollback_statements, [testRole.trim()])
    assert.deepEqual(data.revocation_statements, [defaultRevocationSQL.trim(), defaultRevocationSQL.trim()])
    assert.deepEqual(data.renew_statements, [defaultRevocationSQL.trim()])
    assert.equal(data.max_ttl, 420)

    assert.equal((await t.call('DELETE', `${m}/roles/plugin-role-test`)).status, 204)
    assert.equal((await t.call('GET', `${m}/roles/plugin-role-test`)).status, 404)
  })

  it('TestBackend_allowedRoles: no allowed_roles denies all; globs, "*" and a comma list', async () => {
    const m = await mount()
    await configure(m)
    for (const name of ['denied', 'allowed'])
      ok(
        await t.call('POST', `${m}/roles/${name}`, {
          body: { db_name: 'plugin-test', creation_statements: testRole, default_ttl: '5m', max_ttl: '10m' },
        }),
        name,
      )
    refused(await creds(m, 'denied'), /not an allowed role/)
    for (const allowed of ['allow*', '*', 'allow, allowed']) {
      await configure(m, { allowed_roles: allowed })
      const res = ok(await creds(m, 'allowed'), `creds with allowed_roles ${allowed}`)
      assert.equal(await pgRoleExists(db, res.body.data.username), true)
      if (allowed !== '*') refused(await creds(m, 'denied'), /not an allowed role/)
    }
  })

  it('TestBackend_ConnectionURL_redacted: a read shows the URL with its password as xxxxx (basic, encoded)', async () => {
    const m = await mount()
    for (const [name, password] of [
      ['basic', 'secret'],
      ['encoded', 'yourStrong(!)Password'],
    ] as const) {
      const literal = literalUrl(password)
      ok(
        await t.call('POST', `${m}/config/${name}`, {
          body: {
            connection_url: literal,
            plugin_name: 'postgresql-database-plugin',
            allowed_roles: ['plugin-role-test'],
          },
        }),
        name,
      )
      const res = await t.call('GET', `${m}/config/${name}`)
      // Go's url.Redacted(): the password becomes "xxxxx", everything else stays as written.
      assert.equal(
        res.body.data.connection_details.connection_url,
        `postgres://postgres:xxxxx@127.0.0.1:5432/${db.name}`,
      )
      assert.ok(!JSON.stringify(res.body).includes(encodeURIComponent(password)))
      assert.ok(!JSON.stringify(res.body).includes(password))
    }
  })

  it('TestBackend_Roles_CredentialTypes: password is the one type; an unknown type or bad config is a 400', async () => {
    const m = await mount()
    const write = (body: Record<string, unknown>) =>
      t.call('POST', `${m}/roles/test`, {
        body: { db_name: 'test-database', creation_statements: 'CREATE USER {{name}}', ...body },
      })
    refused(await write({ credential_type: 'invalid' }), /credential_type/)
    refused(
      await write({ credential_type: 'invalid', credential_config: { password_policy: 'test-policy' } }),
      /credential_type/,
    )
    ok(await write({ credential_type: 'password' }), 'password')
    let data = (await t.call('GET', `${m}/roles/test`)).body.data
    assert.equal(data.credential_type, 'password')
    ok(
      await write({ credential_type: 'password', credential_config: { password_policy: 'test-policy' } }),
      'password with a policy',
    )
    data = (await t.call('GET', `${m}/roles/test`)).body.data
    assert.equal(data.credential_type, 'password')
    assert.deepEqual(data.credential_config, { password_policy: 'test-policy' })
    // Deliberate difference: Vault drops keys a password config does not know; Coffer refuses them, so a misspelled
    // password_policy cannot silently leave the connection's (or the default) policy in force.
    refused(
      await write({ credential_type: 'password', credential_config: { key_bits: '2048' } }),
      /credential_config validation failed/,
    )
    // Deliberate difference: Coffer issues passwords only (docs/engines/database.md), so rsa_private_key is refused.
    refused(await write({ credential_type: 'rsa_private_key' }), /credential_type/)
    assert.equal((await t.call('DELETE', `${m}/roles/test`)).status, 204)
  })

  it('TestBackend_Roles_CredentialTypes (password_policy): creds follow the role’s credential_config policy', async () => {
    const m = await mount()
    const policy = `digits-${RUN}`
    ok(
      await t.call('POST', `sys/policies/password/${policy}`, {
        body: { policy: 'length = 24\nrule "charset" {\n  charset = "0123456789"\n}\n' },
      }),
      'policy',
    )
    await configure(m, { allowed_roles: '*' })
    ok(
      await t.call('POST', `${m}/roles/digits`, {
        body: {
          db_name: 'plugin-test',
          creation_statements: testRole,
          credential_config: { password_policy: policy },
        },
      }),
      'role',
    )
    const res = ok(await creds(m, 'digits'), 'creds')
    assert.match(res.body.data.password, /^\d{24}$/)
    assert.equal(await pgPasswordIs(db, res.body.data.username, res.body.data.password), true)
    // Test_passwordGenerator_generate: no policy anywhere is Vault's default generator; a policy that does not exist
    // is accepted on the role (as in Vault) and fails issuing with a 400 naming it, never a 500.
    ok(await t.call('POST', `${m}/roles/digits`, { body: { credential_config: {} } }), 'no policy')
    assert.match(ok(await creds(m, 'digits'), 'default').body.data.password, /^[a-zA-Z0-9-]{20}$/)
    ok(
      await t.call('POST', `${m}/roles/digits`, {
        body: { credential_config: { password_policy: 'no-such-policy' } },
      }),
      'missing policy',
    )
    refused(await creds(m, 'digits'), /no-such-policy/)
    // The connection's password_policy applies when the role names none.
    await configure(m, { allowed_roles: '*', password_policy: policy })
    ok(await t.call('POST', `${m}/roles/digits`, { body: { credential_config: {} } }), 'no policy')
    assert.match(ok(await creds(m, 'digits'), 'connection policy').body.data.password, /^\d{24}$/)
    // Static roles take credential_config too, and rotate with its policy.
    const user = await createPgUser('policy')
    await configure(m, { allowed_roles: '*', password_policy: '' })
    ok(
      await t.call('POST', `${m}/static-roles/digits-static`, {
        body: {
          db_name: 'plugin-test',
          username: user,
          rotation_period: '1h',
          credential_config: { password_policy: policy },
        },
      }),
      'static role',
    )
    const read = await t.call('GET', `${m}/static-roles/digits-static`)
    assert.deepEqual(read.body.data.credential_config, { password_policy: policy })
    const staticCreds = (await t.call('GET', `${m}/static-creds/digits-static`)).body.data
    assert.match(staticCreds.password, /^\d{24}$/)
    assert.equal(await pgPasswordIs(db, user, staticCreds.password), true)
  })

  it('TestBackend_StaticRole_Config: basic, missing rotation period, disallowed role', async () => {
    const m = await mount()
    const dbUser = await createPgUser('statictest')
    await configure(m, { verify_connection: false, allowed_roles: ['plugin-role-test'] })
    const write = (role: string, body: Record<string, unknown>) =>
      t.call('POST', `${m}/static-roles/${role}`, {
        body: { db_name: 'plugin-test', rotation_statements: testRoleStaticUpdate, ...body },
      })
    ok(await write('plugin-role-test', { username: dbUser, rotation_period: '5400s' }), 'basic')
    const res = await t.call('GET', `${m}/static-roles/plugin-role-test`)
    assert.equal(res.body.data.username, dbUser)
    assert.equal(res.body.data.rotation_period, 5400)
    assert.equal(res.body.data.db_name, 'plugin-test')
    assert.ok(!Number.isNaN(Date.parse(res.body.data.last_vault_rotation)), 'last_vault_rotation is a time')
    assert.equal(res.body.data.password, undefined, 'the role read never carries the password')
    assert.equal((await t.call('DELETE', `${m}/static-roles/plugin-role-test`)).status, 204)

    // OpenBao says "rotation_period is required to create static accounts"; Coffer keeps Vault's newer wording, which
    // also names rotation_schedule (deliberate).
    refused(await write('plugin-role-test', { username: dbUser }), /rotation_period/)
    refused(
      await write('disallowed-role', { username: dbUser, rotation_period: '5400s' }),
      /"disallowed-role" is not an allowed role/,
    )
  })

  it('TestBackend_StaticRole_Updates: a new rotation_period keeps the password; the username cannot change', async () => {
    const m = await mount()
    const dbUser = await createPgUser('statictest')
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    const path = `${m}/static-roles/plugin-role-test-updates`
    ok(
      await t.call('POST', path, {
        body: {
          db_name: 'plugin-test',
          rotation_statements: testRoleStaticUpdate,
          username: dbUser,
          rotation_period: '5400s',
        },
      }),
      'create',
    )
    const rotation = (await t.call('GET', path)).body.data.rotation_period
    const before = (await t.call('GET', `${m}/static-creds/plugin-role-test-updates`)).body.data
    assert.ok(before.username && before.password)
    ok(
      await t.call('POST', path, {
        body: { db_name: 'plugin-test', username: dbUser, rotation_period: '6400s' },
      }),
      'update period',
    )
    assert.notEqual((await t.call('GET', path)).body.data.rotation_period, rotation)
    const afterUpdate = (await t.call('GET', `${m}/static-creds/plugin-role-test-updates`)).body.data
    assert.equal(afterUpdate.username, before.username)
    assert.equal(afterUpdate.password, before.password)
    ok(
      await t.call('POST', path, {
        body: { db_name: 'plugin-test', username: dbUser, rotation_statements: testRoleStaticUpdateRotation },
      }),
      'rotation_period is only required when creating',
    )
    refused(
      await t.call('POST', path, { body: { db_name: 'plugin-test', username: 'statictestmodified' } }),
      /^cannot update static account username$/,
    )
  })

  it('TestBackend_StaticRole_Role_name_check: a role and a static role cannot share a name', async () => {
    const m = await mount()
    const dbUser = await createPgUser('statictest')
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    ok(
      await t.call('POST', `${m}/roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          creation_statements: testRole,
          revocation_statements: defaultRevocationSQL,
          default_ttl: '5m',
          max_ttl: '10m',
        },
      }),
      'role',
    )
    refused(
      await t.call('POST', `${m}/static-roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          username: dbUser,
          rotation_period: '1h',
          rotation_statements: testRoleStaticUpdate,
        },
      }),
      /Role and Static Role names must be unique/,
    )
    ok(
      await t.call('POST', `${m}/static-roles/plugin-role-test-2`, {
        body: {
          db_name: 'plugin-test',
          rotation_statements: testRoleStaticUpdate,
          username: dbUser,
          rotation_period: '1h',
        },
      }),
      'static role',
    )
    refused(
      await t.call('POST', `${m}/roles/plugin-role-test-2`, {
        body: { db_name: 'plugin-test', creation_statements: testRole, default_ttl: '5m', max_ttl: '10m' },
      }),
      /Role and Static Role names must be unique/,
    )
  })

  it('TestBackend_StaticRole_Rotate_basic: the password works, reads do not change it, rotate-role does', async () => {
    const m = await mount()
    const dbUser = await createPgUser('statictest', 'password')
    assert.equal(await pgPasswordIs(db, dbUser, 'password'), true)
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    ok(
      await t.call('POST', `${m}/static-roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          rotation_statements: testRoleStaticUpdate,
          username: dbUser,
          rotation_period: '5400s',
        },
      }),
      'static role',
    )
    const first = (await t.call('GET', `${m}/static-creds/plugin-role-test`)).body.data
    assert.equal(first.username, dbUser)
    assert.equal(await pgPasswordIs(db, dbUser, first.password), true)
    assert.equal(await pgPasswordIs(db, dbUser, 'password'), false, 'creating the role rotated it')
    const again = (await t.call('GET', `${m}/static-creds/plugin-role-test`)).body.data
    assert.equal(again.password, first.password)
    const rotated = await t.call('POST', `${m}/rotate-role/plugin-role-test`)
    assert.equal(rotated.status, 204, JSON.stringify(rotated.body))
    const second = (await t.call('GET', `${m}/static-creds/plugin-role-test`)).body.data
    assert.notEqual(second.password, first.password)
    assert.equal(await pgPasswordIs(db, dbUser, second.password), true)
    assert.equal(await pgPasswordIs(db, dbUser, first.password), false)
  })

  it('TestBackend_StaticRole_Rotate_NonStaticError: rotate-role of a dynamic role is a 400', async () => {
    const m = await mount()
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    ok(
      await t.call('POST', `${m}/roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          creation_statements: testRole,
          revocation_statements: defaultRevocationSQL,
        },
      }),
      'role',
    )
    const res = ok(await creds(m, 'plugin-role-test'), 'creds')
    assert.ok(res.body.data.username && res.body.data.password)
    refused(await t.call('POST', `${m}/rotate-role/plugin-role-test`), /^no static role found for role name$/)
  })

  it('TestBackend_StaticRole_Revoke_user: deleting a static role leaves the user and its password (unset, persist)', async () => {
    const m = await mount()
    const dbUser = await createPgUser('statictest')
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    for (const extra of [{}, { revoke_user_on_delete: false }]) {
      ok(
        await t.call('POST', `${m}/static-roles/plugin-role-test`, {
          body: {
            db_name: 'plugin-test',
            rotation_statements: testRoleStaticUpdate,
            username: dbUser,
            rotation_period: '5400s',
            ...extra,
          },
        }),
        'static role',
      )
      const { password } = (await t.call('GET', `${m}/static-creds/plugin-role-test`)).body.data
      assert.equal(await pgPasswordIs(db, dbUser, password), true)
      assert.equal((await t.call('DELETE', `${m}/static-roles/plugin-role-test`)).status, 204)
      assert.equal(await pgPasswordIs(db, dbUser, password), true, 'the user keeps its last password')
    }
  })

  it('TestBackend_StaticRole_LockRegression: 25 quick rewrites of a role with a short period all succeed', async () => {
    const m = await mount()
    const dbUser = await createPgUser('statictest')
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    const body = {
      db_name: 'plugin-test',
      rotation_statements: testRoleStaticUpdate,
      username: dbUser,
      rotation_period: '7s',
    }
    ok(await t.call('POST', `${m}/static-roles/plugin-role-test`, { body }), 'create')
    for (let i = 0; i < 25; i++) {
      ok(await t.call('POST', `${m}/static-roles/plugin-role-test`, { body }), `rewrite ${i}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const { password } = (await t.call('GET', `${m}/static-creds/plugin-role-test`)).body.data
    assert.equal(await pgPasswordIs(db, dbUser, password), true)
  })

  it('TestWALsDeletedOnRoleCreationFailed: a static role whose first rotation fails is not kept, thrice', async () => {
    const m = await mount()
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', `${m}/static-roles/hashicorp`, {
        body: { username: `missing_${RUN}`, db_name: 'plugin-test', rotation_period: '5s' },
      })
      assert.ok(res.status >= 400 && res.status < 500 ? true : res.status === 502, JSON.stringify(res.body))
      assert.match(errorsOf(res), /does not exist/)
      assert.equal((await t.call('GET', `${m}/static-roles/hashicorp`)).status, 404)
    }
  })

  it('TestWALsStillTrackedAfterUpdate: a failed rotation keeps the old password; after an update the next one succeeds (and TestBackend_StaticRole_Rotate_Invalid_Role: it is scheduled again)', async () => {
    const m = await mount()
    const dbUser = await createPgUser('walupdate')
    await configure(m, { verify_connection: false, allowed_roles: ['*'] })
    const path = `${m}/static-roles/hashicorp`
    ok(
      await t.call('POST', path, {
        body: { db_name: 'plugin-test', username: dbUser, rotation_period: '5400s' },
      }),
      'create',
    )
    const first = (await t.call('GET', `${m}/static-creds/hashicorp`)).body.data.password
    ok(
      await t.call('POST', path, {
        body: { rotation_statements: [`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}' NONSENSE`] },
      }),
      'bad statements',
    )
    const failed = await t.call('POST', `${m}/rotate-role/hashicorp`)
    assert.equal(failed.status, 502, JSON.stringify(failed.body))
    assert.match(errorsOf(failed), /unrecognized role option/)
    assert.equal((await t.call('GET', `${m}/static-creds/hashicorp`)).body.data.password, first)
    assert.equal(await pgPasswordIs(db, dbUser, first), true, 'the old password stays valid')
    ok(
      await t.call('POST', path, {
        body: { rotation_statements: [defaultChangePasswordStatement], rotation_period: '600s' },
      }),
      'fixed',
    )
    assert.equal((await t.call('POST', `${m}/rotate-role/hashicorp`)).status, 204)
    const second = (await t.call('GET', `${m}/static-creds/hashicorp`)).body.data
    assert.notEqual(second.password, first)
    assert.equal(await pgPasswordIs(db, dbUser, second.password), true)
    assert.ok(second.ttl > 590 && second.ttl <= 600, `the next rotation is one period away: ${second.ttl}`)
  })

  it('TestPostgreSQL_NewUser: name/username statements, read-only grants, DO blocks (GH-6098), large blocks', async () => {
    const m = await mount()
    await configure(m, { allowed_roles: '*' })
    const ownRole = `my_role_${RUN}`
    pgUsers.add(ownRole)
    const cases: Record<string, { statements: string[]; exists: boolean }> = {
      admin_name: {
        statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
           GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
        ],
        exists: true,
      },
      admin_username: {
        statements: [
          `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
           GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO "{{username}}";`,
        ],
        exists: true,
      },
      ro_name: {
        statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
           GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";
           GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`,
        ],
        exists: true,
      },
      gh6098: {
        statements: [
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname='${ownRole}') THEN CREATE ROLE ${ownRole}; END IF; END $$`,
        ],
        exists: false,
      },
      gh6098_tpl: {
        statements: [
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname='${ownRole}') THEN CREATE ROLE "{{username}}"; END IF; END $$`,
        ],
        exists: false,
      },
      large_block: {
        statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
          `DO $$
           BEGIN
             IF NOT EXISTS (SELECT * FROM pg_catalog.pg_roles WHERE rolname = 'foo-role') THEN
               GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";
             END IF;
           END
           $$`,
          `GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`,
        ],
        exists: true,
      },
    }
    for (const [role, { statements, exists }] of Object.entries(cases)) {
      ok(
        await t.call('POST', `${m}/roles/${role}`, {
          body: { db_name: 'plugin-test', creation_statements: statements },
        }),
        role,
      )
      const res = ok(await creds(m, role), `${role} creds`)
      const { username, password } = res.body.data
      assert.match(username, new RegExp(`^v-root-${role.slice(0, 8)}-[a-zA-Z0-9]{20}-[0-9]{10}$`))
      assert.equal(await pgRoleExists(db, username), exists, role)
      if (exists) assert.equal(await pgPasswordIs(db, username, password), true, role)
    }
    // "no creation statements": Vault fails at creds time; Coffer refuses the role itself, with a 400.
    refused(
      await t.call('POST', `${m}/roles/none`, { body: { db_name: 'plugin-test' } }),
      /creation statements/,
    )
  })

  it('TestUpdateUser_Password: rotation statements (default, explicit, {{name}}, bad) and a missing user', async () => {
    const m = await mount()
    await configure(m, { allowed_roles: '*' })
    const cases: [string, string[] | undefined, boolean][] = [
      ['default', undefined, true],
      ['explicit', [defaultChangePasswordStatement], true],
      ['name', [`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}';`], true],
      ['bad', ['asdofyas8uf77asoiajv'], false],
    ]
    for (const [name, statements, works] of cases) {
      const user = await createPgUser('pwupdate', 'myreallysecurepassword')
      const res = await t.call('POST', `${m}/static-roles/${name}`, {
        body: {
          db_name: 'plugin-test',
          username: user,
          rotation_period: '1h',
          ...(statements ? { rotation_statements: statements } : {}),
        },
      })
      if (works) {
        ok(res, name)
        const { password } = (await t.call('GET', `${m}/static-creds/${name}`)).body.data
        assert.equal(await pgPasswordIs(db, user, password), true, name)
      } else {
        assert.equal(res.status, 502, JSON.stringify(res.body))
        assert.match(errorsOf(res), /syntax error/)
        assert.equal(await pgPasswordIs(db, user, 'myreallysecurepassword'), true, 'the old password stays')
      }
    }
    const res = await t.call('POST', `${m}/static-roles/missing`, {
      body: { db_name: 'plugin-test', username: 'missing-user', rotation_period: '1h' },
    })
    assert.equal(res.status, 502, JSON.stringify(res.body))
    assert.match(errorsOf(res), /does not exist/)
  })

  it('TestUpdateUser_Expiration: renew statements (none, {{name}}, {{username}}, bad) set VALID UNTIL', async () => {
    const m = await mount()
    await configure(m, { allowed_roles: '*' })
    const cases: [string, string[] | undefined, boolean][] = [
      ['none', undefined, true],
      ['name', [defaultExpirationStatement], true],
      ['username', [`ALTER ROLE "{{username}}" VALID UNTIL '{{expiration}}';`], true],
      ['bad', ['ladshfouay09sgj'], false],
    ]
    for (const [name, statements, works] of cases) {
      ok(
        await t.call('POST', `${m}/roles/${name}`, {
          body: {
            db_name: 'plugin-test',
            creation_statements: testRole,
            default_ttl: '1m',
            max_ttl: '1h',
            ...(statements ? { renew_statements: statements } : {}),
          },
        }),
        name,
      )
      const issued = ok(await creds(m, name), `${name} creds`)
      const username = issued.body.data.username
      const initial = await pgValidUntil(db, username)
      assert.ok(initial !== undefined && Math.abs(initial - (Date.now() + 60_000)) < 5_000, `${name} initial`)
      const renewed = await t.call('PUT', 'sys/leases/renew', {
        body: { lease_id: issued.body.lease_id, increment: 300 },
      })
      const now = await pgValidUntil(db, username)
      if (works) {
        ok(renewed, `${name} renew`)
        assert.ok(now !== undefined && Math.abs(now - (Date.now() + 300_000)) < 5_000, `${name} renewed`)
      } else {
        assert.equal(renewed.status, 502, JSON.stringify(renewed.body))
        assert.equal(now, initial, 'a failed renewal leaves VALID UNTIL as it was')
      }
    }
  })

  it('TestDeleteUser: revocation statements (none, {{name}}, {{username}}, bad, multiline DO block)', async () => {
    const m = await mount()
    await configure(m, { allowed_roles: '*' })
    const revoke = (who: string) => `
      REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM "{{${who}}}";
      REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM "{{${who}}}";
      REVOKE USAGE ON SCHEMA public FROM "{{${who}}}";
      DROP ROLE IF EXISTS "{{${who}}}";`
    const cases: [string, string[] | undefined, boolean][] = [
      ['none', undefined, true],
      ['name', [revoke('name')], true],
      ['username', [revoke('username')], true],
      ['bad', ['8a9yhfoiasjff'], false],
      ['multiline', [`DO $$ BEGIN ${revoke('username')} END $$;`], true],
    ]
    for (const [name, statements, works] of cases) {
      ok(
        await t.call('POST', `${m}/roles/${name}`, {
          body: {
            db_name: 'plugin-test',
            creation_statements: testRole,
            ...(statements ? { revocation_statements: statements } : {}),
          },
        }),
        name,
      )
      const issued = ok(await creds(m, name), `${name} creds`)
      const username = issued.body.data.username
      assert.equal(await pgRoleExists(db, username), true)
      const res = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: issued.body.lease_id } })
      if (works) {
        ok(res, `${name} revoke`)
        assert.equal(await pgRoleExists(db, username), false, name)
      } else {
        assert.ok(res.status >= 400, `a failed revocation is reported: ${JSON.stringify(res.body)}`)
        assert.notEqual(res.status, 500, JSON.stringify(res.body))
        assert.equal(await pgRoleExists(db, username), true, 'the user stays when revocation fails')
        // Tidy: the lease stays in Coffer; the user goes with the database at the end.
      }
    }
  })

  it('TestUsernameGeneration: display and role names with -, _ and . in the default template', async () => {
    const m = await mount()
    await configure(m, { allowed_roles: '*' })
    const cases: [string | undefined, string, RegExp][] = [
      [undefined, 'myrole', /^v-token-myrole-[a-zA-Z0-9]{20}-[0-9]{10}$/],
      ['foo', 'myrole', /^v-token-fo-myrole-[a-zA-Z0-9]{20}-[0-9]{10}$/],
      [undefined, 'myrole-foo', /^v-token-myrole-f-[a-zA-Z0-9]{20}-[0-9]{10}$/],
      [undefined, 'myrole_foo', /^v-token-myrole_f-[a-zA-Z0-9]{20}-[0-9]{10}$/],
      [undefined, 'myrole.foo', /^v-token-myrole.f-[a-zA-Z0-9]{20}-[0-9]{10}$/],
    ]
    for (const [display, role, pattern] of cases) {
      const token = ok(
        await t.call('POST', 'auth/token/create', {
          body: { policies: ['root'], ...(display ? { display_name: display } : {}) },
        }),
        'token',
      ).body.auth.client_token
      ok(
        await t.call('POST', `${m}/roles/${role}`, {
          body: { db_name: 'plugin-test', creation_statements: testRole },
        }),
        role,
      )
      const res = ok(await creds(m, role, token), `${role} creds`)
      assert.match(res.body.data.username, pattern)
    }
  })

  it('TestNewUser_CustomUsername: username_template on the connection (default, explicit default, fixed, custom)', async () => {
    const m = await mount()
    const fixed = `foo-bar-${RUN}`
    const defaultTemplate =
      '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}'
    const token = ok(
      await t.call('POST', 'auth/token/create', {
        body: { policies: ['root'], display_name: 'displayname' },
      }),
      'token',
    ).body.auth.client_token
    const cases: [string, string, RegExp][] = [
      ['default', '', /^v-token-di-longrole-[a-zA-Z0-9]{20}-[0-9]{10}$/],
      ['explicit', defaultTemplate, /^v-token-di-longrole-[a-zA-Z0-9]{20}-[0-9]{10}$/],
      ['unique', fixed, new RegExp(`^${fixed}$`)],
      [
        'prefix',
        'foobar-{{.DisplayName | truncate 8}}-{{.RoleName | truncate 8}}-{{random 20}}-{{unix_time}}',
        /^foobar-token-di-longrole-[a-zA-Z0-9]{20}-[0-9]{10}$/,
      ],
      [
        'custom',
        'foobar_{{random 10}}-{{.RoleName | uppercase}}.{{unix_time}}x{{.DisplayName | truncate 5}}',
        /^foobar_[a-zA-Z0-9]{10}-LONGROLENAME\.[0-9]{10}xtoken$/,
      ],
    ]
    ok(
      await t.call('POST', `${m}/roles/longrolename`, {
        body: { db_name: 'plugin-test', creation_statements: testRole },
      }),
      'role',
    )
    for (const [name, template, pattern] of cases) {
      await configure(m, { allowed_roles: '*', username_template: template })
      const res = ok(await creds(m, 'longrolename', token), `${name} creds`)
      assert.match(res.body.data.username, pattern)
      if (name === 'unique')
        ok(
          await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: res.body.lease_id } }),
          'revoke fixed',
        )
    }
    refused(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: { username_template: '{{ .RoleName | nosuch }}' },
      }),
      /username_template/,
    )
    // A template that would render a 100-million-character name is refused at once, not generated.
    const started = Date.now()
    refused(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: { username_template: '{{random 100000000}}' },
      }),
      /username_template.*random/,
    )
    refused(
      await t.call('POST', `${m}/roles/longrolename`, {
        body: { username_template: '{{random 100000000}}' },
      }),
      /username_template.*random/,
    )
    assert.ok(Date.now() - started < 2000, 'refused without generating it')
  })
})

describeUnless(await unmet(POSTGRES), 'openbao database: PostgreSQL static rotations on a clock', () => {
  const clock = new ManualClock(Date.now())
  let t: TestServer
  let db: TestDatabase
  const users: string[] = []
  before(async () => {
    db = await createTestDatabase()
    t = await startDevServer({ clock })
  })
  after(async () => {
    await t?.close()
    await db?.drop()
    for (const user of users) await dropRoleInTest(user)
  })

  it('TestBackend_StaticRole_Rotations_PostgreSQL: periods of 10, 20 and 100 s rotate as time passes', async () => {
    ok(await t.call('POST', 'sys/mounts/database', { body: { type: 'database' } }), 'mount')
    ok(
      await t.call('POST', 'database/config/plugin-test', {
        body: {
          plugin_name: 'postgresql-database-plugin',
          connection_url: `postgres://postgres@127.0.0.1:5432/${db.name}`,
          verify_connection: false,
          allowed_roles: ['*'],
        },
      }),
      'config',
    )
    const periods = ['10', '20', '100']
    for (const period of periods) {
      const user = `statictest${period}_${RUN}`
      users.push(user)
      await db.query(`CREATE ROLE "${user}" WITH LOGIN PASSWORD 'test'`)
      ok(
        await t.call('POST', `database/static-roles/plugin-static-role-${period}`, {
          body: { db_name: 'plugin-test', username: user, rotation_period: period },
        }),
        period,
      )
    }
    assert.equal((await t.call('LIST', 'database/static-roles')).body.data.keys.length, 3)
    const pws: Record<string, string[]> = Object.fromEntries(periods.map((p) => [p, []]))
    const capture = async () => {
      for (const period of periods) {
        const res = await t.call('GET', `database/static-creds/plugin-static-role-${period}`)
        pws[period]!.push(res.body.data.password)
      }
    }
    const rotatedSince = async (period: string, count: number) => {
      const res = await t.call('GET', `database/static-creds/plugin-static-role-${period}`)
      return new Set([...(pws[period] ?? []), res.body.data.password]).size > count
    }
    await capture()
    clock.advance(15)
    await eventually(() => rotatedSince('10', 1), 'the 10 s role rotated after 15 s')
    await capture()
    clock.advance(10)
    await eventually(() => rotatedSince('20', 1), 'the 20 s role rotated after 25 s')
    await eventually(() => rotatedSince('10', 2), 'the 10 s role rotated again after 25 s')
    await capture()
    const [a10, b10, c10] = pws['10']!
    assert.ok(a10 !== b10 && b10 !== c10 && a10 !== c10, 'the 10 s role: three passwords')
    const [a20, b20, c20] = pws['20']!
    assert.ok(a20 === b20 && a20 !== c20, 'the 20 s role: one rotation, after 25 s')
    assert.equal(new Set(pws['100']).size, 1, 'the 100 s role: no rotation')
    for (const period of periods) {
      const user = `statictest${period}_${RUN}`
      assert.equal(await pgPasswordIs(db, user, pws[period]!.at(-1)!), true)
    }
  })
})

/** DROP ROLE through the shared `test` database (roles are cluster-wide), ignoring one that is already gone. */
async function dropRoleInTest(user: string): Promise<void> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query(`DROP ROLE IF EXISTS "${user.replace(/"/g, '""')}"`)
  } catch {
    // A role still owning objects elsewhere stays; none of these do.
  } finally {
    await client.end().catch(() => {})
  }
}

describeUnless(await unmet(MARIADB), 'openbao database: MariaDB', () => {
  let t: TestServer
  let root: mysql.Connection
  const users = new Set<string>()
  let mounts = 0
  const DSN = '{{username}}:{{password}}@tcp(127.0.0.1:3306)/'

  before(async () => {
    root = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
    t = await startDevServer()
  })
  after(async () => {
    await t?.close()
    for (const user of users) await root.query(`DROP USER IF EXISTS ?@'%'`, [user]).catch(() => {})
    await root?.end()
  })

  const mount = async () => {
    const path = `mydb${++mounts}`
    ok(await t.call('POST', `sys/mounts/${path}`, { body: { type: 'database' } }), 'mount')
    return path
  }
  /** An admin account with every privilege, as the Go tests' container root, so rotating it leaves root alone. */
  const createAdmin = async (password: string) => {
    const user = `adm_${RUN}_${crypto.randomBytes(2).toString('hex')}`
    users.add(user)
    await root.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password])
    await root.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [user])
    return user
  }
  const creds = async (m: string, role: string, token?: string) => {
    const res = await t.call('GET', `${m}/creds/${role}`, token ? { token } : {})
    if (res.status === 200) users.add(res.body.data.username)
    return res
  }

  it('TestBackend_RotateRootCredentials: after rotate-root the old password fails, creds still work, none is shown', async () => {
    const m = await mount()
    const admin = await createAdmin('secret-pw-1')
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: {
          plugin_name: 'mysql-database-plugin',
          connection_url: DSN,
          allowed_roles: ['plugin-role-test'],
          username: admin,
          password: 'secret-pw-1',
        },
      }),
      'config',
    )
    ok(
      await t.call('POST', `${m}/roles/plugin-role-test`, {
        body: {
          db_name: 'plugin-test',
          creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';",
          max_ttl: '10m',
        },
      }),
      'role',
    )
    ok(await creds(m, 'plugin-role-test'), 'creds')
    assert.equal((await t.call('POST', `${m}/rotate-root/plugin-test`)).status, 204)
    assert.equal(await canLoginMariaDb(admin, 'secret-pw-1'), false, 'root credentials rotated')
    const res = ok(await creds(m, 'plugin-role-test'), 'creds after rotation')
    assert.equal(await canLoginMariaDb(res.body.data.username, res.body.data.password), true)
    const read = await t.call('GET', `${m}/config/plugin-test`)
    assert.equal(read.body.data.connection_details.password, undefined)
    assert.doesNotMatch(JSON.stringify(read.body), /secret-pw-1/)
  })

  it('rotate-root with a literal password in connection_url is refused before anything changes', async () => {
    // Deliberate difference: Vault rotates anyway and then cannot connect, the URL still holding the old password
    // (its config write only warns). Coffer refuses with a 400 and leaves the database alone.
    const m = await mount()
    const admin = await createAdmin('Literal-pw-3')
    ok(
      await t.call('POST', `${m}/config/literal`, {
        body: {
          plugin_name: 'mysql-database-plugin',
          connection_url: `${admin}:Literal-pw-3@tcp(127.0.0.1:3306)/`,
          username: admin,
          password: 'Literal-pw-3',
        },
      }),
      'config',
    )
    const res = await t.call('POST', `${m}/rotate-root/literal`)
    refused(res, /connection_url/)
    assert.doesNotMatch(JSON.stringify(res.body), /Literal-pw-3/)
    assert.equal(await canLoginMariaDb(admin, 'Literal-pw-3'), true)
  })

  it('no password in clear in logs, the audit log, or any response but creds and static-creds', async () => {
    const lines: string[] = []
    let auditFile = ''
    const server = wrap(
      await startServerInTempDir((dir) => {
        auditFile = join(dir, 'audit.log')
        return {
          dev: true,
          listenAddress: '127.0.0.1:0',
          devAws: false,
          dataDir: dir,
          logger: createLogger('debug', (line) => lines.push(line)),
        }
      }),
    )
    try {
      ok(
        await server.call('PUT', 'sys/audit/file', {
          body: { type: 'file', options: { file_path: auditFile } },
        }),
        'audit',
      )
      ok(await server.call('POST', 'sys/mounts/database', { body: { type: 'database' } }), 'mount')
      const admin = await createAdmin('Root-pw-Leak-1')
      const staticUser = `leak_${RUN}`
      users.add(staticUser)
      await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'Static-pw-Leak-2'`, [staticUser])
      const secrets = ['Root-pw-Leak-1', 'Static-pw-Leak-2', 'Wrong-pw-Leak-3', 'Literal-pw-Leak-4']
      const others: Reply[] = []
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await server.call(method, path, body === undefined ? {} : { body })
        others.push(res)
        return res
      }
      await call('POST', 'database/config/bad', {
        plugin_name: 'mysql-database-plugin',
        connection_url: DSN,
        username: admin,
        password: 'Wrong-pw-Leak-3',
      })
      await call('POST', 'database/config/literal', {
        plugin_name: 'mysql-database-plugin',
        connection_url: `${admin}:Literal-pw-Leak-4@tcp(127.0.0.1:3306)/`,
        verify_connection: false,
      })
      await call('GET', 'database/config/literal')
      ok(
        await call('POST', 'database/config/maria', {
          plugin_name: 'mysql-database-plugin',
          connection_url: DSN,
          username: admin,
          password: 'Root-pw-Leak-1',
          allowed_roles: '*',
        }),
        'config',
      )
      await call('GET', 'database/config/maria')
      ok(
        await call('POST', 'database/roles/app', {
          db_name: 'maria',
          creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
        }),
        'role',
      )
      ok(
        await call('POST', 'database/roles/broken', {
          db_name: 'maria',
          creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIEDX BY '{{password}}'",
        }),
        'broken role',
      )
      await call('GET', 'database/creds/broken')
      const issued = ok(await server.call('GET', 'database/creds/app'), 'creds')
      users.add(issued.body.data.username)
      secrets.push(issued.body.data.password)
      ok(
        await call('POST', 'database/static-roles/svc', {
          db_name: 'maria',
          username: staticUser,
          rotation_period: '1h',
        }),
        'static role',
      )
      const staticPw = (await server.call('GET', 'database/static-creds/svc')).body.data.password
      secrets.push(staticPw)
      await call('POST', 'database/rotate-role/svc')
      secrets.push((await server.call('GET', 'database/static-creds/svc')).body.data.password)
      ok(await call('POST', 'database/rotate-root/maria'), 'rotate-root')
      await call('GET', 'database/config/maria')
      await call('PUT', 'sys/leases/lookup', { lease_id: issued.body.lease_id })
      await call('PUT', 'sys/leases/revoke', { lease_id: issued.body.lease_id })
      await call('POST', 'database/config/bad', { verify_connection: true })
      assert.ok(lines.length > 0, 'the server logged something')
      const audit = readFileSync(auditFile, 'utf8')
      assert.ok(audit.includes('database/creds/app'), 'the audit log has the requests')
      for (const secret of secrets) {
        const encoded = encodeURIComponent(secret)
        for (const [where, text] of [
          ['the logs', lines.join('')],
          ['the audit log', audit],
          ['a response', others.map((r) => JSON.stringify(r.body)).join('\n')],
        ] as const)
          assert.ok(!text.includes(secret) && !text.includes(encoded), `${where} show a password in clear`)
      }
    } finally {
      await server.close()
    }
  })

  it('TestMySQL_RotateRootCredentials: empty, {{username}} and {{name}} root rotation statements', async () => {
    const cases: [string, string[] | undefined][] = [
      ['empty', undefined],
      ['username', ["ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';"]],
      ['name', ["ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';"]],
    ]
    for (const [name, statements] of cases) {
      const m = await mount()
      const admin = await createAdmin('secret')
      ok(
        await t.call('POST', `${m}/config/${name}`, {
          body: {
            plugin_name: 'mysql-database-plugin',
            connection_url: DSN,
            username: admin,
            password: 'secret',
            ...(statements ? { root_rotation_statements: statements } : {}),
          },
        }),
        name,
      )
      assert.equal((await t.call('POST', `${m}/rotate-root/${name}`)).status, 204, name)
      assert.equal(
        await canLoginMariaDb(admin, 'secret'),
        false,
        `${name}: the initial password no longer works`,
      )
      // The new password works: Coffer still connects with it.
      ok(await t.call('POST', `${m}/config/${name}`, { body: { verify_connection: true } }), `${name} verify`)
    }
  })

  it('TestMySQL_NewUser_nonLegacy: 32-character usernames from name/username/prepared statements; a custom template', async () => {
    const m = await mount()
    const token = ok(await t.call('POST', 'auth/token/create', { body: { policies: ['root'] } }), 'token')
      .body.auth.client_token
    const create = (who: string) => `CREATE USER '{{${who}}}'@'%' IDENTIFIED BY '{{password}}';
      GRANT SELECT ON *.* TO '{{${who}}}'@'%';`
    const prepared = (who: string) => `CREATE USER '{{${who}}}'@'%' IDENTIFIED BY '{{password}}';
      set @grants=CONCAT("GRANT SELECT ON ", "*", ".* TO '{{${who}}}'@'%'");
      PREPARE grantStmt from @grants;
      EXECUTE grantStmt;
      DEALLOCATE PREPARE grantStmt;`
    const cases: [string, string, string, RegExp][] = [
      ['name statements', '', create('name'), /^v-token-testrole-[a-zA-Z0-9]{15}$/],
      ['username statements', '', create('username'), /^v-token-testrole-[a-zA-Z0-9]{15}$/],
      ['prepared name statements', '', prepared('name'), /^v-token-testrole-[a-zA-Z0-9]{15}$/],
      ['prepared username statements', '', prepared('username'), /^v-token-testrole-[a-zA-Z0-9]{15}$/],
      [
        'custom username template',
        'foo-{{random 10}}-{{.RoleName | uppercase}}',
        create('username'),
        /^foo-[a-zA-Z0-9]{10}-TESTROLE$/,
      ],
    ]
    for (const [name, template, statements, pattern] of cases) {
      ok(
        await t.call('POST', `${m}/config/plugin-test`, {
          body: {
            plugin_name: 'mysql-database-plugin',
            connection_url: DSN,
            username: 'root',
            password: '',
            allowed_roles: '*',
            username_template: template,
          },
        }),
        name,
      )
      ok(
        await t.call('POST', `${m}/roles/testrole`, {
          body: { db_name: 'plugin-test', creation_statements: statements },
        }),
        name,
      )
      const res = ok(await creds(m, 'testrole', token), `${name} creds`)
      assert.match(res.body.data.username, pattern, name)
      assert.equal(await canLoginMariaDb(res.body.data.username, res.body.data.password), true, name)
      const [grants] = await root.query<mysql.RowDataPacket[]>('SHOW GRANTS FOR ?@?', [
        res.body.data.username,
        '%',
      ])
      assert.ok(
        grants.some((row) => /GRANT SELECT ON \*\.\*/.test(String(Object.values(row)[0]))),
        `${name}: the grant ran`,
      )
    }
  })

  it('TestMySQL_NewUser_legacy: 16-character usernames from mysql-legacy-database-plugin', async () => {
    const m = await mount()
    const token = ok(await t.call('POST', 'auth/token/create', { body: { policies: ['root'] } }), 'token')
      .body.auth.client_token
    for (const [template, pattern] of [
      ['', /^v-test-[a-zA-Z0-9]{9}$/],
      ['foo-{{random 5}}-{{.RoleName | uppercase | truncate 6}}', /^foo-[a-zA-Z0-9]{5}-TESTRO$/],
    ] as const) {
      ok(
        await t.call('POST', `${m}/config/legacy`, {
          body: {
            plugin_name: 'mysql-legacy-database-plugin',
            connection_url: DSN,
            username: 'root',
            password: '',
            allowed_roles: '*',
            username_template: template,
          },
        }),
        'config',
      )
      ok(
        await t.call('POST', `${m}/roles/testrole`, {
          body: {
            db_name: 'legacy',
            creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';",
          },
        }),
        'role',
      )
      const res = ok(await creds(m, 'testrole', token), 'creds')
      assert.match(res.body.data.username, pattern)
      assert.equal(await canLoginMariaDb(res.body.data.username, res.body.data.password), true)
    }
  })

  it('TestMySQL_DeleteUser: the default revocation drops the user; custom statements run', async () => {
    const m = await mount()
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: {
          plugin_name: 'mysql-database-plugin',
          connection_url: DSN,
          username: 'root',
          password: '',
          allowed_roles: '*',
        },
      }),
      'config',
    )
    for (const [role, revocation] of [
      ['default', undefined],
      ['custom', ["REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%'; DROP USER '{{name}}'@'%'"]],
    ] as const) {
      ok(
        await t.call('POST', `${m}/roles/${role}`, {
          body: {
            db_name: 'plugin-test',
            creation_statements:
              "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON *.* TO '{{name}}'@'%';",
            ...(revocation ? { revocation_statements: revocation } : {}),
          },
        }),
        role,
      )
      const res = ok(await creds(m, role), `${role} creds`)
      assert.equal(await canLoginMariaDb(res.body.data.username, res.body.data.password), true)
      ok(
        await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: res.body.lease_id } }),
        `${role} revoke`,
      )
      assert.equal(await canLoginMariaDb(res.body.data.username, res.body.data.password), false, role)
    }
  })

  it('TestMySQL_UpdateUser: a static role rotation changes the password (default and custom statements)', async () => {
    const m = await mount()
    ok(
      await t.call('POST', `${m}/config/plugin-test`, {
        body: {
          plugin_name: 'mysql-database-plugin',
          connection_url: DSN,
          username: 'root',
          password: '',
          allowed_roles: '*',
        },
      }),
      'config',
    )
    for (const [name, statements] of [
      ['default', undefined],
      ['custom', ["ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';"]],
    ] as const) {
      const user = `upd_${RUN}_${name}`
      users.add(user)
      await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'initial-pw-1'`, [user])
      ok(
        await t.call('POST', `${m}/static-roles/${name}`, {
          body: {
            db_name: 'plugin-test',
            username: user,
            rotation_period: '1h',
            ...(statements ? { rotation_statements: statements } : {}),
          },
        }),
        name,
      )
      const first = (await t.call('GET', `${m}/static-creds/${name}`)).body.data.password
      assert.equal(await canLoginMariaDb(user, 'initial-pw-1'), false)
      assert.equal(await canLoginMariaDb(user, first), true)
      assert.equal((await t.call('POST', `${m}/rotate-role/${name}`)).status, 204)
      const second = (await t.call('GET', `${m}/static-creds/${name}`)).body.data.password
      assert.equal(await canLoginMariaDb(user, first), false)
      assert.equal(await canLoginMariaDb(user, second), true)
    }
  })

  it('errors: missing db_name, unknown plugin, a role the connection does not allow, bad TTLs — 400s naming the problem', async () => {
    const m = await mount()
    refused(
      await t.call('POST', `${m}/config/x`, {
        body: { plugin_name: 'nosuch-database-plugin', connection_url: DSN },
      }),
      /nosuch-database-plugin/,
    )
    refused(await t.call('POST', `${m}/config/x`, { body: { connection_url: DSN } }), /plugin_name/)
    refused(
      await t.call('POST', `${m}/roles/r`, { body: { creation_statements: 'CREATE USER x' } }),
      /^database name is required$/,
    )
    refused(
      await t.call('POST', `${m}/static-roles/r`, { body: { username: 'x', rotation_period: '1h' } }),
      /database name is/,
    )
    // A wrong root password: a 400 that never shows it.
    const wrong = await t.call('POST', `${m}/config/x`, {
      body: {
        plugin_name: 'mysql-database-plugin',
        connection_url: DSN,
        username: 'root',
        password: 'Wrong-Root-Pw-9',
        allowed_roles: ['only-this'],
      },
    })
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body))
    assert.doesNotMatch(JSON.stringify(wrong.body), /Wrong-Root-Pw-9/)
    ok(
      await t.call('POST', `${m}/config/x`, {
        body: {
          plugin_name: 'mysql-database-plugin',
          connection_url: DSN,
          username: 'root',
          password: '',
          allowed_roles: ['only-this'],
        },
      }),
      'config',
    )
    ok(
      await t.call('POST', `${m}/roles/other`, {
        body: {
          db_name: 'x',
          creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
        },
      }),
      'role',
    )
    refused(await creds(m, 'other'), /"other" is not an allowed role for database "x"/)
    refused(
      await t.call('POST', `${m}/static-roles/other-static`, {
        body: { db_name: 'x', username: 'root', rotation_period: '1h' },
      }),
      /not an allowed role/,
    )
    refused(
      await t.call('POST', `${m}/roles/ttl`, {
        body: { db_name: 'x', creation_statements: 'CREATE USER x', default_ttl: '2h', max_ttl: '1h' },
      }),
      /ttl/,
    )
    refused(await t.call('GET', `${m}/creds/nosuch`), /nosuch/)
    // Statements are strings: an object is a 400, never stored as "[object Object]" (Vault's string-slice decode).
    for (const bad of [{ a: 1 }, [{ a: 1 }], [['x']]]) {
      refused(
        await t.call('POST', `${m}/roles/objects`, { body: { db_name: 'x', creation_statements: bad } }),
        /creation_statements/,
      )
      refused(
        await t.call('POST', `${m}/config/x`, { body: { root_rotation_statements: bad } }),
        /root_rotation_statements/,
      )
    }
    assert.equal((await t.call('GET', `${m}/roles/objects`)).status, 404)
    // A creation failure is the database's error (502), carrying neither the generated nor the root password.
    ok(
      await t.call('POST', `${m}/roles/only-this`, {
        body: {
          db_name: 'x',
          // MariaDB quotes the statement from the error on, so its message would carry the password.
          creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIEDX BY '{{password}}'",
        },
      }),
      'bad role',
    )
    const failed = await creds(m, 'only-this')
    assert.equal(failed.status, 502, JSON.stringify(failed.body))
    assert.match(errorsOf(failed), /IDENTIFIEDX BY '\[redacted\]'/, 'the generated password is scrubbed')
    // The same for a static role's rotation, whose failed first rotation also drops the role.
    const user = `scrub_${RUN}`
    users.add(user)
    await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'Initial-pw-7'`, [user])
    const rotation = await t.call('POST', `${m}/static-roles/only-this-static`, {
      body: {
        db_name: 'x',
        username: user,
        rotation_period: '1h',
        rotation_statements: ["ALTER USER '{{name}}'@'%' IDENTIFIEDX BY '{{password}}'"],
      },
    })
    refused(rotation, /not an allowed role/)
    ok(
      await t.call('POST', `${m}/config/x`, { body: { allowed_roles: ['only-this', 'only-this-static'] } }),
      'allow the static role',
    )
    const failedRotation = await t.call('POST', `${m}/static-roles/only-this-static`, {
      body: {
        db_name: 'x',
        username: user,
        rotation_period: '1h',
        rotation_statements: ["ALTER USER '{{name}}'@'%' IDENTIFIEDX BY '{{password}}'"],
      },
    })
    assert.equal(failedRotation.status, 502, JSON.stringify(failedRotation.body))
    assert.match(errorsOf(failedRotation), /IDENTIFIEDX BY '\[redacted\]'/)
    assert.equal(await canLoginMariaDb(user, 'Initial-pw-7'), true)
  })
})

/** Runs `command` as `username` on a fresh Redis connection: 'OK'-like reply, or the error text (WRONGPASS, NOPERM). */
async function redisAs(username: string, password: string, command: string[]): Promise<string> {
  const client = createClient({ socket: { host: '127.0.0.1', port: 6379, reconnectStrategy: false } })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.sendCommand(['AUTH', username, password])
    return String(await client.sendCommand(command))
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    if (client.isOpen) await client.close().catch(() => {})
  }
}

// OpenBao's valkey plugin (internal/builtin/database/valkey, forked from Vault's Redis plugin) replayed against the
// loopback Redis through Coffer's redis-database-plugin. Deliberate difference: the plugin is not registered under
// the name valkey-database-plugin, and connection_url (valkey://user:pass@host:port) is not a Redis setting here.
describeUnless(await unmet(REDIS), 'openbao database: Redis (valkey plugin tests)', () => {
  let t: TestServer
  const admin = createClient({ socket: { host: '127.0.0.1', port: 6379 } })
  const users = new Set<string>()
  let mounts = 0
  const adminUser = `Administrator_${RUN}`

  before(async () => {
    await admin.connect()
    users.add(adminUser)
    await admin.sendCommand(['ACL', 'SETUSER', adminUser, 'on', '>Admin-pw-Redis-1', '~*', '&*', '+@all'])
    t = await startDevServer()
  })
  after(async () => {
    await t?.close()
    for (const user of users) await admin.sendCommand(['ACL', 'DELUSER', user]).catch(() => {})
    await admin.close()
  })

  const mount = async (username = adminUser, password = 'Admin-pw-Redis-1') => {
    const path = `redis${++mounts}`
    ok(await t.call('POST', `sys/mounts/${path}`, { body: { type: 'database' } }), 'mount')
    ok(
      await t.call('POST', `${path}/config/valkey`, {
        body: {
          plugin_name: 'redis-database-plugin',
          host: '127.0.0.1',
          port: 6379,
          username,
          password,
          allowed_roles: '*',
        },
      }),
      'config',
    )
    return path
  }
  const creds = async (m: string, role: string) => {
    const res = await t.call('GET', `${m}/creds/${role}`)
    if (res.status === 200) users.add(res.body.data.username)
    return res
  }

  it('testValkeyDBCreateUser / _DefaultRule: no creation statements means ~* +@read; revoking twice is fine', async () => {
    const m = await mount()
    ok(await t.call('POST', `${m}/roles/test`, { body: { db_name: 'valkey' } }), 'role without statements')
    const res = ok(await creds(m, 'test'), 'creds')
    const { username, password } = res.body.data
    assert.notEqual(await redisAs(username, password, ['GET', 'somekey']), '', 'GET runs')
    assert.doesNotMatch(await redisAs(username, password, ['GET', 'somekey']), /NOPERM|WRONGPASS/)
    assert.match(await redisAs(username, password, ['SET', 'somekey', 'value']), /NOPERM/)
    // Revoke operations should ignore not-found errors: the user is gone already when the lease is revoked.
    await admin.sendCommand(['ACL', 'DELUSER', username])
    ok(
      await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: res.body.lease_id } }),
      'revoke a gone user',
    )
    assert.match(await redisAs(username, password, ['PING']), /WRONGPASS/)
    // The same role on a config rewritten for MariaDB has nothing to run: a 400, not a user that does not exist.
    if (!(await unmet(MARIADB))) {
      ok(
        await t.call('POST', `${m}/config/valkey`, {
          body: {
            plugin_name: 'mysql-database-plugin',
            connection_url: '{{username}}:{{password}}@tcp(127.0.0.1:3306)/',
            username: 'root',
            password: '',
          },
        }),
        'now MariaDB',
      )
      refused(await creds(m, 'test'), /empty creation statements/)
    }
  })

  it('testValkeyDBCreateUser_WithCreationStatements: +@read ~* allows get and denies set; revoke removes the user', async () => {
    const m = await mount()
    ok(
      await t.call('POST', `${m}/roles/test`, {
        body: { db_name: 'valkey', creation_statements: ['+@read', '~*'] },
      }),
      'role',
    )
    const res = ok(await creds(m, 'test'), 'creds')
    const { username, password } = res.body.data
    assert.doesNotMatch(await redisAs(username, password, ['GET', 'somekey']), /NOPERM|WRONGPASS/)
    assert.match(await redisAs(username, password, ['SET', 'somekey', 'value']), /NOPERM/)
    ok(await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: res.body.lease_id } }), 'revoke')
    assert.match(await redisAs(username, password, ['PING']), /WRONGPASS/)
  })

  it('testValkeyDBCreateUser_plusRole / _groupOnly: ["+@admin"] and ["+@all"] as JSON lists', async () => {
    const m = await mount()
    for (const [role, rules, command, allowed] of [
      ['plusrole', '["+@admin"]', ['CONFIG', 'GET', 'maxmemory'], true],
      ['plusrole', '["+@admin"]', ['SET', 'k', 'v'], false],
      ['group', '["+@all"]', ['CONFIG', 'GET', 'maxmemory'], true],
      // Every command, but no key pattern: Redis refuses the key.
      ['group', '["+@all"]', ['SET', `openbao_${RUN}`, 'v'], false],
    ] as const) {
      ok(
        await t.call('POST', `${m}/roles/${role}`, {
          body: { db_name: 'valkey', creation_statements: rules },
        }),
        role,
      )
      const { username, password } = ok(await creds(m, role), `${role} creds`).body.data
      const reply = await redisAs(username, password, [...command])
      if (allowed) assert.doesNotMatch(reply, /NOPERM|WRONGPASS/, `${role}: ${command.join(' ')}`)
      else assert.match(reply, /NOPERM/, `${role}: ${command.join(' ')}`)
    }
    await admin.sendCommand(['DEL', `openbao_${RUN}`])
  })

  it('testValkeyDBRotateRootCredentials: after rotate-root the old admin password fails and Coffer still connects', async () => {
    const rootUser = `rotate-root_${RUN}`
    users.add(rootUser)
    await admin.sendCommand(['ACL', 'SETUSER', rootUser, 'on', '>rotate-rootpassword', '~*', '&*', '+@all'])
    const m = await mount(rootUser, 'rotate-rootpassword')
    assert.equal((await t.call('POST', `${m}/rotate-root/valkey`)).status, 204)
    assert.match(await redisAs(rootUser, 'rotate-rootpassword', ['PING']), /WRONGPASS/)
    ok(await t.call('POST', `${m}/roles/test`, { body: { db_name: 'valkey' } }), 'role')
    ok(await creds(m, 'test'), 'creds through the rotated root')
  })

  it('testValkeyDBSetCredentials: a static role rotates an existing user’s password', async () => {
    const m = await mount()
    const user = `vault-edu_${RUN}`
    users.add(user)
    await admin.sendCommand(['ACL', 'SETUSER', user, 'on', '>password', '~*', '+@read'])
    ok(
      await t.call('POST', `${m}/static-roles/edu`, {
        body: { db_name: 'valkey', username: user, rotation_period: '1h' },
      }),
      'static role',
    )
    const first = (await t.call('GET', `${m}/static-creds/edu`)).body.data.password
    assert.match(await redisAs(user, 'password', ['GET', 'k']), /WRONGPASS/)
    assert.doesNotMatch(await redisAs(user, first, ['GET', 'k']), /WRONGPASS|NOPERM/)
    assert.equal((await t.call('POST', `${m}/rotate-role/edu`)).status, 204)
    const second = (await t.call('GET', `${m}/static-creds/edu`)).body.data.password
    assert.match(await redisAs(user, first, ['GET', 'k']), /WRONGPASS/)
    assert.doesNotMatch(await redisAs(user, second, ['GET', 'k']), /WRONGPASS|NOPERM/)
    // A user that does not exist: the role is refused and not kept.
    const missing = await t.call('POST', `${m}/static-roles/missing`, {
      body: { db_name: 'valkey', username: `missing_${RUN}`, rotation_period: '1h' },
    })
    assert.equal(missing.status, 502, JSON.stringify(missing.body))
    assert.equal((await t.call('GET', `${m}/static-roles/missing`)).status, 404)
  })
})
