// KV v2 under concurrency on real SQLite: check-and-set, cas_required, patch, delete/undelete/destroy and delete-all.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { listRecursive } from '../../../sdk/storage.ts'
import { SqliteStorage } from '../../physical/sqlite.ts'
import { dataOf, makeKv } from './test-helpers.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-kv-races-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const N = 20

async function kvOnSqlite() {
  const physical = SqliteStorage.open(join(root, `db-${++counter}`, 'coffer.db'))
  const kv = await makeKv({ version: '2', storage: physical })
  return { kv, physical, close: () => physical.close() }
}

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (error: unknown) => (error as Error).message,
  )

const count = (results: string[], value: string) => results.filter((r) => r === value).length

describe('KV v2 races on SQLite', () => {
  it('of 20 concurrent writes with the same cas exactly one succeeds, for a new key and an existing one', async () => {
    const { kv, close } = await kvOnSqlite()
    for (const cas of [0, 1]) {
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          outcome(kv.call('update', `data/app`, { data: { writer: i }, options: { cas } })),
        ),
      )
      assert.equal(count(results, 'ok'), 1, `cas=${cas}: ${results.join(', ')}`)
      assert.equal(count(results, 'check-and-set parameter did not match the current version'), N - 1)
      const meta = dataOf(await kv.call('read', 'metadata/app'))
      assert.equal(meta['current_version'], cas + 1)
    }
    await close()
  })

  it('writes racing cas_required: every success made one version, and none starts after the setting returned', async () => {
    const { kv, close } = await kvOnSqlite()
    await kv.call('update', 'data/app', { data: { v: 0 } })
    const late: Promise<string>[] = []
    const early = Array.from({ length: N }, (_, i) =>
      outcome(kv.call('update', 'data/app', { data: { v: i } })),
    )
    await kv.call('update', 'metadata/app', { cas_required: true }).then(() => {
      for (let i = 0; i < N; i++) late.push(outcome(kv.call('update', 'data/app', { data: { late: i } })))
    })
    const before = await Promise.all(early)
    const afterwards = await Promise.all(late)
    assert.equal(count(afterwards, 'check-and-set parameter required for this call'), N)
    const meta = dataOf(await kv.call('read', 'metadata/app'))
    assert.equal(meta['current_version'], 1 + count(before, 'ok'), 'one version per successful write')
    assert.equal(meta['cas_required'], true, 'no write dropped the setting')
    await close()
  })

  it('20 concurrent patches each adding a key lose none; with cas only one lands', async () => {
    const { kv, close } = await kvOnSqlite()
    await kv.call('update', 'data/app', { data: { base: true } })
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => outcome(kv.patch('data/app', { data: { [`k${i}`]: i } }))),
    )
    assert.equal(count(results, 'ok'), N)
    const read = dataOf(await kv.call('read', 'data/app'))
    assert.equal(Object.keys(read['data'] as object).length, N + 1, 'every patch is in the latest version')
    assert.equal((read['metadata'] as Record<string, unknown>)['version'], N + 1)
    const current = N + 1
    const withCas = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        outcome(
          kv.call(
            'patch',
            'data/app',
            { data: { [`c${i}`]: i }, options: { cas: current } },
            { contentType: 'application/merge-patch+json' },
          ),
        ),
      ),
    )
    assert.equal(count(withCas, 'ok'), 1, withCas.join(', '))
    await close()
  })

  it('destroy, delete and undelete racing writes keep metadata and version data consistent', async () => {
    const { kv, physical, close } = await kvOnSqlite()
    await kv.call('update', 'data/app', { data: { v: 0 } })
    const versions = Array.from({ length: N + 1 }, (_, i) => i + 1)
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => [
        outcome(kv.call('update', 'data/app', { data: { v: i + 1 } })),
        outcome(kv.call('update', 'destroy/app', { versions })),
        outcome(kv.call('update', 'delete/app', { versions })),
        outcome(kv.call('update', 'undelete/app', { versions })),
        outcome(kv.call('delete', 'data/app')),
      ]).flat(),
    )
    assert.deepEqual(
      results.filter((r) => r !== 'ok'),
      [],
    )
    const meta = dataOf(await kv.call('read', 'metadata/app'))
    assert.equal(meta['current_version'], N + 1, 'no write was lost')
    const stored = new Set(await listRecursive(physical, 'versions/'))
    for (const [n, vm] of Object.entries(meta['versions'] as Record<string, { destroyed: boolean }>)) {
      const present = [...stored].some((key) => key.endsWith(`/${n}`))
      assert.equal(
        present,
        !vm.destroyed,
        `version ${n}: destroyed=${vm.destroyed} but data present=${present}`,
      )
    }
    await close()
  })

  it('delete-all racing writes leaves no orphaned version data and never reuses a version over old data', async () => {
    const { kv, physical, close } = await kvOnSqlite()
    await kv.call('update', 'data/app', { data: { v: 0 } })
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => [
        outcome(kv.call('update', 'data/app', { data: { v: i + 1 } })),
        outcome(kv.call('delete', 'metadata/app')),
      ]).flat(),
    )
    assert.deepEqual(
      results.filter((r) => r !== 'ok'),
      [],
    )
    const meta = await kv.call('read', 'metadata/app')
    const known = meta ? Object.keys(dataOf(meta)['versions'] as object) : []
    const stored = (await listRecursive(physical, 'versions/')).map((key) =>
      key.slice(key.lastIndexOf('/') + 1),
    )
    assert.deepEqual(
      stored.sort(),
      known.sort(),
      'version data exists exactly for the versions metadata names',
    )
    await close()
  })

  it('first writes of new paths racing their reads: every acknowledged write is read back, none made twice', async () => {
    // A new path's existence check is answered by SqliteStorage's key filter without a read; a write racing it
    // must never be missed. Each path gets two racing first writes, a read racing them, and a read after both.
    const { kv, close } = await kvOnSqlite()
    const problems: string[] = []
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const path = `fresh/${i}`
        const racingRead = outcome(kv.call('read', `data/${path}`))
        const writes = await Promise.all(
          [0, 1].map((w) => outcome(kv.call('update', `data/${path}`, { data: { w }, options: { cas: 0 } }))),
        )
        await racingRead
        if (count(writes, 'ok') !== 1) problems.push(`${path}: ${writes.join(', ')}`)
        const meta = dataOf(await kv.call('read', `metadata/${path}`))
        if (meta['current_version'] !== 1)
          problems.push(`${path}: version ${String(meta['current_version'])}`)
      }),
    )
    assert.deepEqual(problems, [])
    await close()
  })
})
