// HA in process: cores sharing one storage and one lock; exactly one active, step-down, sealing, lost renewals.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { silentLogger } from '../../../lib/logger.ts'
import type { HaBackend } from '../../physical/ha.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { MemoryHaBackend, MemoryHaState } from '../../physical/memory-ha.ts'
import type { PhysicalStorage } from '../../physical/physical.ts'
import { authMethods, secretEngines } from '../../registry.ts'
import { createSystemBackend } from '../../system/backend.ts'
import { Core } from '../core.ts'
import type { HaState, HaTuning } from './coordinator.ts'

/** Short enough for tests, with the same proportions as the defaults. */
const FAST: HaTuning = {
  lockTtlMs: 400,
  renewIntervalMs: 100,
  retryIntervalMs: 40,
  stepDownHoldMs: 300,
  heartbeatIntervalMs: 50,
}

const cores: Core[] = []
afterEach(async () => {
  for (const core of cores.splice(0)) await core.sealVault().catch(() => {})
})

function node(physical: PhysicalStorage, backend: HaBackend, name: string): Core {
  const core = new Core({
    physical,
    storageType: 'inmem',
    logger: silentLogger,
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 7200,
    registry: { secret: secretEngines, auth: authMethods },
    systemBackend: (services) => createSystemBackend(services),
    ha: {
      backend,
      identity: { apiAddr: `http://${name}:8200`, clusterAddr: `https://${name}:8201`, version: 'test' },
      tuning: FAST,
    },
  })
  cores.push(core)
  return core
}

/** Resolves when `core`'s HA state becomes `state` (at once when it already is). */
function reaches(core: Core, state: HaState): Promise<void> {
  const ha = core.ha!
  if (ha.state === state) return Promise.resolve()
  return new Promise((resolve) => {
    const off = ha.onChange((now) => {
      if (now !== state) return
      off()
      resolve()
    })
  })
}

/** A backend whose every call fails while `cut()` says so: a node that lost its connection to the storage. */
function partitionable(backend: HaBackend, cut: () => boolean): HaBackend {
  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    cut() ? Promise.reject(new Error('connection refused')) : call()
  return {
    tryAcquire: (holder, ttl) => guard(() => backend.tryAcquire(holder, ttl)),
    renew: (id, ttl) => guard(() => backend.renew(id, ttl)),
    release: (id) => guard(() => backend.release(id)),
    current: () => guard(() => backend.current()),
    heartbeat: (n) => guard(() => backend.heartbeat(n)),
    nodes: (within) => guard(() => backend.nodes(within)),
    forget: (id) => guard(() => backend.forget(id)),
    close: () => backend.close(),
  }
}

/** Three nodes on one storage and lock; the first initialised, all of them unsealed. */
async function cluster(wrap: (backend: HaBackend, index: number) => HaBackend = (b) => b) {
  const physical = new MemoryStorage()
  const lock = new MemoryHaState()
  const nodes = ['a', 'b', 'c'].map((name, i) => node(physical, wrap(new MemoryHaBackend(lock), i), name))
  for (const core of nodes) await core.start()
  const { shares, rootToken } = await nodes[0]!.initialize(1, 1)
  const share = Buffer.from(shares[0]!)
  for (const core of nodes) assert.equal(await core.unseal(share), true)
  /** Make `target` the active node: the others seal until it is, then unseal again as standbys. */
  const makeActive = async (target: Core): Promise<void> => {
    if (target.ha!.isActive()) return
    for (const core of nodes) if (core !== target) await core.sealVault()
    await reaches(target, 'active')
    for (const core of nodes) if (core !== target) assert.equal(await core.unseal(share), true)
  }
  return { nodes, rootToken, makeActive, share }
}

async function firstActive(nodes: Core[]): Promise<Core> {
  await Promise.race(nodes.map((core) => reaches(core, 'active')))
  const active = nodes.filter((core) => core.ha!.isActive())
  assert.equal(active.length, 1, 'exactly one node is active')
  return active[0]!
}

/** Fails the test if two nodes ever report themselves active at once while `body` runs. */
async function neverTwoActive<T>(nodes: Core[], body: () => Promise<T>): Promise<T> {
  let overlap = false
  const watch = setInterval(() => {
    if (nodes.filter((core) => core.ha!.isActive()).length > 1) overlap = true
  }, 2)
  try {
    return await body()
  } finally {
    clearInterval(watch)
    assert.equal(overlap, false, 'two nodes were active at the same time')
  }
}

describe('high availability in process', () => {
  it('makes exactly one of three unsealed nodes active; the others are unsealed standbys without services', async () => {
    const { nodes } = await cluster()
    const active = await firstActive(nodes)
    for (const core of nodes) {
      assert.equal(core.sealed, false)
      assert.equal(core.standby, core !== active)
    }
    const standby = nodes.find((core) => core !== active)!
    assert.throws(() => standby.services, /sealed/i, 'a standby runs no active services')
    assert.equal((await standby.ha!.leader())?.nodeId, active.ha!.nodeId)
    assert.equal((await standby.ha!.leader())?.apiAddr, active.ha!.apiAddr)
    assert.equal((await active.ha!.nodes()).length, 3)
  })

  it('hands over on step-down: another node becomes active and sees what the first one wrote', async () => {
    const { nodes, rootToken } = await cluster()
    await neverTwoActive(nodes, async () => {
      const first = await firstActive(nodes)
      await first.services.mounts.mount('secret', { path: 'secret/', type: 'kv', options: { version: '1' } })
      await first.services.policies.write('readers', 'path "secret/*" { capabilities = ["read"] }')
      const others = nodes.filter((core) => core !== first)
      const next = Promise.race(others.map((core) => reaches(core, 'active')))
      await first.ha!.stepDown()
      assert.equal(first.standby, true)
      await next
      const second = await firstActive(nodes)
      assert.notEqual(second, first)
      assert.ok(second.services.mounts.router.get('secret/'), 'the new active node loaded the mount table')
      assert.match((await second.services.policies.read('readers')) ?? '', /secret/)
      assert.ok(
        await second.services.tokens.lookup(rootToken),
        'the root token is known to the new active node',
      )
    })
  })

  it('a standby follows a rekey made on the active node: it becomes active on step-down, and the new share unseals', async () => {
    const { nodes, share } = await cluster()
    const first = await firstActive(nodes)
    const started = await first.rekey.start({
      secretShares: 1,
      secretThreshold: 1,
      pgpKeys: [],
      backup: false,
      requireVerification: false,
    })
    const done = await first.rekey.update(share, started.nonce)
    assert.ok('keys' in done)
    const newShare = Buffer.from(done.keys[0]!, 'hex')
    const others = nodes.filter((core) => core !== first)
    // Either one of the others takes over, or both leave (sealed, their held key useless): whichever comes first.
    const outcome = Promise.race([
      Promise.race(others.map((core) => reaches(core, 'active'))).then(() => 'taken over'),
      Promise.all(others.map((core) => reaches(core, 'stopped'))).then(() => 'both left'),
    ])
    await first.ha!.stepDown()
    assert.equal(await outcome, 'taken over')
    const second = await firstActive(nodes)
    assert.notEqual(second, first)
    assert.equal(second.sealed, false)
    for (const core of others) assert.equal(core.sealed, false, 'no standby sealed itself')
    // The old share no longer opens the barrier; the new one does, on any node.
    await first.sealVault()
    await assert.rejects(first.unseal(share), { status: 400 })
    assert.equal(await first.unseal(newShare), true)
  })

  it('drops cached values when it becomes active again, and follows a keyring rotated elsewhere', async () => {
    const { nodes, makeActive } = await cluster()
    const [a, b] = nodes as [Core, Core, Core]
    await makeActive(a)
    await a.barrier.put('test/value', new TextEncoder().encode('one'))
    assert.equal(new TextDecoder().decode(await a.barrier.get('test/value')), 'one') // now cached on a
    await makeActive(b)
    await b.barrier.rotate()
    await b.barrier.put('test/value', new TextEncoder().encode('two'))
    await makeActive(a)
    assert.equal(new TextDecoder().decode(await a.barrier.get('test/value')), 'two')
    assert.equal(a.barrier.keyStatus().term, 2)
  })

  it('sealing the active node releases the lock to a standby', async () => {
    const { nodes } = await cluster()
    const first = await firstActive(nodes)
    const others = nodes.filter((core) => core !== first)
    const next = Promise.race(others.map((core) => reaches(core, 'active')))
    await first.sealVault()
    assert.equal(first.sealed, true)
    assert.equal(first.standby, false)
    await next
    assert.equal(nodes.filter((core) => core.ha!.isActive()).length, 1)
  })

  it('a node cut off from the storage stops being active before another takes over, and rejoins as standby', async () => {
    let partitioned = false
    const { nodes, makeActive } = await cluster((backend, index) =>
      index === 0 ? partitionable(backend, () => partitioned) : backend,
    )
    const [a, ...others] = nodes as [Core, ...Core[]]
    await makeActive(a)
    await neverTwoActive(nodes, async () => {
      const successor = Promise.race(others.map((core) => reaches(core, 'active')))
      partitioned = true
      await reaches(a, 'standby')
      assert.equal(a.standby, true)
      await a.ha!.settled()
      assert.throws(() => a.services, /sealed/i, 'the cut-off node tore its active services down')
      await successor
      partitioned = false
      // a competes again but the lock is held: one active node, and it is not a.
      const active = await firstActive(nodes)
      assert.notEqual(active, a)
    })
  })
})
