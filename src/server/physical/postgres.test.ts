// PostgresStorage: the shared contract on a fresh database, then schema versions, table settings, durability settings and TLS.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/pg-database.ts'
import { describeUnless, POSTGRES, unmet } from '../../../test/helpers/requirements.ts'
import { SCHEMA_VERSION } from './postgres/dialect.ts'
import { createDriver } from './postgres/driver.ts'
import { PostgresStorage } from './postgres.ts'
import { runStorageContract } from './storage.contract.ts'

const skip = await unmet(POSTGRES)
let db: TestDatabase
let tableCounter = 0
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

describeUnless(skip, 'PostgresStorage', () => {
  before(async () => {
    db = await createTestDatabase()
  })
  after(() => db?.drop())

  // Each contract test gets its own table: a fresh, empty store, and the table setting exercised.
  runStorageContract('postgresql', () =>
    PostgresStorage.open({ connectionUrl: db.url, table: `contract_${++tableCounter}`, maxParallel: 4 }),
  )

  it('creates coffer_kv_store by default and records the schema version beside it', async () => {
    const storage = await PostgresStorage.open({ connectionUrl: db.url })
    try {
      await storage.put('k', text('v'))
      assert.equal(storage.table, 'coffer_kv_store')
      const rows = await db.query('SELECT key, value FROM coffer_kv_store')
      assert.deepEqual(
        rows.rows.map((r) => [r.key, r.value.toString()]),
        [['k', 'v']],
      )
      const version = await db.query("SELECT value FROM coffer_kv_store_meta WHERE name = 'schema_version'")
      assert.equal(version.rows[0]?.value, String(SCHEMA_VERSION))
      // Ordering is bytewise whatever the database's collation.
      const collation = await db.query(
        "SELECT collation_name FROM information_schema.columns WHERE table_name = 'coffer_kv_store' AND column_name = 'key'",
      )
      assert.equal(collation.rows[0]?.collation_name, 'C')
    } finally {
      await storage.close()
    }
  })

  it('uses the configured table, schema-qualified too, and opens it again without migrating twice', async () => {
    await db.query('CREATE SCHEMA IF NOT EXISTS vaultish')
    for (let round = 0; round < 2; round++) {
      const storage = await PostgresStorage.open({ connectionUrl: db.url, table: 'vaultish.Secrets_KV' })
      try {
        await storage.put(`k${round}`, text('v'))
      } finally {
        await storage.close()
      }
    }
    const rows = await db.query('SELECT key FROM vaultish."Secrets_KV" ORDER BY key')
    assert.deepEqual(
      rows.rows.map((r) => r.key),
      ['k0', 'k1'],
    )
    const meta = await db.query('SELECT count(*)::int AS n FROM vaultish."Secrets_KV_meta"')
    assert.equal(meta.rows[0]?.n, 1)
  })

  it('refuses a table written by a newer schema version, naming both versions', async () => {
    const table = `newer_${++tableCounter}`
    await (await PostgresStorage.open({ connectionUrl: db.url, table })).close()
    await db.query(`UPDATE ${table}_meta SET value = '${SCHEMA_VERSION + 1}' WHERE name = 'schema_version'`)
    for (const skipCreateTable of [false, true]) {
      await assert.rejects(
        PostgresStorage.open({ connectionUrl: db.url, table, skipCreateTable }),
        (error: Error) => {
          assert.equal(error.name, 'SchemaError')
          assert.match(error.message, new RegExp(`newer Coffer \\(schema version ${SCHEMA_VERSION + 1}`))
          return true
        },
      )
    }
    // Refusing changed nothing.
    const version = await db.query(`SELECT value FROM ${table}_meta`)
    assert.equal(version.rows[0]?.value, String(SCHEMA_VERSION + 1))
  })

  it('with skip_create_table creates nothing: a missing table is a clear error, an operator-made one is used', async () => {
    const table = `manual_${++tableCounter}`
    await assert.rejects(
      PostgresStorage.open({ connectionUrl: db.url, table, skipCreateTable: true }),
      /table manual_\d+ does not exist and skip_create_table is set/,
    )
    const exists = await db.query('SELECT to_regclass($1) AS t', [table])
    assert.equal(exists.rows[0]?.t, null)
    await db.query(`CREATE TABLE ${table} (key TEXT COLLATE "C" PRIMARY KEY, value BYTEA NOT NULL)`)
    const storage = await PostgresStorage.open({ connectionUrl: db.url, table, skipCreateTable: true })
    try {
      await storage.put('a/b', text('v'))
      assert.deepEqual(await storage.list('a/'), ['b'])
    } finally {
      await storage.close()
    }
    const meta = await db.query('SELECT to_regclass($1) AS t', [`${table}_meta`])
    assert.equal(meta.rows[0]?.t, null, 'nothing was created')
  })

  it('refuses an invalid table name before connecting', async () => {
    await assert.rejects(
      PostgresStorage.open({ connectionUrl: db.url, table: 'kv"; DROP TABLE x; --' }),
      /invalid postgresql table name/,
    )
  })

  it('puts sessions of a synchronous_commit = off database back to on, so acknowledged writes are durable', async () => {
    await db.query(`ALTER DATABASE ${db.name} SET synchronous_commit = off`)
    const driver = createDriver({ connectionUrl: db.url, maxParallel: 1, maxIdleConnections: 1 })
    try {
      const setting = await driver.withClient(async (c) => (await c.query('SHOW synchronous_commit')).rows[0])
      assert.equal(setting?.synchronous_commit, 'on')
    } finally {
      await driver.end()
      await db.query(`ALTER DATABASE ${db.name} RESET synchronous_commit`)
    }
  })

  it('honours sslmode=require: against a server without TLS it fails clearly, without the password', async () => {
    const password = 'Sup3r-S3cret-PW'
    const url = `postgres://postgres:${password}@127.0.0.1:5432/${db.name}?sslmode=require`
    await assert.rejects(PostgresStorage.open({ connectionUrl: url }), (error: Error) => {
      assert.match(
        error.message,
        /^postgresql storage \(127\.0\.0\.1:5432\/coffer_test_\w+\): cannot connect: .*SSL/,
      )
      assert.equal(error.message.includes(password), false)
      assert.equal(String(error.stack).includes(password), false)
      return true
    })
  })

  it('honours sslrootcert: an unreadable CA file fails the open without the password', async () => {
    const password = 'An0ther-S3cret'
    const url = `postgres://postgres:${password}@127.0.0.1:5432/${db.name}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`
    await assert.rejects(PostgresStorage.open({ connectionUrl: url }), (error: Error) => {
      assert.match(error.message, /cannot connect: .*ENOENT/)
      assert.equal(error.message.includes(password), false)
      return true
    })
  })

  it('fails clearly on a wrong database, without the password', async () => {
    const password = 'Wr0ng-DB-Secret'
    const url = `postgres://postgres:${password}@127.0.0.1:5432/coffer_no_such_db_${Date.now()}`
    await assert.rejects(PostgresStorage.open({ connectionUrl: url }), (error: Error) => {
      assert.match(error.message, /cannot connect: database .* does not exist/)
      assert.equal(error.message.includes(password), false)
      return true
    })
  })
})
