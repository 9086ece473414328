// `coffer leak respond` on database paths against MariaDB: a static role is rotated, dynamic credentials revoked.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import mysql from 'mysql2/promise'
import { run } from '../../src/cli/test-io.ts'
import { canLoginMariaDb, eventually } from '../../src/server/engines/database/test-helpers.ts'
import { mariaDbEngine } from '../helpers/mariadb-engine.ts'
import { describeUnless, MARIADB, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describeUnless(await unmet(MARIADB), 'leak respond on database credentials', () => {
  let t: TestServer
  let admin: mysql.Connection
  const user = `leak_static_${process.pid}`
  const dir = mkdtempSync(join(tmpdir(), 'coffer-leak-db-'))
  const log = join(dir, 'audit.log')
  const cli = (args: string[]) =>
    run(args, { env: { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }, homeDir: dir })

  before(async () => {
    admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
    await admin.query(`DROP USER IF EXISTS ?@'%'`, [user])
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY 'Initial-pw-1'`, [user])
    t = await startDevServer()
    await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: log } } })
    await mariaDbEngine(t.call)
    const role = await t.call('POST', 'database/static-roles/svc', {
      body: { db_name: 'maria', username: user, rotation_period: '1h' },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(async () => {
    await t?.close()
    await admin?.query(`DROP USER IF EXISTS ?@'%'`, [user]).catch(() => undefined)
    await admin?.end()
    rmSync(dir, { recursive: true, force: true })
  })

  it('static-creds: -dry-run changes nothing; then the role is rotated and the reader listed', async () => {
    const leaked = (await t.call('GET', 'database/static-creds/svc')).body.data.password as string
    assert.equal(await canLoginMariaDb(user, leaked), true)
    const dry = await cli(['leak', 'respond', '-dry-run', 'database/static-creds/svc'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /Would rotate it with database\/rotate-role\/svc/)
    assert.equal(await canLoginMariaDb(user, leaked), true)
    const res = await cli([
      'leak',
      'respond',
      `-audit-log=${log}`,
      '-audit-device=file',
      'database/static-creds/svc',
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Rotated: the database engine set a new password for static role svc/)
    assert.equal(await canLoginMariaDb(user, leaked), false)
    const now = (await t.call('GET', 'database/static-creds/svc')).body.data.password as string
    assert.notEqual(now, leaked)
    assert.equal(await canLoginMariaDb(user, now), true)
    assert.match(res.stdout, /read\s+database\/static-creds\/svc\s+root\s+127\.0\.0\.1/)
    assert.ok(!res.stdout.includes(leaked) && !res.stdout.includes(now))
  })

  it('creds: every lease issued from the role is revoked and who obtained credentials is listed', async () => {
    const issued = [
      (await t.call('GET', 'database/creds/app')).body.data,
      (await t.call('GET', 'database/creds/app')).body.data,
    ]
    for (const c of issued) assert.equal(await canLoginMariaDb(c.username, c.password), true)
    const res = await cli([
      'leak',
      'respond',
      `-audit-log=${log}`,
      '-audit-device=file',
      'database/creds/app',
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Revoked: every lease under database\/creds\/app\//)
    for (const c of issued)
      await eventually(
        async () => !(await canLoginMariaDb(c.username, c.password)),
        'the database user is dropped',
      )
    const section = res.stdout.slice(res.stdout.indexOf('Who obtained credentials'))
    assert.equal(section.match(/read\s+database\/creds\/app\s+root/g)?.length, 2, section)
  })
})
