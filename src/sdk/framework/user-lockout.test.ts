// User lockout: counting failures, locking at the threshold, listing locks by alias across restarts, unlocking.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Storage } from '../storage.ts'
import { LockedOutError, UserLockout } from './user-lockout.ts'

/** A plain Map behind the Storage contract: enough for the lockout's get/put/delete/list of one folder. */
function mapStorage(): Storage & { keys(): string[] } {
  const data = new Map<string, Uint8Array>()
  return {
    keys: () => [...data.keys()].sort(),
    get: async (key) => data.get(key),
    put: async (key, value) => void data.set(key, value),
    delete: async (key) => void data.delete(key),
    list: async (prefix) =>
      [...data.keys()]
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length))
        .sort(),
    batch: async (ops) => {
      for (const op of ops) op.op === 'put' ? data.set(op.key, op.value) : data.delete(op.key)
    },
  }
}

const config = { threshold: 2, duration: 600, counterReset: 300, disable: false }

it('locks at the threshold, lists the lock by alias after a restart, and unlocks it', async () => {
  const storage = mapStorage()
  const lockout = new UserLockout(storage)
  await lockout.recordFailure('hmac-of-alice', config, 1_000, 'alice')
  assert.equal(await lockout.isLocked('hmac-of-alice', config, 1_001), false)
  await lockout.recordFailure('hmac-of-alice', config, 2_000, 'alice')
  assert.equal(await lockout.isLocked('hmac-of-alice', config, 2_001), true)
  // The record's key is the opaque identity; the alias is only inside the (barrier-encrypted) value.
  assert.deepEqual(storage.keys(), ['lockout/hmac-of-alice'])

  const restarted = new UserLockout(storage)
  assert.deepEqual(await restarted.lockedAliases(config, 3_000), ['alice'])
  assert.deepEqual(await restarted.lockedAliases({ ...config, disable: true }, 3_000), [])
  // A lock past its duration is no longer listed.
  assert.deepEqual(await restarted.lockedAliases(config, 2_000 + 600_000), [])

  assert.equal(await restarted.unlock('hmac-of-alice'), true)
  assert.equal(await restarted.isLocked('hmac-of-alice', config, 3_001), false)
  assert.deepEqual(storage.keys(), [])
  assert.equal(await restarted.unlock('hmac-of-alice'), false)
  // After the unlock, a single new failure stays under the threshold.
  await restarted.recordFailure('hmac-of-alice', config, 4_000, 'alice')
  assert.equal(await restarted.isLocked('hmac-of-alice', config, 4_001), false)
})

/** A promise with its settle functions, to hold an attempt's check open. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Lets queued promise callbacks and timers-free continuations run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

class Wrong extends Error {}

describe('UserLockout.attempt', () => {
  const gated = (lockout: UserLockout, identity: string, started: Array<ReturnType<typeof deferred>>) =>
    lockout.attempt({
      identity,
      alias: identity,
      config,
      now: () => 1_000,
      isWrongCredential: (error) => error instanceof Wrong,
      run: () => {
        const check = deferred<unknown>()
        started.push(check)
        return check.promise
      },
    })

  it('evaluates at most the threshold of concurrent guesses, then refuses the rest as locked', async () => {
    const lockout = new UserLockout(mapStorage())
    const started: Array<ReturnType<typeof deferred>> = []
    const answers = Array.from({ length: 10 }, () =>
      gated(lockout, 'id', started).then(
        () => 'ok',
        (error: Error) => (error instanceof LockedOutError ? 'locked' : 'wrong'),
      ),
    )
    await settle()
    assert.equal(started.length, config.threshold, 'only threshold checks run at once')
    for (const check of started) check.reject(new Wrong())
    assert.deepEqual(
      (await Promise.all(answers)).sort(),
      [...Array(2).fill('wrong'), ...Array(8).fill('locked')].sort(),
    )
    assert.equal(started.length, 2, 'no guess was checked after the lock')
  })

  it('lets other identities through while one is full, and runs every success for a shared identity', async () => {
    const lockout = new UserLockout(mapStorage())
    const held: Array<ReturnType<typeof deferred>> = []
    const alice = Array.from({ length: 4 }, () => gated(lockout, 'alice', held))
    await settle()
    const bobChecks: Array<ReturnType<typeof deferred>> = []
    const bob = gated(lockout, 'bob', bobChecks)
    await settle()
    assert.equal(bobChecks.length, 1, 'bob is not queued behind alice')
    bobChecks[0]!.resolve('bob in')
    assert.equal(await bob, 'bob in')
    // Successes free their slots: all of alice's logins run in the end, two at a time.
    while (held.length > 0) {
      const next = held.shift()!
      next.resolve('in')
      await settle()
    }
    assert.deepEqual(await Promise.all(alice), ['in', 'in', 'in', 'in'])
  })
})
