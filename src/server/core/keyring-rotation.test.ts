// Automatic keyring rotation: when a term is due, Vault's bounds on the settings, one rotation per due term.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { silentLogger } from '../../lib/logger.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson } from '../../sdk/storage.ts'
import { MemoryStorage } from '../physical/memory.ts'
import {
  changedRotationConfig,
  DEFAULT_MAX_OPERATIONS,
  DEFAULT_ROTATION_CONFIG,
  KeyringRotation,
  rotationDue,
  USAGE_KEY,
  USAGE_SAVE_INTERVAL_MS,
} from './keyring-rotation.ts'

const DAY_MS = 86_400_000

describe('rotationDue', () => {
  const config = { enabled: true, maxOperations: 1_000_000, intervalSeconds: 86_400 }
  it('is due at max_operations encryptions, or once the term is interval old; never when disabled', () => {
    assert.equal(rotationDue(config, { installTime: 0, encryptions: 999_999 }, DAY_MS - 1), false)
    assert.equal(rotationDue(config, { installTime: 0, encryptions: 1_000_000 }, 0), true)
    assert.equal(rotationDue(config, { installTime: 0, encryptions: 0 }, DAY_MS), true)
    assert.equal(
      rotationDue({ ...config, intervalSeconds: 0 }, { installTime: 0, encryptions: 0 }, 100 * DAY_MS),
      false,
    )
    assert.equal(
      rotationDue({ ...config, enabled: false }, { installTime: 0, encryptions: 5_000_000 }, 9 * DAY_MS),
      false,
    )
  })
})

describe('changedRotationConfig', () => {
  it("refuses values out of Vault's bounds with a 400 naming them", () => {
    for (const [changes, message] of [
      [{ maxOperations: 999_999 }, /max_operations must be between 1000000 and 3865470566, got 999999/],
      [{ maxOperations: DEFAULT_MAX_OPERATIONS + 1 }, /max_operations/],
      [{ intervalSeconds: 3600 }, /interval must be 0 or at least 24h, got 3600s/],
    ] as const)
      assert.throws(
        () => changedRotationConfig(DEFAULT_ROTATION_CONFIG, changes),
        (error: unknown) => {
          assert.ok(error instanceof InvalidRequestError)
          assert.match(error.message, message)
          return true
        },
      )
    assert.deepEqual(changedRotationConfig(DEFAULT_ROTATION_CONFIG, { intervalSeconds: 0, enabled: false }), {
      enabled: false,
      maxOperations: DEFAULT_MAX_OPERATIONS,
      intervalSeconds: 0,
    })
  })
})

describe('KeyringRotation', () => {
  /** `held`: each rotation waits until the test releases it. */
  function harness(held = false) {
    let now = 0
    let status = { term: 1, installTime: 0, encryptions: 0 }
    let rotations = 0
    let release: (() => void) | undefined
    const barrier = {
      keyStatus: () => status,
      rotate: async () => {
        rotations++
        if (held) await new Promise<void>((resolve) => (release = resolve))
        status = { term: status.term + 1, installTime: now, encryptions: 0 }
        return status
      },
    }
    const storage = new MemoryStorage()
    const rotation = new KeyringRotation({ storage, barrier, now: () => now, logger: silentLogger })
    return {
      rotation,
      storage,
      rotations: () => rotations,
      setNow: (ms: number) => {
        now = ms
      },
      encrypt: (n: number) => {
        status = { ...status, encryptions: status.encryptions + n }
      },
      release: () => release?.(),
      term: () => status.term,
      /** The barrier starting over at 0, as after a restart or unseal. */
      restartBarrier: () => {
        status = { ...status, encryptions: 0 }
      },
      barrier,
    }
  }

  it('rotates once per due term, even when checks overlap', async () => {
    const h = harness(true)
    await h.rotation.update({ maxOperations: 1_000_000 })
    assert.equal(await h.rotation.check(), false)
    h.encrypt(1_000_000)
    const first = h.rotation.check()
    const second = await h.rotation.check()
    assert.equal(second, false, 'a check during a rotation does nothing')
    h.release()
    assert.equal(await first, true)
    assert.equal(h.rotations(), 1)
    assert.equal(h.term(), 2)
    assert.equal(await h.rotation.check(), false, 'the new term starts with no encryptions')
  })

  it('rotates by age, and not at all when disabled; the settings survive a reload from storage', async () => {
    const h = harness()
    await h.rotation.update({ intervalSeconds: 86_400, enabled: false })
    h.setNow(2 * DAY_MS)
    assert.equal(await h.rotation.check(), false)
    await h.rotation.update({ enabled: true })
    const again = new KeyringRotation({
      storage: h.storage,
      barrier: {
        keyStatus: () => ({ term: 1, installTime: 0, encryptions: 0 }),
        rotate: async () => assert.fail(),
      },
      now: () => 0,
      logger: silentLogger,
    })
    await again.load()
    assert.deepEqual(again.config, {
      enabled: true,
      maxOperations: DEFAULT_MAX_OPERATIONS,
      intervalSeconds: 86_400,
    })
    assert.equal(await h.rotation.check(), true)
    assert.equal(h.term(), 2)
  })

  it('counts across restarts: stored every minute and when stopping, added to the next run, reset by a new term', async () => {
    const h = harness()
    await h.rotation.load()
    await h.rotation.update({ maxOperations: 1_000_000 })
    h.encrypt(400_000)
    assert.equal(await h.rotation.check(), false)
    assert.equal(await getJson(h.storage, USAGE_KEY), undefined, 'not stored before a minute has passed')
    h.setNow(USAGE_SAVE_INTERVAL_MS)
    await h.rotation.check()
    assert.deepEqual(await getJson(h.storage, USAGE_KEY), { term: 1, encryptions: 400_000 })
    h.encrypt(300_000)
    await h.rotation.flush()
    assert.deepEqual(await getJson(h.storage, USAGE_KEY), { term: 1, encryptions: 700_000 })

    // A new run: the barrier counts from 0 again, and the stored count is carried on.
    h.restartBarrier()
    const next = new KeyringRotation({
      storage: h.storage,
      barrier: h.barrier,
      now: () => 0,
      logger: silentLogger,
    })
    await next.load()
    assert.equal(next.encryptions(), 700_000)
    h.encrypt(299_999)
    assert.equal(await next.check(), false)
    h.encrypt(1)
    assert.equal(await next.check(), true)
    assert.equal(h.term(), 2)
    assert.equal(next.encryptions(), 0)
    assert.deepEqual(await getJson(h.storage, USAGE_KEY), { term: 2, encryptions: 0 })
  })

  it('a count stored for an older term is not carried over to the active one', async () => {
    const h = harness()
    await h.rotation.load()
    h.encrypt(10)
    await h.rotation.flush()
    await h.barrier.rotate()
    h.restartBarrier()
    const next = new KeyringRotation({
      storage: h.storage,
      barrier: h.barrier,
      now: () => 0,
      logger: silentLogger,
    })
    await next.load()
    assert.equal(next.encryptions(), 0)
  })

  it('a refused change leaves the settings in force and stored as they were', async () => {
    const h = harness()
    await h.rotation.update({ maxOperations: 2_000_000 })
    await assert.rejects(h.rotation.update({ intervalSeconds: 60 }), InvalidRequestError)
    assert.equal(h.rotation.config.maxOperations, 2_000_000)
    assert.equal(h.rotation.config.intervalSeconds, 0)
  })
})
