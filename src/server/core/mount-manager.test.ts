// The mount manager on SQLite: concurrent enables of one path, and the move (sys/remount): data stays put, taint, rollback.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { silentLogger } from '../../lib/logger.ts'
import { defineBackend, definePath } from '../../sdk/framework/backend.ts'
import { getJson, putJson, type Storage, storageView } from '../../sdk/storage.ts'
import { SqliteStorage } from '../physical/sqlite.ts'
import { ExpirationManager } from './expiration/expiration-manager.ts'
import { rowsBackend, TestClock } from './expiration/test-helpers.ts'
import { MountManager } from './mount-manager.ts'
import type { MountEntry } from './mount-table.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-mount-move-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0

/** A backend that stores what is written to `items/:name` and reads it back. */
const itemsBackend = defineBackend<unknown>({
  kind: 'secret',
  help: 'test items',
  paths: [
    definePath({
      pattern: 'items/:name',
      acceptAnyData: true,
      operations: {
        read: async (ctx) => {
          const data = await getJson<Record<string, unknown>>(ctx.storage, `items/${ctx.params['name']}`)
          return data && { data }
        },
        update: async (ctx) => {
          await putJson(ctx.storage, `items/${ctx.params['name']}`, ctx.request.data)
          return undefined
        },
      },
    }),
  ],
})

function manager(physical: Storage, beforeMove?: (entry: MountEntry) => Promise<void>): MountManager {
  return new MountManager({
    storage: physical,
    clock: new TestClock(),
    logger: silentLogger,
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 7200,
    registry: {
      secret: { items: itemsBackend, rows: rowsBackend({ failRevoke: false }) },
      auth: { items: { ...itemsBackend, kind: 'auth' } },
    },
    builtins: [],
    ...(beforeMove ? { beforeMove } : {}),
  })
}

async function fresh(beforeMove?: (entry: MountEntry) => Promise<void>) {
  const physical = SqliteStorage.open(join(root, `db-${++counter}`, 'coffer.db'))
  const mounts = manager(physical, beforeMove)
  await mounts.load()
  return { physical, mounts }
}

function call(mounts: MountManager, operation: 'read' | 'update', path: string, data = {}) {
  const route = mounts.router.match(path)
  if (!route) throw new Error(`no route for ${path}`)
  return route.backend.handle({
    id: 'r',
    operation,
    path: route.relativePath,
    mountPath: route.entry.path,
    data,
    headers: {},
    remoteAddress: '127.0.0.1',
    caller: undefined,
  } as never)
}

/** A promise with its resolve, so a test holds a move inside beforeMove. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

describe('MountManager.mount', () => {
  it('refuses a type naming an Object.prototype member as unknown, and stores nothing', async () => {
    const { physical, mounts } = await fresh()
    const before = mounts.router.entries().length
    for (const [table, kind] of [
      ['secret', 'secrets engine'],
      ['auth', 'auth method'],
    ] as const)
      for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
        await assert.rejects(
          mounts.mount(table, { path: `x-${type}`, type }),
          (e: Error) => e.message === `unknown ${kind} type: ${type}`,
          `${table} ${type}`,
        )
    assert.equal(mounts.router.entries().length, before)
    const stored = manager(physical)
    await stored.load()
    assert.equal(stored.router.entries().length, before)
    physical.close()
  })

  it('of enables racing for one path, or for overlapping paths, exactly one succeeds and the table has one entry', async () => {
    const { physical, mounts } = await fresh()
    for (const [table, paths] of [
      ['auth', ['same', 'same', 'same', 'same']],
      ['secret', ['same', 'same', 'same/inner', 'same/inner/deeper']],
    ] as const) {
      const results = await Promise.allSettled(
        paths.map((path) => mounts.mount(table, { path, type: 'items' })),
      )
      assert.equal(
        results.filter((r) => r.status === 'fulfilled').length,
        1,
        `${table}: ${JSON.stringify(results)}`,
      )
      for (const r of results)
        if (r.status === 'rejected') assert.match((r.reason as Error).message, /path is already in use at /)
    }
    const stored = manager(physical)
    await stored.load()
    for (const table of [mounts, stored]) {
      const paths = table.router.entries().map((e) => e.path)
      assert.deepEqual(paths.filter((p) => p.includes('same')).sort(), ['auth/same/', 'same/'])
    }
    // The claim is released either way: the path can be disabled and enabled again.
    await mounts.unmount('secret', 'same')
    await mounts.mount('secret', { path: 'same/inner', type: 'items' })
    physical.close()
  })
})

describe('MountManager.move', () => {
  it('routes the mount at its new path with its data, UUID and accessor, and records the table', async () => {
    const { physical, mounts } = await fresh()
    const entry = await mounts.mount('secret', { path: 'old', type: 'items' })
    const { uuid, accessor } = entry
    await call(mounts, 'update', 'old/items/a', { v: 1 })
    await mounts.move('old/', 'new/')
    assert.equal(mounts.router.match('old/items/a'), undefined)
    assert.deepEqual((await call(mounts, 'read', 'new/items/a'))?.data, { v: 1 })
    assert.equal(mounts.find('new/'), entry)
    assert.equal(entry.uuid, uuid)
    assert.equal(entry.accessor, accessor)
    assert.equal(mounts.router.byUuid(uuid)?.entry.path, 'new/')
    // The data was never copied: it is where it was, under logical/<uuid>/.
    assert.ok(await physical.get(`logical/${uuid}/items/a`))
    // A manager loading the stored table (a restart) finds the mount at its new path only.
    const reloaded = manager(physical)
    await reloaded.load()
    assert.equal(reloaded.find('old/'), undefined)
    assert.deepEqual((await call(reloaded, 'read', 'new/items/a'))?.data, { v: 1 })
    physical.close()
  })

  it('taints the mount while beforeMove runs; a request routed before the move is stale afterwards', async () => {
    const hold = gate()
    const entered = gate()
    const { physical, mounts } = await fresh(async () => {
      entered.open()
      await hold.opened
    })
    const entry = await mounts.mount('secret', { path: 'old', type: 'items' })
    const moving = mounts.move('old/', 'new/')
    await entered.opened
    assert.equal(mounts.isTainted(entry), true)
    assert.equal(mounts.routeStale(entry, 'old/'), true)
    await assert.rejects(mounts.unmount('secret', 'old'), /cannot unmount "old\/" while it is being moved/)
    await assert.rejects(mounts.move('old/', 'other/'), /while it is being moved or disabled/)
    hold.open()
    await moving
    assert.equal(mounts.isTainted(entry), false)
    assert.equal(mounts.routeStale(entry, 'old/'), true, 'routed at the old path: undo what it made')
    assert.equal(mounts.routeStale(entry, 'new/'), false)
    physical.close()
  })

  it('puts the mount back, serving, when beforeMove fails (a lease that cannot be revoked)', async () => {
    const { physical, mounts } = await fresh(async () => {
      throw new Error('failed to revoke lease "old/creds/x/1": database unreachable')
    })
    const entry = await mounts.mount('secret', { path: 'old', type: 'items' })
    await assert.rejects(mounts.move('old/', 'new/'), /database unreachable/)
    assert.equal(entry.path, 'old/')
    assert.equal(mounts.isTainted(entry), false)
    assert.equal(mounts.router.match('new/items/a'), undefined)
    await call(mounts, 'update', 'old/items/a', { v: 2 })
    physical.close()
  })

  it('fails when something was mounted at the destination while the source was being revoked', async () => {
    let mounts!: MountManager
    const setup = await fresh(async () => {
      await mounts.mount('secret', { path: 'new/inner', type: 'items' })
    })
    mounts = setup.mounts
    await mounts.mount('secret', { path: 'old', type: 'items' })
    await assert.rejects(mounts.move('old/', 'new/'), /path in use at "new\/inner\/"/)
    assert.ok(mounts.find('old/'))
    setup.physical.close()
  })

  it('refuses a path inside a mount and crossing between auth methods and secrets engines', async () => {
    const { physical, mounts } = await fresh()
    await mounts.mount('secret', { path: 'old', type: 'items' })
    await mounts.mount('auth', { path: 'people', type: 'items' })
    await assert.rejects(mounts.move('old/inner/', 'new/'), /no matching mount at "old\/inner\/"/)
    await assert.rejects(mounts.move('old/', 'auth/new/'), /across auth methods and secrets engines/)
    await assert.rejects(mounts.move('auth/people/', 'people/'), /across auth methods and secrets engines/)
    await mounts.move('auth/people/', 'auth/staff/')
    assert.equal(mounts.find('auth/staff/')?.table, 'auth')
    physical.close()
  })

  it('startMove reports in-progress, then success or failure, under its migration id', async () => {
    const hold = gate()
    const { physical, mounts } = await fresh(() => hold.opened)
    await mounts.mount('secret', { path: 'old', type: 'items' })
    const id = mounts.startMove('old/', 'new/')
    assert.deepEqual(mounts.moves.get(id), {
      sourceMount: 'old/',
      targetMount: 'new/',
      status: 'in-progress',
    })
    hold.open()
    await mounts.moves.settled()
    assert.equal(mounts.moves.get(id)?.status, 'success')
    const failed = mounts.startMove('new/inner/', 'elsewhere/')
    await mounts.moves.settled()
    assert.equal(mounts.moves.get(failed)?.status, 'failure')
    assert.equal(mounts.moves.get('no-such-id'), undefined)
    physical.close()
  })

  it('a lease made under the old path is revoked and renewed through the moved backend, found by UUID', async () => {
    const { physical, mounts } = await fresh()
    const entry = await mounts.mount('secret', { path: 'db', type: 'rows' })
    const clock = new TestClock()
    const expiration = new ExpirationManager({
      storage: storageView(physical, 'sys/expire/'),
      clock,
      logger: silentLogger,
      backendAt: (mountPath, mountUuid) =>
        (mountUuid ? mounts.router.byUuid(mountUuid) : mounts.router.get(mountPath))?.backend,
      tuning: { tickMs: 60_000 },
    })
    const rows = mounts.router.get('db/')!.backend.storage
    const issue = async (name: string) => {
      await rows.put(`rows/${name}`, Buffer.from('x'))
      return expiration.register({
        path: `db/creds/${name}`,
        mountPath: 'db/',
        mountUuid: entry.uuid,
        secret: { type: 'row', ttl: 60, renewable: true, internal: { name } },
        tokenHash: '',
        defaultTtl: 3600,
        maxTtl: 7200,
      })
    }
    const a = await issue('a')
    const b = await issue('b')
    await mounts.move('db/', 'db2/')
    assert.equal((await expiration.renew(a.leaseId, 120)).ttl, 120)
    assert.equal(await expiration.revoke(b.leaseId), true)
    assert.equal(await rows.get('rows/b'), undefined)
    await expiration.stop()
    physical.close()
  })
})
