// `coffer operator migrate` as a real process: SQLite to SQLite copied raw and verified, refusals, and the copy serves.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startServer } from '../../src/server/main.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { client, makeTempDir } from '../helpers/server.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

/** Destination backends the migration is tested against: one line each (a storage block for a fresh store). */
const DESTINATIONS: Record<string, (dir: string) => string> = {
  sqlite: (dir) => `storage_destination "sqlite" { path = ${JSON.stringify(join(dir, 'copy.db'))} }`,
}

function migrate(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [ENTRY, 'operator', 'migrate', ...args], { encoding: 'utf8' })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

function sqliteServerConfig(path: string) {
  return {
    config: {
      listeners: [
        { type: 'tcp' as const, address: '127.0.0.1:0', tlsDisable: true, maxRequestSize: 32 << 20 },
      ],
      storage: { type: 'sqlite' as const, path },
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 3600,
      logLevel: 'error' as const,
      disableMlock: true,
      ui: false,
    },
  }
}

const postgresMissing = await unmet(POSTGRES)

function postgresStorage(connectionUrl: string) {
  return {
    type: 'postgresql' as const,
    connectionUrl,
    table: 'coffer_kv_store',
    maxParallel: 4,
    skipCreateTable: false,
    haEnabled: false,
    haTable: 'coffer_ha_locks',
  }
}

describe('operator migrate', () => {
  const temp = makeTempDir('coffer-migrate-')
  const sourcePath = join(temp.dir, 'source.db')
  let key = ''
  let root = ''
  after(() => temp.remove())

  before(async () => {
    const server = await startServer(sqliteServerConfig(sourcePath))
    try {
      const call = client(server.address, '')
      const init = await call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
      key = init.body.keys[0]
      root = init.body.root_token
      await call('PUT', 'sys/unseal', { body: { key } })
      assert.equal(
        (await call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status,
        204,
      )
      for (let i = 0; i < 20; i++)
        await call('POST', `secret/data/app/${i}`, { token: root, body: { data: { n: String(i) } } })
    } finally {
      await server.close()
    }
  })

  for (const [name, destination] of Object.entries(DESTINATIONS)) {
    it(`copies SQLite to ${name}, verifies count and hash, and the copy unseals and serves`, async () => {
      const dir = makeTempDir(`coffer-migrate-${name}-`)
      try {
        const config = join(dir.dir, 'migrate.hcl')
        writeFileSync(
          config,
          `storage_source "sqlite" { path = ${JSON.stringify(sourcePath)} }\n${destination(dir.dir)}\n`,
        )
        const first = migrate([`-config=${config}`])
        assert.equal(first.code, 0, first.stderr)
        const digests = [...first.stdout.matchAll(/(\d+) entries, sha256 ([0-9a-f]{64})/g)].map(
          (m) => `${m[1]} ${m[2]}`,
        )
        assert.equal(digests.length, 2, first.stdout)
        assert.equal(digests[0], digests[1])
        assert.ok(Number(digests[0]!.split(' ')[0]) > 20)

        const again = migrate([`-config=${config}`])
        assert.equal(again.code, 1)
        assert.match(again.stderr, /already holds data; use -force/)
        assert.equal(migrate([`-config=${config}`, '-force']).code, 0)

        if (name === 'sqlite') {
          const server = await startServer(sqliteServerConfig(join(dir.dir, 'copy.db')))
          try {
            const call = client(server.address, root)
            assert.equal((await call('GET', 'sys/seal-status')).body.sealed, true)
            assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
            assert.equal((await call('GET', 'secret/data/app/7')).body.data.data.n, '7')
          } finally {
            await server.close()
          }
        }
      } finally {
        dir.remove()
      }
    })
  }

  describe('to PostgreSQL and back', { skip: postgresMissing }, () => {
    let db: TestDatabase
    before(async () => {
      db = await createTestDatabase()
    })
    after(() => db.drop())

    it('copies SQLite to PostgreSQL and back with equal digests; the PostgreSQL copy unseals and serves', async () => {
      const dir = makeTempDir('coffer-migrate-pg-')
      try {
        const there = join(dir.dir, 'there.hcl')
        writeFileSync(
          there,
          `storage_source "sqlite" { path = ${JSON.stringify(sourcePath)} }\nstorage_destination "postgresql" { connection_url = "${db.url}" }\n`,
        )
        const out = migrate([`-config=${there}`])
        assert.equal(out.code, 0, out.stderr)
        const digests = [...out.stdout.matchAll(/(\d+) entries, sha256 ([0-9a-f]{64})/g)].map(
          (m) => `${m[1]} ${m[2]}`,
        )
        assert.equal(digests.length, 2, out.stdout)
        assert.equal(digests[0], digests[1])
        assert.match(migrate([`-config=${there}`]).stderr, /already holds data; use -force/)

        const back = join(dir.dir, 'back.hcl')
        const copy = join(dir.dir, 'back.db')
        writeFileSync(
          back,
          `storage_source "postgresql" { connection_url = "${db.url}" }\nstorage_destination "sqlite" { path = ${JSON.stringify(copy)} }\n`,
        )
        const returned = migrate([`-config=${back}`])
        assert.equal(returned.code, 0, returned.stderr)
        const backDigests = [...returned.stdout.matchAll(/(\d+) entries, sha256 ([0-9a-f]{64})/g)].map(
          (m) => `${m[1]} ${m[2]}`,
        )
        assert.deepEqual(
          backDigests,
          [digests[0], digests[0]],
          'the round trip brings back exactly the source',
        )
        const server = await startServer({
          ...sqliteServerConfig(''),
          config: { ...sqliteServerConfig('').config, storage: postgresStorage(db.url) },
        })
        try {
          const call = client(server.address, root)
          assert.equal((await call('GET', 'sys/seal-status')).body.storage_type, 'postgresql')
          assert.equal((await call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
          assert.equal((await call('GET', 'secret/data/app/11')).body.data.data.n, '11')
        } finally {
          await server.close()
        }
      } finally {
        dir.remove()
      }
    })
  })

  it('refuses the same store as source and destination, a missing source, and a bad config', () => {
    const config = join(temp.dir, 'same.json')
    writeFileSync(
      config,
      JSON.stringify({
        storage_source: { sqlite: { path: sourcePath } },
        storage_destination: { sqlite: { path: join(temp.dir, '.', 'source.db') } },
      }),
    )
    const same = migrate([`-config=${config}`])
    assert.equal(same.code, 1)
    assert.match(same.stderr, /are the same store/)
    const missing = join(temp.dir, 'missing.hcl')
    writeFileSync(
      missing,
      `storage_source "sqlite" { path = "${join(temp.dir, 'nope.db')}" }\nstorage_destination "sqlite" { path = "${join(temp.dir, 'x.db')}" }\n`,
    )
    assert.match(migrate([`-config=${missing}`]).stderr, /does not exist/)
    const bad = join(temp.dir, 'bad.hcl')
    writeFileSync(bad, `storage_source "sqlite" { path = "${sourcePath}" }\n`)
    assert.match(migrate([`-config=${bad}`]).stderr, /exactly one storage_destination block/)
    assert.match(migrate([]).stderr, /-config=FILE is required/)
  })
})
