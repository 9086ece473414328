// hvac's secrets.database calls against Coffer and MariaDB: configure, roles, creds, revoke, rotate-root, static roles.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import mysql from 'mysql2/promise'
import { canLoginMariaDb, eventually, uniqueName } from '../../src/server/engines/database/test-helpers.ts'
import { revokeDatabaseLeases } from '../helpers/database-leases.ts'
import { runPython as run } from '../helpers/python.ts'
import { HVAC, MARIADB, skipUnless } from '../helpers/requirements.ts'
import { startDevServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_database_scenario.py', import.meta.url))

test('hvac secrets.database against MariaDB', { timeout: 120_000 }, async (t) => {
  if (await skipUnless(t, HVAC, MARIADB)) return
  const root = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
  const adminUser = uniqueName('hvac_admin')
  const staticUser = uniqueName('hvac_static')
  await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'Admin-pw-1'`, [adminUser])
  await root.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [adminUser])
  await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'Static-pw-1'`, [staticUser])
  const server = await startDevServer()
  try {
    const result = await run([SCRIPT], {
      ...process.env,
      VAULT_ADDR: server.address,
      VAULT_TOKEN: server.rootToken,
      ADMIN_USER: adminUser,
      ADMIN_PASSWORD: 'Admin-pw-1',
      STATIC_USER: staticUser,
    })
    assert.equal(result.code, 0, `hvac_database_scenario.py failed:\n${result.stderr}`)
    // biome-ignore lint/suspicious/noExplicitAny: the script's JSON, checked field by field below
    const r = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, any>
    assert.equal(r['configure'], 204, JSON.stringify(r['configure']))
    assert.equal(r['read_config'].plugin_name, 'mysql-database-plugin')
    assert.equal(r['read_config'].connection_details.password, undefined)
    assert.equal(r['create_role'], 204)
    assert.match(r['creds_kept'].lease_id, /^database\/creds\/app\//)
    assert.equal(r['creds_kept'].lease_duration, 3600)
    assert.equal(r['creds_kept'].renewable, true)
    assert.equal(await canLoginMariaDb(r['creds_kept'].username, r['creds_kept'].password), true)
    assert.equal(r['revoke'], 204)
    await eventually(
      async () => !(await canLoginMariaDb(r['creds_revoked'].username, r['creds_revoked'].password)),
      'the revoked user cannot log in',
    )
    const keptId = r['creds_kept'].lease_id as string
    assert.equal(r['read_lease'].id, keptId)
    assert.equal(r['read_lease'].renewable, true)
    assert.deepEqual(r['renew_lease'], { lease_id: keptId, lease_duration: 1800, renewable: true })
    assert.equal(r['list_leases'].length, 2, JSON.stringify(r['list_leases']))
    assert.ok(
      r['creds_tmp_1'].lease_id.endsWith(r['list_leases'][0]) ||
        r['creds_tmp_1'].lease_id.endsWith(r['list_leases'][1]),
    )
    assert.equal(r['revoke_prefix'], 204)
    for (const name of ['creds_tmp_1', 'creds_tmp_2'])
      await eventually(
        async () => !(await canLoginMariaDb(r[name].username, r[name].password)),
        `revoke_prefix dropped ${name}`,
      )
    assert.equal(r['rotate_root'], 204)
    assert.equal(
      await canLoginMariaDb(adminUser, 'Admin-pw-1'),
      false,
      'rotate-root changed the admin password',
    )
    assert.equal(r['create_static_role'], 204)
    assert.equal(r['static_before'].username, staticUser)
    assert.equal(r['static_before'].rotation_period, 3600)
    assert.equal(r['rotate_static'], 204)
    assert.notEqual(r['static_after'].password, r['static_before'].password)
    assert.equal(await canLoginMariaDb(staticUser, 'Static-pw-1'), false)
    assert.equal(await canLoginMariaDb(staticUser, r['static_before'].password), false)
    assert.equal(await canLoginMariaDb(staticUser, r['static_after'].password), true)
  } finally {
    // creds_kept is still leased: revoke it through the server (which knows the rotated root password) so its user goes.
    await revokeDatabaseLeases(server.call).catch(() => {})
    await server.close()
    for (const user of [adminUser, staticUser])
      await root.query(`DROP USER IF EXISTS ?@'%'`, [user]).catch(() => {})
    await root.end()
  }
})
