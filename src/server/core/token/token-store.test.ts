// The token store on real SQLite behind the barrier: chosen ids, revocation, use counts, redemption and children under races.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Clock } from '../../../lib/time.ts'
import { type Storage, storageView } from '../../../sdk/storage.ts'
import { Barrier } from '../../barrier/barrier.ts'
import { SqliteStorage } from '../../physical/sqlite.ts'
import { type CreateTokenInput, TokenStore } from './token-store.ts'

/** Each race is run this many times: a bug that loses one interleaving in a few still shows. */
const ROUNDS = 15
const BURST = 20

class TestClock implements Clock {
  current = Date.UTC(2026, 11, 6, 12, 0, 0)
  now(): number {
    return this.current
  }
}

const base: CreateTokenInput = {
  policies: ['default'],
  parentHash: '',
  ttl: 3600,
  maxTtl: 0,
  path: 'auth/token/create',
}

describe('token store on SQLite under concurrent requests', () => {
  let dir: string
  let physical: SqliteStorage
  let barrier: Barrier
  let clock: TestClock
  let store: TokenStore
  const revokedHashes: string[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-token-store-'))
    physical = SqliteStorage.open(join(dir, 'coffer.db'))
    barrier = new Barrier(physical)
    const key = new Uint8Array(32).fill(7)
    await barrier.initialize(key)
    await barrier.unseal(key)
    clock = new TestClock()
    store = new TokenStore(storageView(barrier, 'core/token/'), clock)
    await store.load()
    store.onRevoke(async (idHash) => {
      revokedHashes.push(idHash)
    })
  })

  after(async () => {
    await physical.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A second store over the same storage sees only what was written: what a restart would find. */
  async function reopened(): Promise<TokenStore> {
    const fresh = new TokenStore(storageView(barrier, 'core/token/'), clock)
    await fresh.load()
    return fresh
  }

  it("of creates racing with one chosen id, exactly one succeeds and its policies are the token's", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = `chosen-${round}`
      const answers = await Promise.allSettled(
        Array.from({ length: BURST }, (_, i) => store.create({ ...base, id, policies: [`p${i}`] })),
      )
      const created = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
      assert.equal(created.length, 1, `round ${round}: ${created.length} creates answered success`)
      for (const a of answers)
        if (a.status === 'rejected')
          assert.match((a.reason as Error).message, /cannot create a token with a duplicate ID/)
      const stored = await (await reopened()).lookup(id)
      assert.deepEqual(stored?.policies, created[0]!.entry.policies)
      assert.equal(stored?.accessor, created[0]!.entry.accessor)
    }
  })

  it('runs the before-delete listeners while the entry is still stored, and the revoke listeners after', async () => {
    const { token, entry } = await store.create(base)
    const seen: string[] = []
    const stored = async () => ((await (await reopened()).lookup(token)) ? 'stored' : 'gone')
    store.beforeDelete(async (idHash) => {
      if (idHash === entry.idHash) seen.push(`before: ${await stored()}`)
    })
    store.onRevoke(async (idHash) => {
      if (idHash === entry.idHash) seen.push(`after: ${await stored()}`)
    })
    await store.revokeTree(entry.idHash)
    assert.deepEqual(seen, ['before: stored', 'after: gone'])
  })

  it('a lookup racing a revocation never brings the token back, in memory or in storage', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { token, entry } = await store.create(base)
      // Warm the cache, then race lookups (which refill it from storage) against the revocation.
      assert.ok(await store.lookup(token))
      const lookups = Array.from({ length: BURST }, () => store.lookup(token))
      const renewals = Array.from({ length: 4 }, () => store.renew(entry, 600))
      await Promise.all([store.revokeTree(entry.idHash), ...lookups, ...renewals])
      assert.equal(await store.lookup(token), undefined, `round ${round}: the revoked token still works`)
      assert.equal(await store.lookupByAccessor(entry.accessor), undefined)
      assert.equal(
        await (await reopened()).lookup(token),
        undefined,
        `round ${round}: written back to storage`,
      )
      assert.equal(await store.renew(entry, 600), undefined, 'a renewal after revocation must fail')
    }
  })

  it('the synchronous cached lookup refuses a token from the moment its revocation begins, and once expired', async () => {
    const { token, entry } = await store.create(base)
    assert.ok(await store.lookup(token))
    assert.equal(store.lookupCached(token)?.idHash, entry.idHash)
    // Not awaited: the token must be dead to the cached lookup before the revocation's first await returns.
    const revoking = store.revokeTree(entry.idHash)
    assert.equal(store.lookupCached(token), undefined)
    await revoking
    assert.equal(store.lookupCached(token), undefined)
    assert.equal(await store.lookup(token), undefined)

    const short = await store.create({ ...base, ttl: 60 })
    assert.ok(await store.lookup(short.token))
    assert.ok(store.lookupCached(short.token))
    clock.current += 61_000
    assert.equal(store.lookupCached(short.token), undefined)
    assert.equal(await store.lookup(short.token), undefined)
    clock.current -= 61_000
    // A renewal replaces the cached entry; the cached lookup answers with the new one.
    const renewable = await store.create(base)
    await store.lookup(renewable.token)
    const renewed = await store.renew(renewable.entry, 600)
    assert.ok(renewed)
    assert.equal(
      store.lookupCached(renewable.token)?.expireTime,
      (await store.lookup(renewable.token))?.expireTime,
    )
    assert.equal(store.lookupCached('not-a-token'), undefined)
  })

  it('a token with num_uses=N serves exactly N uses however many arrive at once', async () => {
    for (const uses of [1, 3]) {
      for (let round = 0; round < ROUNDS; round++) {
        const { token, entry } = await store.create({ ...base, numUses: uses })
        const outcomes = await Promise.all(Array.from({ length: BURST }, () => store.useOnce(entry)))
        const served = outcomes.filter((o) => o === 'counted' || o === 'last').length
        assert.equal(served, uses, `num_uses=${uses}, round ${round}: ${outcomes.join(',')}`)
        assert.equal(outcomes.filter((o) => o === 'last').length, 1, 'exactly one request holds the last use')
        assert.equal(await store.lookup(token), undefined, 'a used-up token is refused before it is revoked')
        await store.revokeTree(entry.idHash)
      }
    }
  })

  it('the last use is stored before it is granted: another node, or a restart before the revocation, finds the token spent', async () => {
    const { token, entry } = await store.create({ ...base, numUses: 2 })
    assert.equal(await store.useOnce(entry), 'counted')
    // A second store over the same storage: what a standby, or this node after a restart, reads.
    const other = await reopened()
    assert.equal((await other.lookup(token))?.numUses, 1)
    assert.equal(await store.useOnce(entry), 'last')
    // The holder of the last use has not revoked the token yet (its request is still running, or it stopped).
    // A standby drops cached tokens when the change log says another node wrote them.
    other.forgetCached()
    assert.equal(await other.lookup(token), undefined)
    assert.equal(await (await reopened()).lookup(token), undefined)
    assert.equal(await other.useOnce(entry), 'gone')
    // The expiry sweep still removes the spent row if the revocation never ran.
    const restarted = await reopened()
    clock.current += 3601 * 1000
    try {
      assert.ok((await restarted.sweepExpired()) >= 1)
    } finally {
      clock.current -= 3601 * 1000
    }
    assert.equal(await barrier.get(`core/token/id/${entry.idHash}`), undefined)
    // Settles the first store's tombstone, as the request holding the last use does when it ends.
    await store.revokeTree(entry.idHash)
  })

  it('a single-use token is redeemed by exactly one of many concurrent claims', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { token, entry } = await store.create({ ...base, numUses: 1 })
      const claims = await Promise.all(Array.from({ length: BURST }, () => store.claim(token, () => true)))
      assert.equal(claims.filter(Boolean).length, 1, `round ${round}`)
      assert.equal(await store.lookup(token), undefined)
      await store.revokeTree(entry.idHash)
    }
  })

  it('a claim refused by its check leaves the token alive', async () => {
    const { token } = await store.create({ ...base, numUses: 1 })
    assert.equal(await store.claim(token, () => false), undefined)
    assert.ok(await store.lookup(token))
  })

  it('a child created while its parent is being revoked is revoked too, never left as a false orphan', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { entry: parent } = await store.create(base)
      const children = Array.from({ length: 8 }, () =>
        store.create({ ...base, parentHash: parent.idHash }).then(
          (child) => child,
          () => undefined,
        ),
      )
      const [, ...made] = await Promise.all([store.revokeTree(parent.idHash), ...children])
      for (const child of made) {
        if (!child) continue
        assert.equal(
          await store.lookup(child.token),
          undefined,
          `round ${round}: a child outlived its parent`,
        )
        assert.equal(await (await reopened()).lookup(child.token), undefined)
      }
    }
    await assert.rejects(store.create({ ...base, parentHash: revokedHashes.at(-1)! }), { status: 403 })
  })

  it('revoke-orphan keeps children alive as real orphans, even when they renew at the same moment', async () => {
    const { entry: parent } = await store.create(base)
    const child = await store.create({ ...base, parentHash: parent.idHash })
    await Promise.all([store.revokeOrphan(parent.idHash), store.renew(child.entry, 900)])
    const after = await store.lookup(child.token)
    assert.equal(after?.parentHash, '', 'the child is an orphan')
    assert.equal((await (await reopened()).lookup(child.token))?.parentHash, '')
  })

  it('a second revocation of one token waits for the first, so both return with the token gone', async () => {
    const { token, entry } = await store.create(base)
    const before = revokedHashes.length
    await Promise.all([store.revokeTree(entry.idHash), store.revokeTree(entry.idHash)])
    assert.equal(revokedHashes.length - before, 1, 'listeners ran once')
    assert.equal(await store.lookup(token), undefined)
  })

  it('an accessor never finds an expired token, and renewal past the hard cap is refused', async () => {
    const { entry } = await store.create({ ...base, ttl: 60, maxTtl: 120 })
    clock.current += 61_000
    assert.equal(await store.lookupByAccessor(entry.accessor), undefined)
    assert.equal(await store.renew(entry, 60), undefined)
    const capped = await store.create({ ...base, ttl: 60, maxTtl: 60 })
    clock.current += 59_500
    await assert.rejects(store.renew(capped.entry, 600), /maximum TTL/)
  })

  it('a read in flight when a standby forgets its cached tokens does not put the old entry back', async () => {
    const { token, entry } = await store.create(base)
    // A standby's store: its reads of token entries can be held after storage answered, as a slow query is.
    const view = storageView(barrier, 'core/token/')
    let held: Promise<void> | undefined
    const gated: Storage = {
      ...view,
      get: async (key) => {
        const value = await view.get(key)
        if (held) await held
        return value
      },
    }
    const standby = new TokenStore(gated, clock)
    await standby.load()
    let release = () => {}
    held = new Promise((resolve) => {
      release = resolve
    })
    // A request that arrived before the revocation reads the live entry; its answer comes back late.
    const inFlight = standby.lookup(token)
    await new Promise((resolve) => setTimeout(resolve, 20))
    // The active node revokes; the standby's next synchronisation drops its cached tokens.
    await store.revokeTree(entry.idHash)
    standby.forgetCached()
    held = undefined
    release()
    assert.ok(await inFlight, 'the read that arrived before the revocation')
    assert.equal(standby.lookupCached(token), undefined, 'no stale entry cached')
    assert.equal(await standby.lookup(token), undefined, 'refused once the revocation is known')
  })

  it('forgets tombstones once no read that began before the revocation is in flight', async () => {
    for (let i = 0; i < 5; i++) {
      const { entry } = await store.create(base)
      await store.revokeTree(entry.idHash)
    }
    assert.equal(store.tombstones, 0)
  })
})
