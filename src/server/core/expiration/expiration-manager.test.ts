// The expiration manager against a real backend instance on in-memory storage, with a clock the test moves.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson, listRecursive, type Storage } from '../../../sdk/storage.ts'
import { setup } from './test-helpers.ts'

async function keysUnder(storage: Storage, prefix: string): Promise<string[]> {
  return listRecursive(storage, prefix)
}

describe('expiration manager', () => {
  it('registers a lease with the requested TTL, capped by the mount maximum', async () => {
    const { manager, issue, clock } = await setup()
    const a = await issue('a', 60)
    assert.match(a.leaseId, /^rows\/creds\/a\/[A-Za-z0-9]{24}$/)
    assert.equal(a.ttl, 60)
    const b = await issue('b', 100_000)
    assert.equal(b.ttl, 7200)
    const looked = await manager.lookup(a.leaseId)
    assert.equal(looked['id'], a.leaseId)
    assert.equal(looked['ttl'], 60)
    assert.equal(looked['renewable'], true)
    assert.equal(looked['expire_time'], new Date(clock.now() + 60_000).toISOString().replace('Z', '000000Z'))
    await manager.stop()
  })

  it('expires a lease on time by calling the backend revoke, and removes every index entry', async () => {
    const { manager, issue, clock, rowExists, physical } = await setup()
    const { leaseId } = await issue('a', 10)
    await issue('b', 30)
    clock.advance(9)
    assert.equal(await manager.tick(), 0)
    assert.ok(await rowExists('a'))
    clock.advance(1)
    assert.equal(await manager.tick(), 1)
    assert.equal(await rowExists('a'), false)
    assert.ok(await rowExists('b'))
    assert.equal(await manager.get(leaseId), undefined)
    const left = await keysUnder(physical, 'sys/expire/')
    assert.equal(left.filter((k) => k.includes('creds/a/')).length, 0)
    assert.equal(left.filter((k) => k.startsWith('sys/expire/due/')).length, 1, 'only b is still due')
    await manager.stop()
  })

  it('keeps expiring after a restart: a new manager over the same storage finds due leases', async () => {
    const { manager, issue, clock, rowExists, make } = await setup()
    await issue('a', 5)
    await issue('c', 3 * 3600) // another hour folder
    await manager.stop()
    const again = make()
    await again.start()
    clock.advance(6)
    assert.equal(await again.tick(), 1)
    assert.equal(await rowExists('a'), false)
    clock.advance(3 * 3600)
    assert.equal(await again.tick(), 1)
    assert.equal(await rowExists('c'), false)
    await again.stop()
  })

  it('a lease issued after start into a not-yet-opened folder is still expired', async () => {
    const { manager, issue, clock, rowExists } = await setup()
    await manager.tick()
    await issue('later', 2 * 3600 + 17)
    clock.advance(2 * 3600 + 17)
    assert.equal(await manager.tick(), 1)
    assert.equal(await rowExists('later'), false)
    await manager.stop()
  })

  it('renews by the increment, capped at max TTL with a warning, and moves the expiry', async () => {
    const { manager, issue, clock, rowExists } = await setup()
    const { leaseId } = await issue('a', 60, { maxTtl: 300 })
    clock.advance(50)
    const renewed = await manager.renew(leaseId, 120)
    assert.equal(renewed.ttl, 120)
    clock.advance(100)
    assert.equal(await manager.tick(), 0, 'the old expiry no longer fires')
    assert.ok(await rowExists('a'))
    const capped = await manager.renew(leaseId, 1000)
    assert.equal(capped.ttl, 150)
    assert.deepEqual(capped.warnings, [
      'TTL of "16m40s" exceeded the effective max_ttl of "2m30s"; TTL value is capped accordingly',
    ])
    clock.advance(150)
    assert.equal(await manager.tick(), 1)
    assert.equal(await rowExists('a'), false)
    await assert.rejects(manager.renew(leaseId, 10), /lease not found/)
    await manager.stop()
  })

  it('refuses to renew a secret type without a renew handler', async () => {
    const { manager, clock } = await setup()
    const lease = await manager.register({
      path: 'rows/fixed/x',
      mountPath: 'rows/',
      secret: { type: 'fixed', ttl: 60, renewable: true, internal: { name: 'x' } },
      tokenHash: '',
      defaultTtl: 60,
      maxTtl: 600,
    })
    clock.advance(1)
    await assert.rejects(manager.renew(lease.leaseId, 10), /not renewable/)
    await manager.stop()
  })

  it('retries a failed revocation with backoff, shows it in lookup, and completes when the backend is back', async () => {
    const { manager, issue, clock, control, rowExists } = await setup()
    const { leaseId } = await issue('a', 5)
    control.failRevoke = true
    clock.advance(5)
    await manager.tick()
    assert.ok(await rowExists('a'))
    const failing = await manager.lookup(leaseId)
    assert.equal(failing['revoke_attempts'], 1)
    assert.match(String(failing['revoke_error']), /database unreachable/)
    clock.advance(1)
    await manager.tick()
    assert.equal((await manager.lookup(leaseId))['revoke_attempts'], 2)
    control.failRevoke = false
    clock.advance(1)
    await manager.tick()
    assert.ok(await rowExists('a'), 'the next attempt waits for its backoff (2 s)')
    clock.advance(1)
    await manager.tick()
    assert.equal(await rowExists('a'), false)
    assert.equal(await manager.get(leaseId), undefined)
    await manager.stop()
  })

  it('reports a revocation once, only after it succeeded and the lease is gone', async () => {
    const { manager, issue, clock, control, revoked } = await setup()
    const expiring = await issue('a', 5)
    const asked = await issue('b', 3600)
    control.failRevoke = true
    clock.advance(5)
    await manager.tick()
    assert.deepEqual(revoked, [], 'a failed revocation is not reported')
    control.failRevoke = false
    clock.advance(2)
    await manager.tick()
    await manager.revoke(asked.leaseId)
    await manager.revoke(asked.leaseId)
    assert.deepEqual(revoked, [expiring.leaseId, asked.leaseId])
    await manager.stop()
  })

  it('marks a lease irrevocable after the attempt limit; only revoke-force removes it', async () => {
    const { manager, issue, clock, control, rowExists } = await setup({ maxRevokeAttempts: 3 })
    const { leaseId } = await issue('a', 1)
    control.failRevoke = true
    for (let i = 0; i < 6; i++) {
      clock.advance(5)
      await manager.tick()
    }
    const looked = await manager.lookup(leaseId)
    assert.equal(looked['irrevocable'], true)
    assert.equal(looked['revoke_attempts'], 3)
    await assert.rejects(manager.revoke(leaseId), /failed to revoke/)
    await manager.revokePrefix('rows/creds/a', { force: true })
    assert.equal(await manager.get(leaseId), undefined)
    assert.ok(await rowExists('a'), 'force removes the lease without the backend having revoked it')
    await manager.stop()
  })

  it("answers a failed revocation in Vault's words: by id, by an exact id as prefix, and by prefix", async () => {
    const { manager, issue, control } = await setup()
    const a = await issue('a', 60)
    await issue('b', 60)
    control.failRevoke = true
    const entry = 'failed to revoke entry: resp: (*logical.Response)(nil) err: database unreachable'
    await assert.rejects(manager.revoke(a.leaseId), { status: 400, message: entry })
    await assert.rejects(manager.revokePrefix(a.leaseId), {
      status: 400,
      message: `failed to revoke "${a.leaseId}": ${entry}`,
    })
    await assert.rejects(manager.revokePrefix('rows/creds/'), {
      status: 400,
      message: `failed to revoke "${a.leaseId}" (1 / 2): ${entry}`,
    })
    assert.ok(await manager.get(a.leaseId), 'the lease stays, to be retried')
    await manager.stop()
  })

  it('revokes by prefix and lists one level of lease ids', async () => {
    const { manager, issue, rowExists } = await setup()
    await issue('a', 60)
    await issue('b', 60)
    assert.deepEqual(await manager.list('rows/creds/'), ['a/', 'b/'])
    assert.equal((await manager.list('rows/creds/a')).length, 1)
    assert.equal(await manager.revokePrefix('rows/creds/'), 2)
    assert.equal(await rowExists('a'), false)
    assert.equal(await rowExists('b'), false)
    assert.deepEqual(await manager.list('rows/'), [])
    await assert.rejects(manager.list('rows/../x'), /invalid prefix/)
    await manager.stop()
  })

  it("leases made due (a token's before it is deleted, an async revoke's) are revoked after a restart, though their revocation never ran", async () => {
    const { manager, make, issue, rowExists, clock } = await setup()
    const a = await issue('a', 3600, { tokenHash: 'tok1' })
    await issue('b', 3600, { tokenHash: 'tok1' })
    await issue('c', 3600, { tokenHash: 'tok2' })
    const d = await issue('d', 3600)
    await manager.expediteByToken('tok1')
    // What the token store does before deleting the token, and sys/leases/revoke with sync=false before it answers;
    // the server stops before the leases are revoked.
    await manager.expedite(d.leaseId)
    await assert.rejects(manager.renew(a.leaseId, 60), { message: 'lease expired' })
    await manager.stop()
    const restarted = make()
    await restarted.start()
    clock.advance(1)
    assert.equal(await restarted.tick(), 3)
    assert.equal(await rowExists('a'), false)
    assert.equal(await rowExists('d'), false)
    assert.equal(await rowExists('b'), false)
    assert.equal(await rowExists('c'), true, "another token's lease is left alone")
    await restarted.stop()
  })

  it("revokes a token's leases with the token, and tidy revokes leases of tokens that are gone", async () => {
    const { manager, issue, rowExists, physical } = await setup()
    await issue('a', 60, { tokenHash: 'aa'.repeat(32) })
    await issue('b', 60, { tokenHash: 'bb'.repeat(32) })
    await issue('c', 60, { tokenHash: 'cc'.repeat(32) })
    await manager.revokeByToken('aa'.repeat(32))
    assert.equal(await rowExists('a'), false)
    assert.ok(await rowExists('b'))
    const result = await manager.tidy(async (hash) => hash === 'cc'.repeat(32))
    assert.equal(result.revoked, 1)
    assert.equal(await rowExists('b'), false)
    assert.ok(await rowExists('c'))
    const tokenIndex = await keysUnder(physical, 'sys/expire/token/')
    assert.equal(tokenIndex.length, 1)
    await manager.stop()
  })

  it('tidies in the background one run at a time: a second request while one runs starts nothing', async () => {
    const { manager, issue, rowExists } = await setup()
    await issue('b', 60, { tokenHash: 'bb'.repeat(32) })
    let second = 0
    const running = manager.tidyInBackground(async () => false)
    const again = manager.tidyInBackground(async () => {
      second++
      return false
    })
    assert.equal(again, running)
    await running
    assert.equal(second, 0)
    assert.equal(await rowExists('b'), false)
    await manager.stop()
  })

  it('stores no backend secret outside the lease record, and the record never in a due-index value', async () => {
    const { manager, issue, physical } = await setup()
    const { leaseId } = await issue('a', 60)
    const record = await getJson<{ internal: Record<string, unknown> }>(physical, `sys/expire/id/${leaseId}`)
    assert.deepEqual(record?.internal, { name: 'a' })
    for (const key of await keysUnder(physical, 'sys/expire/due/')) {
      const value = Buffer.from((await physical.get(key))!).toString()
      assert.equal(value, leaseId)
    }
    await manager.stop()
  })
})
