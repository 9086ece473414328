// The database engine against the real MariaDB on 127.0.0.1:3306: dynamic users, revoke, static rotation, rotate-root.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import mysql from 'mysql2/promise'
import { describeUnless, MARIADB, unmet } from '../../../../test/helpers/requirements.ts'
import { canLoginMariaDb, type DbHarness, makeDb, uniqueName } from './test-helpers.ts'

const ROOT_URL = '{{username}}:{{password}}@tcp(127.0.0.1:3306)/'

describeUnless(await unmet(MARIADB), 'database engine: MariaDB', () => {
  let db: DbHarness
  let admin: mysql.Connection
  const cleanupUsers: string[] = []

  before(async () => {
    admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
    db = await makeDb()
    await db.call('update', 'config/maria', {
      plugin_name: 'mysql-database-plugin',
      connection_url: ROOT_URL,
      username: 'root',
      password: '',
      allowed_roles: '*',
    })
  })
  after(async () => {
    await db?.close()
    for (const user of cleanupUsers) await admin.query(`DROP USER IF EXISTS ?@'%'`, [user]).catch(() => {})
    await admin?.end()
  })

  it('reads the config back without the password', async () => {
    const read = await db.call('read', 'config/maria')
    assert.equal(read?.data?.['plugin_name'], 'mysql-database-plugin')
    assert.deepEqual(
      (read!.data!['connection_details'] as Record<string, unknown>)['connection_url'],
      ROOT_URL,
    )
    assert.ok(!JSON.stringify(read).includes('"password"'))
    assert.deepEqual((await db.call('list', 'config/'))?.data, { keys: ['maria'] })
  })

  it('issues a user that logs in, and after revoke cannot', async () => {
    await db.call('update', 'roles/app', {
      db_name: 'maria',
      creation_statements: [
        "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
        "GRANT SELECT ON test.* TO '{{name}}'@'%'",
      ],
      default_ttl: '1h',
      max_ttl: '2h',
    })
    const creds = await db.call('read', 'creds/app')
    const { username, password } = creds!.data as { username: string; password: string }
    assert.match(username, /^v-token-app-[A-Za-z0-9]{8}/)
    assert.ok(username.length <= 32)
    assert.equal(creds!.secret!.ttl, 3600)
    assert.equal(creds!.secret!.maxTtl, 7200)
    assert.ok(
      !JSON.stringify(creds!.secret!.internal).includes(password),
      'the lease never holds the password',
    )
    cleanupUsers.push(username)
    assert.equal(await canLoginMariaDb(username, password), true)
    assert.equal(await canLoginMariaDb(username, `${password}x`), false, 'MariaDB checks the password')
    const renewed = await db.renew(creds!.secret!.internal, 600)
    assert.equal(renewed?.ttl, 600)
    await db.revoke(creds!.secret!.internal)
    assert.equal(await canLoginMariaDb(username, password), false)
    // Revoking again (a retried revoke) is not an error.
    await db.revoke(creds!.secret!.internal)
  })

  it('a failing creation statement is a 502 that does not echo the password, and leaves no user', async () => {
    await db.call('update', 'roles/broken', {
      db_name: 'maria',
      creation_statements:
        "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT NOPE ON x TO '{{name}}'@'%'",
    })
    const error = await db.call('read', 'creds/broken').then(
      () => undefined,
      (e: Error & { status: number }) => e,
    )
    assert.equal(error?.status, 502)
    assert.match(error!.message, /unable to create database user/)
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User FROM mysql.user WHERE User LIKE 'v-token-broken%'",
    )
    assert.equal(rows.length, 0)
  })

  it('refuses a role not in allowed_roles and a bad connection URL', async () => {
    await db.call('update', 'config/narrow', {
      plugin_name: 'mysql-aurora-database-plugin',
      connection_url: ROOT_URL,
      username: 'root',
      allowed_roles: ['only-this'],
    })
    await db.call('update', 'roles/other', { db_name: 'narrow', creation_statements: 'SELECT 1' })
    await assert.rejects(db.call('read', 'creds/other'), { status: 400, message: /not an allowed role/ })
    await assert.rejects(
      db.call('update', 'config/bad', { plugin_name: 'mysql-database-plugin', connection_url: 'nonsense' }),
      { status: 400 },
    )
    await assert.rejects(
      db.call('update', 'config/wrongpw', {
        plugin_name: 'mysql-database-plugin',
        connection_url: ROOT_URL,
        username: 'root',
        password: 'Sup3r-Secret-Value',
      }),
      (error: Error & { status: number }) =>
        error.status === 400 && !error.message.includes('Sup3r-Secret-Value'),
    )
    assert.equal(
      await db.call('read', 'config/wrongpw'),
      undefined,
      'nothing is stored when verification fails',
    )
  })

  it('a static role rotates a real password: the old one stops working, on demand and on schedule', async () => {
    const user = uniqueName('static')
    cleanupUsers.push(user)
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'Initial-pw-1'`, [user])
    assert.equal(await canLoginMariaDb(user, 'Initial-pw-1'), true)
    await db.call('update', 'static-roles/svc', { db_name: 'maria', username: user, rotation_period: '1h' })
    const first = (await db.call('read', 'static-creds/svc'))!.data!
    assert.equal(first['username'], user)
    assert.equal(first['rotation_period'], 3600)
    assert.ok((first['ttl'] as number) > 3590 && (first['ttl'] as number) <= 3600)
    assert.equal(await canLoginMariaDb(user, 'Initial-pw-1'), false, 'creating the role rotated the password')
    assert.equal(await canLoginMariaDb(user, first['password'] as string), true)

    await db.call('update', 'rotate-role/svc')
    const second = (await db.call('read', 'static-creds/svc'))!.data!
    assert.notEqual(second['password'], first['password'])
    assert.equal(await canLoginMariaDb(user, first['password'] as string), false)
    assert.equal(await canLoginMariaDb(user, second['password'] as string), true)

    // Nothing is due yet: the periodic hook changes nothing.
    await db.periodic()
    assert.equal((await db.call('read', 'static-creds/svc'))!.data!['password'], second['password'])
    db.clock.now += 3601_000
    await db.periodic()
    const third = (await db.call('read', 'static-creds/svc'))!.data!
    assert.notEqual(third['password'], second['password'])
    assert.equal(await canLoginMariaDb(user, third['password'] as string), true)
    assert.equal(await canLoginMariaDb(user, second['password'] as string), false)
  })

  it('a static-creds read during a rotation waits for it, never answering the password the rotation replaced', async () => {
    const user = uniqueName('static')
    const lock = uniqueName('rotation_hold')
    cleanupUsers.push(user)
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'Initial-pw-1'`, [user])
    // The rotation changes the password, then waits for a named lock the test holds: the window between the
    // database change and the stored role is held open for as long as the test needs.
    await db.call('update', 'static-roles/held', {
      db_name: 'maria',
      username: user,
      rotation_period: '1h',
      rotation_statements: [
        "ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
        `DO GET_LOCK('${lock}', 60)`,
        `DO RELEASE_LOCK('${lock}')`,
      ],
    })
    const before = (await db.call('read', 'static-creds/held'))!.data!['password'] as string
    await admin.query('DO GET_LOCK(?, 60)', [lock])
    let reading: Promise<unknown> | undefined
    try {
      const rotating = db.call('update', 'rotate-role/held')
      // Once the rotation waits on the lock, its new password is already in the database.
      const waiting = async () => {
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ?',
          [`DO GET_LOCK('${lock}'%`],
        )
        return Number(rows[0]?.['n']) > 0
      }
      while (!(await waiting())) await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(await canLoginMariaDb(user, before), false, 'the database already has the new password')
      reading = db.call('read', 'static-creds/held')
      await admin.query('DO RELEASE_LOCK(?)', [lock])
      await rotating
    } finally {
      await admin.query('DO RELEASE_LOCK(?)', [lock])
    }
    const read = (await reading)! as { data: Record<string, unknown> }
    assert.notEqual(read.data['password'], before)
    assert.equal(await canLoginMariaDb(user, read.data['password'] as string), true)
  })

  it('rotate-root changes the configured admin password so only the engine knows it', async () => {
    const rootUser = uniqueName('admin')
    cleanupUsers.push(rootUser)
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'Admin-pw-1'`, [rootUser])
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [rootUser])
    await db.call('update', 'config/rotating', {
      plugin_name: 'mysql-database-plugin',
      connection_url: ROOT_URL,
      username: rootUser,
      password: 'Admin-pw-1',
      allowed_roles: '*',
    })
    await db.call('update', 'rotate-root/rotating')
    assert.equal(await canLoginMariaDb(rootUser, 'Admin-pw-1'), false)
    assert.ok(!JSON.stringify(await db.call('read', 'config/rotating')).includes('password":'))
    // The engine still works with the password only it knows.
    await db.call('update', 'roles/after-root', {
      db_name: 'rotating',
      creation_statements: "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
    })
    const creds = await db.call('read', 'creds/after-root')
    const { username, password } = creds!.data as { username: string; password: string }
    cleanupUsers.push(username)
    assert.equal(await canLoginMariaDb(username, password), true)
    await db.revoke(creds!.secret!.internal)
    assert.equal(await canLoginMariaDb(username, password), false)
  })
})
