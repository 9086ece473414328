// A config deleted or rewritten while a request that read it is still on its way to the database (real PostgreSQL).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, it } from 'node:test'
import pg from 'pg'
import { describeUnless, POSTGRES, unmet } from '../../../../test/helpers/requirements.ts'
import { generatePassword } from '../../../lib/password-policy.ts'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { databaseBackend } from './backend.ts'

const URL_TEMPLATE = 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable'

const PG_SETTINGS = {
  plugin_name: 'postgresql-database-plugin',
  connection_url: URL_TEMPLATE,
  username: 'postgres',
  password: 'unused-with-trust',
  allowed_roles: '*',
}

/** Config `pg` and a new role on it, whose users the suite drops afterwards (their names go in `prefixes`). */
async function configuredRole(h: BackendHarness, prefixes: string[]): Promise<string> {
  const role = `gated${randomBytes(3).toString('hex')}`
  prefixes.push(`v-token-${role}-`)
  await h.call('update', 'config/pg', PG_SETTINGS)
  await h.call('update', `roles/${role}`, {
    db_name: 'pg',
    creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  })
  return role
}

/** A harness whose password generation (run after creds/ has read the config) waits until the test opens it. */
async function gatedDb() {
  let entered: () => void = () => {}
  let open: () => void = () => {}
  const inside = new Promise<void>((resolve) => {
    entered = resolve
  })
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  let gated = false
  const h: BackendHarness = await buildBackend(databaseBackend, {
    storage: new MemoryStorage(),
    clock: { now: Date.now() },
    mount: { path: 'database/', type: 'database', uuid: 'u-db', accessor: 'database_0001' },
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 86400,
    generatePassword: async () => {
      if (gated) {
        entered()
        await gate
      }
      return generatePassword()
    },
    request: {
      caller: { accessor: 'a', policies: ['root'], displayName: 'token', entityId: '', metadata: {} },
    },
  })
  return {
    h,
    hold: () => {
      gated = true
    },
    inside,
    open,
  }
}

describeUnless(await unmet(POSTGRES), 'database engine: config changes racing requests (PostgreSQL)', () => {
  let admin: pg.Client
  const prefixes: string[] = []
  before(async () => {
    admin = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' })
    await admin.connect()
  })
  after(async () => {
    for (const prefix of prefixes) {
      const left = await admin.query('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${prefix}%`])
      for (const row of left.rows) await admin.query(`DROP ROLE IF EXISTS "${row.rolname}"`)
    }
    await admin?.end()
  })

  it('creds whose config is deleted before they reach the database fail, and no user is created', async () => {
    const { h, hold, inside, open } = await gatedDb()
    try {
      const role = await configuredRole(h, prefixes)
      hold()
      const issuing = h.call('read', `creds/${role}`).then(
        () => 'issued',
        (error: Error) => error.message,
      )
      await inside
      await h.call('delete', 'config/pg')
      open()
      assert.match(await issuing, /could not find database config "pg"/)
      const made = await admin.query('SELECT 1 FROM pg_roles WHERE rolname LIKE $1', [`v-token-${role}-%`])
      assert.equal(made.rowCount, 0, 'no user was created through the deleted config')
    } finally {
      open()
      await h.close()
    }
  })

  it('creds whose config is rewritten before they reach the database are checked against the new config', async () => {
    const { h, hold, inside, open } = await gatedDb()
    try {
      const role = await configuredRole(h, prefixes)
      hold()
      const issuing = h.call('read', `creds/${role}`).then(
        () => 'issued',
        (error: Error) => error.message,
      )
      await inside
      // The role is no longer allowed: a request that read the old config must not create its user.
      await h.call('update', 'config/pg', { ...PG_SETTINGS, allowed_roles: 'someone-else' })
      open()
      assert.match(await issuing, /is not an allowed role for database "pg"/)
      const made = await admin.query('SELECT 1 FROM pg_roles WHERE rolname LIKE $1', [`v-token-${role}-%`])
      assert.equal(made.rowCount, 0)
    } finally {
      open()
      await h.close()
    }
  })
})
