// A server on storage "postgresql": what pg_dump shows of a secret (nothing readable), and kill -9 of the real process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { withDeadline } from '../helpers/deadline.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { spawnServer } from '../helpers/process.ts'
import { describeUnless, POSTGRES, program, unmet } from '../helpers/requirements.ts'
import { client, startSealedServer } from '../helpers/server.ts'

const PG_DUMP = program('pg_dump', ['--version'])
let db: TestDatabase

function pgDump(database: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'pg_dump',
      ['-h', '127.0.0.1', '-U', 'postgres', database],
      { maxBuffer: 256 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    ),
  )
}

async function initAndUnseal(address: string): Promise<{ key: string; root: string }> {
  const call = client(address, '')
  const init = await call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
  assert.equal(init.status, 200)
  await call('PUT', 'sys/unseal', { body: { key: init.body.keys[0] } })
  return { key: init.body.keys[0], root: init.body.root_token }
}

describeUnless(await unmet(POSTGRES, PG_DUMP), 'server on PostgreSQL storage', () => {
  before(async () => {
    db = await createTestDatabase()
  })
  after(() => db?.drop())

  it('reports storage_type postgresql and keeps secret values out of a pg_dump of its database', async () => {
    const server = await startSealedServer({
      storage: {
        type: 'postgresql',
        connectionUrl: db.url,
        table: 'dump_kv',
        maxParallel: 4,
        skipCreateTable: false,
        haEnabled: false,
        haTable: 'coffer_ha_locks',
      },
    })
    const distinctive = 'pg-dump-must-not-show-Zq81xW'
    try {
      assert.equal((await server.call('GET', 'sys/seal-status')).body.storage_type, 'postgresql')
      const { root } = await initAndUnseal(server.address)
      const call = client(server.address, root)
      assert.equal((await call('POST', 'sys/mounts/secret', { body: { type: 'kv-v2' } })).status, 204)
      const written = await call('POST', 'secret/data/app', { body: { data: { password: distinctive } } })
      assert.equal(written.status, 200)
      assert.equal((await call('GET', 'secret/data/app')).body.data.data.password, distinctive)
    } finally {
      await server.close()
    }
    const dump = await pgDump(db.name)
    assert.match(dump, /COPY public\.dump_kv \(key, value\) FROM stdin;/, 'the dump holds the table')
    assert.match(dump, /logical\/[0-9a-f-]+\/[^\t]*app/, 'keys (paths) are stored in clear')
    // bytea is dumped as hex: neither the text nor its hex encoding may appear.
    assert.equal(dump.includes(distinctive), false)
    assert.equal(dump.toLowerCase().includes(Buffer.from(distinctive).toString('hex')), false)
  })

  it('keeps every write a real server process acknowledged after kill -9 (connection_url from the environment)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-pg-e2e-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const config = join(dir, 'coffer.hcl')
    // The file's URL is unusable: COFFER_PG_CONNECTION_URL must override it.
    writeFileSync(
      config,
      `storage "postgresql" {\n  connection_url = "postgres://nobody@127.0.0.1:1/none"\n  table = "kill_kv"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n`,
    )
    const env = { COFFER_PG_CONNECTION_URL: db.url }
    const first = await spawnServer([`-config=${config}`], env)
    const { key, root } = await initAndUnseal(first.address)
    const call = client(first.address, root)
    await call('POST', 'sys/mounts/secret', { body: { type: 'kv-v2' } })
    const acknowledged: number[] = []
    const KILL_AFTER = 150
    let stop = false
    let enough!: () => void
    const reached = new Promise<void>((resolve) => {
      enough = resolve
    })
    const writer = async (lane: number) => {
      for (let i = 0; !stop && i < 400; i++) {
        const n = lane * 1000 + i
        const res = await call('POST', `secret/data/k${n}`, { body: { data: { n } } }).catch(() => undefined)
        if (res?.status === 200 && acknowledged.push(n) === KILL_AFTER) enough()
      }
    }
    const lanes = Promise.all([0, 1, 2, 3, 4, 5].map(writer))
    await withDeadline(Promise.race([reached, lanes]), `${KILL_AFTER} acknowledged writes`, 120_000).catch(
      (error: Error) => {
        first.child.kill('SIGKILL')
        throw error
      },
    )
    first.child.kill('SIGKILL')
    stop = true
    assert.ok(
      acknowledged.length >= KILL_AFTER,
      `only ${acknowledged.length} writes acknowledged:\n${first.output()}`,
    )
    await withDeadline(lanes, 'the writers to stop after kill -9')
    await first.stop()
    const acked = [...acknowledged]

    const second = await spawnServer([`-config=${config}`], env)
    try {
      const again = client(second.address, root)
      assert.equal((await again('GET', 'sys/seal-status')).body.storage_type, 'postgresql')
      await again('PUT', 'sys/unseal', { body: { key } })
      for (const n of acked) {
        const read = await again('GET', `secret/data/k${n}`)
        assert.equal(read.status, 200, `acknowledged write k${n} was lost`)
        assert.equal(read.body.data.data.n, n)
      }
    } finally {
      await second.stop()
    }
  })
})
