// The database engine against a throwaway PostgreSQL cluster that checks passwords (SCRAM): rotations and revocations really change who can log in.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { type PgCluster, startPgCluster } from '../../../../test/helpers/pg-cluster.ts'
import { describeUnless, PG_CLUSTER, unmet } from '../../../../test/helpers/requirements.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import type { DbConfig } from './model.ts'
import { type DbHarness, makeDb } from './test-helpers.ts'

/** Memory storage that can fail one chosen write, standing in for a crash at that point of a multi-step change. */
class CrashingStorage extends MemoryStorage {
  crashOn: ((key: string, value: Uint8Array) => boolean) | undefined
  override async put(key: string, value: Uint8Array): Promise<void> {
    if (this.crashOn?.(key, value)) {
      this.crashOn = undefined
      throw new Error('simulated crash before this write')
    }
    await super.put(key, value)
  }
}

const WRONG_PASSWORD = '28P01'
const ROOT_USER = 'coffer_root'
const ROOT_PASSWORD = 'Initial-Root-Pw-1'

const storedConfig = (storage: MemoryStorage) => getJson<DbConfig>(storage, 'config/pg')

describeUnless(
  await unmet(PG_CLUSTER),
  'database engine: throwaway PostgreSQL cluster with password checks',
  () => {
    let cluster: PgCluster
    let storage: CrashingStorage
    let db: DbHarness

    const configure = (harness: DbHarness, password: string) =>
      harness.call('update', 'config/pg', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: cluster.connectionUrl,
        username: ROOT_USER,
        password,
        allowed_roles: '*',
      })

    before(async () => {
      cluster = await startPgCluster()
      await cluster.query(`CREATE ROLE ${ROOT_USER} WITH LOGIN SUPERUSER PASSWORD '${ROOT_PASSWORD}'`)
      storage = new CrashingStorage()
      db = await makeDb(storage)
      await configure(db, ROOT_PASSWORD)
      await db.call('update', 'roles/app', {
        db_name: 'pg',
        creation_statements: [
          "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
        ],
        default_ttl: '1h',
      })
    })
    after(async () => {
      await db?.close()
      await cluster?.remove()
    })

    /** Issue a user and check that Coffer can still reach the database with its stored root password. */
    async function issue(harness = db) {
      const creds = await harness.call('read', 'creds/app')
      const { username, password } = creds!.data as { username: string; password: string }
      return { username, password, internal: creds!.secret!.internal }
    }

    it('dynamic credentials log in with their password, not with a wrong one, and not after revocation', async () => {
      const { username, password, internal } = await issue()
      assert.equal(await cluster.login(username, password), 'ok')
      assert.equal(await cluster.login(username, `${password}x`), WRONG_PASSWORD)
      await db.revoke(internal)
      assert.equal(await cluster.login(username, password), WRONG_PASSWORD)
      const left = await cluster.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])
      assert.equal(left.rowCount, 0)
    })

    it('static-role rotation changes the real password: the old one fails, the new one works', async () => {
      await cluster.query(`CREATE ROLE app_static WITH LOGIN PASSWORD 'Static-Initial-Pw-1'`)
      assert.equal(await cluster.login('app_static', 'Static-Initial-Pw-1'), 'ok')
      await db.call('update', 'static-roles/st', {
        db_name: 'pg',
        username: 'app_static',
        rotation_period: '1h',
      })
      const first = (await db.call('read', 'static-creds/st'))!.data as { password: string }
      assert.notEqual(first.password, 'Static-Initial-Pw-1')
      assert.equal(await cluster.login('app_static', 'Static-Initial-Pw-1'), WRONG_PASSWORD)
      assert.equal(await cluster.login('app_static', first.password), 'ok')
      await db.call('update', 'rotate-role/st')
      const second = (await db.call('read', 'static-creds/st'))!.data as { password: string }
      assert.notEqual(second.password, first.password)
      assert.equal(await cluster.login('app_static', first.password), WRONG_PASSWORD)
      assert.equal(await cluster.login('app_static', second.password), 'ok')
    })

    it('rotate-root makes the old root password fail and Coffer keeps working with the new one', async () => {
      const before = (await storedConfig(storage))!.password
      assert.equal(await cluster.login(ROOT_USER, before), 'ok')
      await db.call('update', 'rotate-root/pg')
      const after = await storedConfig(storage)
      assert.notEqual(after!.password, before)
      assert.equal(after!.pending_root_password, undefined)
      assert.equal(await cluster.login(ROOT_USER, before), WRONG_PASSWORD)
      assert.equal(await cluster.login(ROOT_USER, after!.password), 'ok')
      const { username, password, internal } = await issue()
      assert.equal(await cluster.login(username, password), 'ok')
      await db.revoke(internal)
      assert.equal(await cluster.login(username, password), WRONG_PASSWORD)
    })

    it('a crash after the database took the new root password but before it was committed: the next use adopts it', async () => {
      const old = (await storedConfig(storage))!.password
      // The second write of config/pg in a rotation is the commit; fail it, as a crash there would.
      storage.crashOn = (key, value) =>
        key === 'config/pg' && !Buffer.from(value).toString().includes('pending_root_password')
      await assert.rejects(db.call('update', 'rotate-root/pg'), /simulated crash/)
      const left = await storedConfig(storage)
      assert.equal(left!.password, old, 'the old password is still the stored one')
      const pending = left!.pending_root_password!
      assert.ok(pending, 'the new password was kept as pending')
      assert.equal(await cluster.login(ROOT_USER, old), WRONG_PASSWORD, 'the database has the new one')
      assert.equal(await cluster.login(ROOT_USER, pending), 'ok')
      // The same instance's next use resolves it.
      const { username, password } = await issue()
      assert.equal(await cluster.login(username, password), 'ok')
      const settled = await storedConfig(storage)
      assert.equal(settled!.password, pending)
      assert.equal(settled!.pending_root_password, undefined)
    })

    it('a restart after the crash: setup finds the pending rotation and the periodic hook settles it', async () => {
      storage.crashOn = (key, value) =>
        key === 'config/pg' && !Buffer.from(value).toString().includes('pending_root_password')
      await assert.rejects(db.call('update', 'rotate-root/pg'), /simulated crash/)
      const pending = (await storedConfig(storage))!.pending_root_password!
      await db.close()
      db = await makeDb(storage)
      await db.periodic()
      const settled = await storedConfig(storage)
      assert.equal(settled!.password, pending)
      assert.equal(settled!.pending_root_password, undefined)
      assert.equal(await cluster.login(ROOT_USER, pending), 'ok')
    })

    it('a crash before the database was changed: the pending password fails, so the old one is kept', async () => {
      const config = (await storedConfig(storage))!
      await putJson(storage, 'config/pg', { ...config, pending_root_password: 'Never-Reached-The-Db-1' })
      await db.close()
      db = await makeDb(storage)
      const { username, password } = await issue()
      assert.equal(await cluster.login(username, password), 'ok')
      const settled = await storedConfig(storage)
      assert.equal(settled!.password, config.password)
      assert.equal(settled!.pending_root_password, undefined)
      assert.equal(await cluster.login(ROOT_USER, config.password), 'ok')
    })

    it('while the database is down a pending rotation is kept and rotate-root refuses; once up it settles', async () => {
      const config = (await storedConfig(storage))!
      await putJson(storage, 'config/pg', { ...config, pending_root_password: 'Never-Reached-The-Db-2' })
      await cluster.stop()
      try {
        await assert.rejects(db.call('read', 'creds/app'), { status: 502 })
        assert.equal((await storedConfig(storage))!.pending_root_password, 'Never-Reached-The-Db-2')
        await assert.rejects(db.call('update', 'rotate-root/pg'), /cannot be confirmed/)
        assert.equal((await storedConfig(storage))!.pending_root_password, 'Never-Reached-The-Db-2')
      } finally {
        await cluster.start()
      }
      const { username, password } = await issue()
      assert.equal(await cluster.login(username, password), 'ok')
      const settled = await storedConfig(storage)
      assert.equal(settled!.password, config.password)
      assert.equal(settled!.pending_root_password, undefined)
    })

    it('writing a new password in the config replaces a pending rotation', async () => {
      const config = (await storedConfig(storage))!
      await putJson(storage, 'config/pg', { ...config, pending_root_password: 'Never-Reached-The-Db-3' })
      await configure(db, config.password)
      assert.equal((await storedConfig(storage))!.pending_root_password, undefined)
    })
  },
)
