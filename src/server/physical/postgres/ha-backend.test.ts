// The PostgreSQL leader lock and write fence: one holder among racing nodes, leases, release, and fenced writes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../../../../test/helpers/pg-database.ts'
import { POSTGRES, unmet } from '../../../../test/helpers/requirements.ts'
import { StandbyError } from '../../../sdk/errors.ts'
import { PostgresStorage } from '../postgres.ts'
import { PostgresHaBackend } from './ha-backend.ts'

const holder = (nodeId: string) => ({
  nodeId,
  apiAddr: `http://${nodeId}:8200`,
  clusterAddr: `https://${nodeId}:8201`,
})
const bytes = (text: string) => new TextEncoder().encode(text)

describe('PostgreSQL HA backend', { skip: await unmet(POSTGRES) }, () => {
  let db: TestDatabase
  const backends: PostgresHaBackend[] = []
  const open = async () => {
    const backend = await PostgresHaBackend.open({ connectionUrl: db.url, table: 'locks' })
    backends.push(backend)
    return backend
  }
  before(async () => {
    db = await createTestDatabase()
  })
  after(async () => {
    for (const backend of backends) await backend.close()
    await db.drop()
  })

  it('gives the lock to exactly one of twenty nodes racing for it, and to nobody else while its lease runs', async () => {
    const nodes = await Promise.all(Array.from({ length: 4 }, () => open()))
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => nodes[i % 4]!.tryAcquire(holder(`node-${i}`), 60_000)),
    )
    assert.equal(results.filter(Boolean).length, 1)
    const winner = `node-${results.indexOf(true)}`
    const current = await nodes[0]!.current()
    assert.equal(current?.nodeId, winner)
    assert.equal(current?.apiAddr, `http://${winner}:8200`)
    assert.equal(await nodes[1]!.tryAcquire(holder('late'), 60_000), false)
    assert.equal(await nodes[1]!.renew('late', 60_000), false, 'only the holder renews')
    assert.equal(await nodes[1]!.renew(winner, 60_000), true)
    assert.equal(await nodes[2]!.tryAcquire(holder(winner), 60_000), true, 'the holder may ask again')
    await nodes[3]!.release(winner)
    assert.equal(await nodes[0]!.current(), undefined)
    assert.equal(await nodes[1]!.tryAcquire(holder('late'), 60_000), true, 'a released lock is free at once')
    await nodes[1]!.release('late')
  })

  it('lets another node take a lock whose lease ran out (by the database clock)', async () => {
    const [a, b] = [await open(), await open()]
    assert.equal(await a.tryAcquire(holder('short'), 1), true)
    await db.query('SELECT pg_sleep(0.01)')
    assert.equal(await a.current(), undefined)
    assert.equal(await a.renew('short', 60_000), false, 'an expired lease cannot be renewed')
    assert.equal(await b.tryAcquire(holder('next'), 60_000), true)
    await b.release('next')
  })

  it('records heartbeats and forgets a node that leaves', async () => {
    const backend = await open()
    await backend.heartbeat({
      nodeId: 'n1',
      hostname: 'h1',
      apiAddr: 'http://n1',
      clusterAddr: '',
      version: 'v',
    })
    await backend.heartbeat({
      nodeId: 'n2',
      hostname: 'h2',
      apiAddr: 'http://n2',
      clusterAddr: '',
      version: 'v',
    })
    const seen = await backend.nodes(60_000)
    assert.deepEqual(seen.map((n) => n.nodeId).sort(), ['n1', 'n2'])
    assert.ok(seen.every((n) => n.lastEcho > Date.now() - 60_000))
    await backend.forget('n1')
    assert.deepEqual(
      (await backend.nodes(60_000)).map((n) => n.nodeId),
      ['n2'],
    )
  })

  it('fences writes: refused while another node holds a live lock, allowed for the holder and when nobody does', async () => {
    const backend = await open()
    const storage = await PostgresStorage.open({
      connectionUrl: db.url,
      table: 'fenced_kv',
      maxParallel: 4,
      skipCreateTable: false,
    })
    try {
      storage.setWriteFence(backend.fenceStatement('me'))
      await storage.put('before-any-lock', bytes('ok')) // init happens before any node holds the lock
      assert.equal(await backend.tryAcquire(holder('other'), 60_000), true)
      await assert.rejects(storage.put('while-other-holds', bytes('no')), StandbyError)
      await assert.rejects(
        storage.batch([
          { op: 'put', key: 'batch-a', value: bytes('no') },
          { op: 'delete', key: 'before-any-lock' },
        ]),
        StandbyError,
      )
      await assert.rejects(
        storage.replaceAll((async function* () {})()),
        StandbyError,
        'a restore is fenced too',
      )
      await backend.release('other')
      assert.equal(await backend.tryAcquire(holder('me'), 60_000), true)
      await storage.put('while-i-hold', bytes('yes'))
      assert.equal(await storage.get('while-other-holds'), undefined)
      assert.equal(await storage.get('batch-a'), undefined)
      assert.deepEqual(await storage.get('before-any-lock'), bytes('ok'), 'the refused batch deleted nothing')
      assert.deepEqual(await storage.get('while-i-hold'), bytes('yes'))
      await backend.release('me')
    } finally {
      await storage.close()
    }
  })

  it('a takeover waits for a fenced write in flight: the write commits before the new holder exists, never beside it', async () => {
    const backend = await open()
    const rival = await PostgresHaBackend.open({
      connectionUrl: db.url,
      table: 'locks',
      queryTimeoutMs: 30_000,
    })
    backends.push(rival)
    assert.equal(await backend.tryAcquire(holder('me'), 1_000), true)
    const events: string[] = []
    const fence = backend.fenceStatement('me')
    const pg = (await import('pg')).default
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    let release!: () => void
    const hold = new Promise<void>((resolve) => {
      release = resolve
    })
    // A write transaction of "me" that passed its fence while the lease was live, held open past the lease.
    const inFlight = (async () => {
      await client.query('BEGIN')
      const check = await client.query(fence.text, fence.values)
      assert.equal(check.rows[0].refused, false)
      events.push('fenced write passed its check')
      await hold
      await client.query('COMMIT')
      events.push('fenced write committed')
    })()
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    // The lease runs out (a plain read is not blocked by the row lock) while the transaction is still open.
    while ((await rival.current()) !== undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    const takeover = rival.tryAcquire(holder('rival'), 60_000).then((won) => {
      events.push(`takeover ${won}`)
    })
    // Give the takeover every chance to overtake the open transaction; it must not.
    await db.query('SELECT pg_sleep(0.3)')
    events.push('transaction released')
    release()
    await Promise.all([inFlight, takeover])
    await client.end()
    // The takeover was not granted while the transaction was open. PostgreSQL releases the row lock before it
    // answers the COMMIT, so the two answers after the release arrive on their own sockets in either order: their
    // order here says nothing about the order in the database.
    assert.deepEqual(events.slice(0, 2), ['fenced write passed its check', 'transaction released'])
    assert.deepEqual(events.slice(2).sort(), ['fenced write committed', 'takeover true'])
    await rival.release('rival')
  })
})
