// A PostgreSQL server crash (immediate shutdown, then restart) on a throwaway cluster: acknowledged writes survive, the pool recovers.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { findPgBin, type PgCluster, startPgCluster } from '../../../test/helpers/pg-cluster.ts'
import { describeUnless, PG_CLUSTER, unmet } from '../../../test/helpers/requirements.ts'
import { PostgresStorage } from './postgres.ts'

let cluster: PgCluster | undefined

/** pg_ctl stop -m immediate: the postmaster and its backends quit at once, no checkpoint; the restart runs crash recovery. */
function crash(dataDir: string): void {
  const pgCtl = join(findPgBin()!, 'pg_ctl')
  const args = ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '60']
  const asRoot = process.getuid?.() === 0
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { encoding: 'utf8' })
    : spawnSync(pgCtl, args, { encoding: 'utf8' })
  assert.equal(result.status, 0, `pg_ctl stop -m immediate failed: ${result.stderr}`)
}

describeUnless(await unmet(PG_CLUSTER), 'PostgresStorage across a PostgreSQL crash', () => {
  before(async () => {
    cluster = await startPgCluster()
  })
  after(() => cluster?.remove())

  it('keeps every acknowledged write through a server crash, and writes again after the restart', async () => {
    const c = cluster!
    const connectionUrl = `postgres://postgres:${encodeURIComponent(c.superPassword)}@127.0.0.1:${c.port}/postgres?sslmode=disable`
    const dataDir = (await c.query('SHOW data_directory')).rows[0].data_directory as string
    // The throwaway cluster runs with synchronous_commit = off; the storage must put its sessions back to on.
    assert.equal((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit, 'off')
    const storage = await PostgresStorage.open({ connectionUrl, table: 'crash_kv', maxParallel: 4 })
    try {
      const acknowledged: string[] = []
      let failed = 0
      let crashed = false
      let next = 0
      const lane = async (): Promise<void> => {
        while (!crashed || next % 7 !== 0) {
          const key = `k/${next++}`
          try {
            await storage.put(key, new TextEncoder().encode(key))
            acknowledged.push(key)
          } catch {
            failed++
            return
          }
          if (acknowledged.length === 300 && !crashed) {
            crashed = true
            crash(dataDir)
          }
        }
      }
      await Promise.all(Array.from({ length: 16 }, () => lane()))
      assert.ok(
        crashed && acknowledged.length >= 300,
        `${acknowledged.length} acknowledged, ${failed} failed`,
      )
      assert.ok(failed > 0, 'writes after the crash were refused, not acknowledged')

      await c.start()
      // The pool drops the connections the crash broke; at most one call per dead pooled connection fails.
      let readBack = false
      for (let attempt = 0; attempt < 8 && !readBack; attempt++)
        readBack = await storage.get('k/0').then(
          () => true,
          () => false,
        )
      assert.ok(readBack, 'the storage reads again after the restart')
      const missing: string[] = []
      for (const key of acknowledged) if ((await storage.get(key)) === undefined) missing.push(key)
      assert.deepEqual(missing, [])
      await storage.put('after/restart', new Uint8Array([1]))
      assert.deepEqual(await storage.get('after/restart'), new Uint8Array([1]))
    } finally {
      await storage.close()
    }
  })
})
