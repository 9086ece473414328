// Renew racing revoke (by id, prefix, force, token, expiry) on real SQLite storage, where every write is an await gap.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { listRecursive } from '../../../sdk/storage.ts'
import { SqliteStorage } from '../../physical/sqlite.ts'
import { setup } from './test-helpers.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-lease-races-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0

async function onSqlite() {
  const physical = SqliteStorage.open(join(root, `db-${++counter}`, 'coffer.db'))
  const env = await setup({ physical })
  const done = async () => {
    await env.manager.stop()
    await physical.close()
  }
  return { ...env, done }
}

const N = 20

/** Settle every promise; resolve to 'ok' or the error message, so a test counts outcomes. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (error: unknown) => (error as Error).message,
  )

describe('lease renew vs revoke on SQLite', () => {
  it('a renew racing a revoke never writes the lease back, and a renew after the revoke fails', async () => {
    const { manager, issue, physical, rowExists, control, done } = await onSqlite()
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => (await issue(`r${i}`, 60)).leaseId),
    )
    // A renewal slower than a revocation: one that read the lease first would write it after the delete.
    control.renewWrites = 3
    const afterRevoke: Promise<string>[] = []
    // Renew first, then revoke, then a renew chained on the revoke's completion; nothing awaited until all started.
    await Promise.all(
      ids.flatMap((id) => [
        outcome(manager.renew(id, 120)),
        outcome(manager.renew(id, 30)),
        manager.revoke(id).then(() => {
          afterRevoke.push(outcome(manager.renew(id, 60)))
        }),
        outcome(manager.renew(id, 90)),
      ]),
    )
    const late = await Promise.all(afterRevoke)
    assert.deepEqual(
      late.filter((r) => !r.startsWith('lease not found')),
      [],
      'every renew that started after its revoke returned fails with "lease not found"',
    )
    const resurrected = (await Promise.all(ids.map((id) => manager.get(id)))).filter(Boolean).length
    assert.equal(resurrected, 0, 'leases written back after their revocation')
    for (let i = 0; i < N; i++) assert.equal(await rowExists(`r${i}`), false)
    const left = await listRecursive(physical, 'sys/expire/')
    assert.deepEqual(left, [], 'no lease, due-index or token-index entry survives')
    await done()
  })

  it('revoke-prefix, revoke-force and token revocation win over racing renews and count what they revoked', async () => {
    const { manager, issue, physical, rowExists, done } = await onSqlite()
    const token = 'ab'.repeat(32)
    const make = (prefix: string, tokenHash?: string) =>
      Promise.all(
        Array.from({ length: N }, async (_, i) => (await issue(`${prefix}/${i}`, 60, { tokenHash })).leaseId),
      )
    const [byPrefix, byForce, byToken] = await Promise.all([make('p'), make('f'), make('t', token)])
    const all = [...byPrefix, ...byForce, ...byToken]
    const before = all.map((id) => outcome(manager.renew(id, 120)))
    const revocations = Promise.all([
      manager.revokePrefix('rows/creds/p'),
      manager.revokePrefix('rows/creds/f/', { force: true }),
      manager.revokeByToken(token),
    ])
    const behind = all.map((id) => outcome(manager.renew(id, 120)))
    const [prefixCount, forceCount] = await revocations
    await Promise.all([...before, ...behind])
    assert.equal(prefixCount, N)
    assert.equal(forceCount, N)
    for (const id of all) assert.equal(await manager.get(id), undefined, `lease ${id} was resurrected`)
    for (const name of ['p', 'f', 't'])
      for (let i = 0; i < N; i++) assert.equal(await rowExists(`${name}/${i}`), false)
    assert.deepEqual(await listRecursive(physical, 'sys/expire/'), [])
    await done()
  })

  it('two revoke-prefix calls on one prefix together report exactly the leases revoked', async () => {
    const { manager, issue, done } = await onSqlite()
    await Promise.all(Array.from({ length: N }, (_, i) => issue(`x/${i}`, 60)))
    const counts = await Promise.all([
      manager.revokePrefix('rows/creds/x'),
      manager.revokePrefix('rows/creds/x/'),
      manager.revokePrefix('rows/creds/x', { force: true }),
    ])
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      N,
    )
    assert.deepEqual(await manager.list('rows/creds/'), [])
    await done()
  })

  it('revoke-prefix given an exact lease id revokes that lease only', async () => {
    const { manager, issue, done } = await onSqlite()
    const a = await issue('same', 60)
    const b = await issue('same', 60)
    assert.equal(await manager.revokePrefix(a.leaseId), 1)
    assert.equal(await manager.get(a.leaseId), undefined)
    assert.ok(await manager.get(b.leaseId), 'a sibling under the same folder stays')
    assert.equal(await manager.revokePrefix(a.leaseId), 0, 'a second call finds nothing to revoke')
    await done()
  })

  it('a renew that read the lease before its expiry and the expiry pass never leave a lease without its secret', async () => {
    const { manager, issue, clock, control, rowExists, done } = await onSqlite()
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => (await issue(`e${i}`, 10)).leaseId),
    )
    clock.advance(9)
    let expired: Promise<number> | undefined
    control.onRenew = () => {
      if (expired) return
      // The first renewal has passed its checks: now every lease falls due and an expiry pass starts.
      clock.advance(1)
      expired = manager.tick()
    }
    const results = await Promise.all(ids.map((id) => outcome(manager.renew(id, 60))))
    assert.ok(expired)
    await expired
    for (let i = 0; i < N; i++) {
      const lease = await manager.get(ids[i]!)
      const row = await rowExists(`e${i}`)
      assert.equal(Boolean(lease), row, `lease ${i}: stored ${Boolean(lease)}, secret exists ${row}`)
      if (results[i] === 'ok') assert.ok(lease, `lease ${i} was renewed, so it must still be there`)
    }
    await done()
  })

  it('a revoke that arrives while the expiry pass waits behind a renewal still revokes the lease', async () => {
    const { manager, issue, clock, control, rowExists } = await setup()
    const { leaseId } = await issue('j', 10)
    clock.advance(9)
    let release: () => void = () => {}
    control.renewGate = new Promise((resolve) => {
      release = resolve
    })
    let reached: () => void = () => {}
    const atBackend = new Promise<void>((resolve) => {
      reached = resolve
    })
    control.onRenew = () => reached()
    // The renewal holds the lease's lock; the lease falls due and the expiry pass queues behind it.
    const renewing = manager.renew(leaseId, 60)
    await atBackend
    clock.advance(1)
    const expiring = manager.tick()
    // In-memory storage: one turn of the event loop lets the pass take the due lease and queue its attempt.
    await new Promise((resolve) => setImmediate(resolve))
    // This revoke meets the expiry's attempt in flight; that attempt finds the lease renewed and leaves it.
    const revoking = manager.revoke(leaseId)
    release()
    await renewing
    await expiring
    assert.equal(await revoking, true, 'the revoke reports the lease it revoked')
    assert.equal(await manager.get(leaseId), undefined, 'after the revoke answered, the lease is gone')
    assert.equal(await rowExists('j'), false, 'and so is its secret')
    await assert.rejects(manager.renew(leaseId, 60), { message: 'lease not found' })
    await manager.stop()
  })

  it('refuses to renew an expired lease, a revoked one, and one past its max TTL (as Vault words it)', async () => {
    const { manager, issue, clock, control, done } = await onSqlite()
    const a = await issue('a', 10)
    clock.advance(10)
    await assert.rejects(manager.renew(a.leaseId, 10), {
      name: 'InvalidRequestError',
      message: 'lease expired',
    })
    const b = await issue('b', 10)
    await manager.revoke(b.leaseId)
    await assert.rejects(manager.renew(b.leaseId, 10), { message: 'lease not found' })
    const c = await issue('c', 60, { maxTtl: 60 })
    clock.advance(59.5)
    await assert.rejects(manager.renew(c.leaseId, 10), { message: 'past the max TTL, cannot renew' })
    const d = await issue('d', 60)
    control.renewTtl = 0
    await assert.rejects(manager.renew(d.leaseId, 10), { message: 'past the max TTL, cannot renew' })
    assert.equal((await manager.lookup(d.leaseId))['ttl'], 60, 'a refused renewal leaves the lease as it was')
    await done()
  })
})
