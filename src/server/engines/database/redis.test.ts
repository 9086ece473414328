// The database engine against the real Redis on 127.0.0.1:6379: ACL users that authenticate, revoke, rotate-root.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { createClient } from 'redis'
import { describeUnless, REDIS, unmet } from '../../../../test/helpers/requirements.ts'
import { type DbHarness, makeDb, uniqueName } from './test-helpers.ts'

/** AUTH on a fresh connection: Redis answers OK or WRONGPASS whatever commands the user's ACL allows. */
async function canAuth(username: string, password: string): Promise<boolean> {
  const client = createClient({ socket: { host: '127.0.0.1', port: 6379, reconnectStrategy: false } })
  client.on('error', () => {})
  try {
    await client.connect()
    return String(await client.sendCommand(['AUTH', username, password])) === 'OK'
  } catch {
    return false
  } finally {
    if (client.isOpen) await client.close().catch(() => {})
  }
}

describeUnless(await unmet(REDIS), 'database engine: Redis', () => {
  let db: DbHarness
  const admin = createClient({ socket: { host: '127.0.0.1', port: 6379 } })
  const users: string[] = []

  before(async () => {
    await admin.connect()
    db = await makeDb()
    await db.call('update', 'config/cache', {
      plugin_name: 'redis-database-plugin',
      host: '127.0.0.1',
      port: 6379,
      allowed_roles: '*',
    })
  })
  after(async () => {
    await db?.close()
    for (const user of users) await admin.sendCommand(['ACL', 'DELUSER', user]).catch(() => {})
    await admin.close()
  })

  it('issues an ACL user with the role rules that authenticates, and after revoke cannot', async () => {
    await db.call('update', 'roles/reader', {
      db_name: 'cache',
      creation_statements: '["~*", "+@read"]',
      default_ttl: 600,
    })
    const creds = await db.call('read', 'creds/reader')
    const { username, password } = creds!.data as { username: string; password: string }
    users.push(username)
    assert.match(username, /^V_TOKEN_READER_/)
    assert.equal(await canAuth(username, password), true)
    assert.equal(await canAuth(username, `${password}x`), false)
    const acl = (await admin.sendCommand(['ACL', 'GETUSER', username])) as unknown[]
    assert.match(JSON.stringify(acl), /\+@read/)
    await db.revoke(creds!.secret!.internal)
    assert.equal(await canAuth(username, password), false)
  })

  it('refuses creation statements that are not a JSON list of rules, or that set a password', async () => {
    await assert.rejects(
      db.call('update', 'roles/bad', { db_name: 'cache', creation_statements: 'CREATE USER x' }),
      { status: 400 },
    )
    await assert.rejects(
      db.call('update', 'roles/bad', { db_name: 'cache', creation_statements: '[">known"]' }),
      { status: 400 },
    )
  })

  it('rotate-root and static roles change real Redis passwords', async () => {
    const root = uniqueName('coffer_admin')
    const svc = uniqueName('coffer_svc')
    users.push(root, svc)
    await admin.sendCommand(['ACL', 'SETUSER', root, 'on', '>Admin-pw-1', '~*', '&*', '+@all'])
    await admin.sendCommand(['ACL', 'SETUSER', svc, 'on', '>Svc-pw-1', '~*', '+@read'])
    await db.call('update', 'config/owned', {
      plugin_name: 'redis-database-plugin',
      host: '127.0.0.1',
      port: 6379,
      username: root,
      password: 'Admin-pw-1',
      allowed_roles: '*',
    })
    await db.call('update', 'rotate-root/owned')
    assert.equal(await canAuth(root, 'Admin-pw-1'), false)
    await db.call('update', 'static-roles/svc', { db_name: 'owned', username: svc, rotation_period: 60 })
    const creds = (await db.call('read', 'static-creds/svc'))!.data!
    assert.equal(await canAuth(svc, 'Svc-pw-1'), false)
    assert.equal(await canAuth(svc, creds['password'] as string), true)
    // Each rotation is reported once stored: the requests' in their responses, the schedule's through the emitter.
    db.events.length = 0
    await db.call('update', 'rotate-role/svc')
    db.tick(61_000)
    await db.periodic()
    await db.call('update', 'rotate-root/owned')
    assert.deepEqual(
      db.events.map((e) => [e.type, e.path, e.dataPath, e.metadata?.['trigger']]),
      [
        ['database/rotate', 'rotate-role/svc', 'static-creds/svc', 'request'],
        ['database/rotate', 'rotate-role/svc', 'static-creds/svc', 'schedule'],
        ['database/root-rotate', 'rotate-root/owned', 'config/owned', undefined],
      ],
    )
    const latest = (await db.call('read', 'static-creds/svc'))!.data!
    assert.doesNotMatch(JSON.stringify(db.events), new RegExp(latest['password'] as string))
  })
})
