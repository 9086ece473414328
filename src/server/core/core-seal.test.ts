// The core's unseal and seal against each other: concurrent shares and a seal racing the last share.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { Core } from './core.ts'
import { memoryCore } from './pipeline/test-helpers.ts'

async function sealedCore(shares: number, threshold: number): Promise<{ core: Core; keys: Buffer[] }> {
  const core = memoryCore()
  await core.start()
  const init = await core.initialize(shares, threshold)
  return { core, keys: init.shares.map((share) => Buffer.from(share)) }
}

describe('core unseal and seal', () => {
  let core: Core | undefined
  afterEach(() => core?.close())

  it('counts concurrent shares once: the threshold unseals, later shares see it unsealed, no progress is left', async () => {
    const made = await sealedCore(5, 2)
    core = made.core
    const c = core
    const results = await Promise.all(made.keys.map((key) => c.unseal(key)))
    assert.deepEqual(results, [false, true, true, true, true])
    assert.equal(c.sealed, false)
    assert.equal(c.seal.progress, 0)
    assert.equal(c.seal.nonce, '')
  })

  it('a seal racing the final share leaves the core sealed with no services running', async () => {
    const made = await sealedCore(3, 2)
    core = made.core
    const c = core
    assert.equal(await c.unseal(made.keys[0]!), false)
    await Promise.all([c.unseal(made.keys[1]!), c.sealVault()])
    assert.equal(c.sealed, true)
    assert.throws(() => c.services, /sealed/i)
    // And it unseals normally afterwards.
    assert.equal(await c.unseal(made.keys[2]!), false)
    assert.equal(await c.unseal(made.keys[0]!), true)
    assert.equal(c.sealed, false)
  })

  it('refuses a truncated or over-long share with a 400 before it takes a place in the progress', async () => {
    const made = await sealedCore(3, 2)
    core = made.core
    const c = core
    assert.equal(await c.unseal(made.keys[0]!), false)
    const nonce = c.seal.nonce
    await assert.rejects(c.unseal(made.keys[1]!.subarray(0, 10)), {
      status: 400,
      message: 'key is shorter than minimum 16 bytes',
    })
    await assert.rejects(c.unseal(Buffer.alloc(5000, 0xab)), {
      status: 400,
      message: 'key is longer than maximum 33 bytes',
    })
    assert.equal(c.seal.progress, 1)
    assert.equal(c.seal.nonce, nonce)
    assert.equal(await c.unseal(made.keys[1]!), true)
  })

  it('an unseal arriving while init still holds the barrier open waits for init, and a wrong key stays wrong', async () => {
    const c = memoryCore()
    core = c
    await c.start()
    let initDone = false
    const init = c.initialize(1, 1).finally(() => {
      initDone = true
    })
    // Init stores the seal configuration, then builds the services and writes the root token with the barrier open
    // (on memory storage all of it in microtasks, so this yields one microtask at a time).
    while (!c.initialized && !initDone) await Promise.resolve()
    assert.equal(initDone, false, 'the unseal must arrive while init is under way')
    const wrong = c.unseal(Buffer.alloc(32, 7))
    const { shares } = await init
    await assert.rejects(wrong, { status: 400 })
    assert.equal(c.sealed, true)
    assert.throws(() => c.services, /sealed/i)
    assert.equal(await c.unseal(Buffer.from(shares[0]!)), true)
  })

  it('a seal asked for while a snapshot restore runs stands: the restore does not unseal again after it', async () => {
    const made = await sealedCore(1, 1)
    core = made.core
    const c = core
    assert.equal(await c.unseal(made.keys[0]!), true)
    const snapshot = await c.saveSnapshot()
    await c.settleRestore(
      (async () => {
        const restoring = c.restoreSnapshot(snapshot, false)
        await c.sealVault()
        return restoring
      })(),
    )
    assert.equal(c.sealed, true)
    assert.throws(() => c.services, /sealed/i)
    assert.equal(await c.unseal(made.keys[0]!), true)
  })
})
