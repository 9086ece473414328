// storage "postgresql" blocks: OpenBao's key names, defaults, the COFFER_PG_CONNECTION_URL override, and errors that never echo the URL.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, parseConfig, parseStorage, type Section } from './load-config.ts'

const URL_WITH_PASSWORD = 'postgres://coffer:hunter2-secret@db.internal:5432/coffer?sslmode=verify-full'
const block = (body: Record<string, unknown>): Section => ({ kind: 'storage', type: 'postgresql', body })

describe('storage "postgresql"', () => {
  it('applies the defaults', () => {
    assert.deepEqual(parseStorage(block({ connection_url: URL_WITH_PASSWORD }), {}), {
      type: 'postgresql',
      connectionUrl: URL_WITH_PASSWORD,
      table: 'coffer_kv_store',
      maxParallel: 16,
      skipCreateTable: false,
      haEnabled: false,
      haTable: 'coffer_ha_locks',
    })
  })

  it('reads every key, with Vault-style strings for numbers and booleans', () => {
    const config = parseConfig(
      `storage "postgresql" {
        connection_url = "postgres://u@h/db"
        table = "vault.kv"
        max_parallel = "32"
        max_idle_connections = 4
        skip_create_table = "true"
        ha_enabled = "true"
        ha_table = "locks"
      }
      listener "tcp" { tls_disable = true }`,
      'hcl',
    )
    const storage = config.storage
    assert.equal(storage.type, 'postgresql')
    if (storage.type !== 'postgresql') return
    assert.equal(storage.table, 'vault.kv')
    assert.equal(storage.maxParallel, 32)
    assert.equal(storage.maxIdleConnections, 4)
    assert.equal(storage.skipCreateTable, true)
    assert.equal(storage.haEnabled, true)
    assert.equal(storage.haTable, 'locks')
  })

  it('takes connection_url from COFFER_PG_CONNECTION_URL, which overrides the file', () => {
    const env = { COFFER_PG_CONNECTION_URL: 'postgres://from-env@h/db' }
    const fromEnvOnly = parseStorage(block({}), env)
    assert.equal(fromEnvOnly.type === 'postgresql' && fromEnvOnly.connectionUrl, env.COFFER_PG_CONNECTION_URL)
    const overridden = parseStorage(block({ connection_url: URL_WITH_PASSWORD }), env)
    assert.equal(overridden.type === 'postgresql' && overridden.connectionUrl, env.COFFER_PG_CONNECTION_URL)
  })

  const refusals: [string, Record<string, unknown>, string][] = [
    [
      'no connection_url',
      {},
      'storage.postgresql.connection_url: is required (or set COFFER_PG_CONNECTION_URL)',
    ],
    [
      'a URL of another scheme',
      { connection_url: 'mysql://root:hunter2-secret@h/db' },
      'storage.postgresql.connection_url: must be a URL',
    ],
    [
      'a bad table name',
      { connection_url: URL_WITH_PASSWORD, table: 'kv; DROP TABLE x' },
      'storage.postgresql.table: must be a table name',
    ],
    [
      'a bad ha_table',
      { connection_url: URL_WITH_PASSWORD, ha_table: 'a.b.c' },
      'storage.postgresql.ha_table: must be a table name',
    ],
    [
      'max_parallel 0',
      { connection_url: URL_WITH_PASSWORD, max_parallel: 0 },
      'storage.postgresql.max_parallel: must be a whole number of at least 1',
    ],
    [
      'max_parallel words',
      { connection_url: URL_WITH_PASSWORD, max_parallel: 'many' },
      'storage.postgresql.max_parallel: must be a whole number',
    ],
    [
      'max_idle_connections -1',
      { connection_url: URL_WITH_PASSWORD, max_idle_connections: -1 },
      'storage.postgresql.max_idle_connections: must be a whole number of at least 0',
    ],
    [
      'a non-boolean ha_enabled',
      { connection_url: URL_WITH_PASSWORD, ha_enabled: 'maybe' },
      'storage.postgresql.ha_enabled: must be a boolean',
    ],
    [
      'an unknown key',
      { connection_url: URL_WITH_PASSWORD, username: 'x' },
      'storage.postgresql: unknown key "username"',
    ],
  ]
  for (const [name, body, expected] of refusals) {
    it(`refuses ${name}, naming the key and never the password`, () => {
      assert.throws(
        () => parseStorage(block(body), {}),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError)
          assert.ok(error.message.startsWith(expected), error.message)
          assert.equal(error.message.includes('hunter2-secret'), false)
          return true
        },
      )
    })
  }
})
