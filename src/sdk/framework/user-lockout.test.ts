// User lockout: counting failures, locking at the threshold, listing locks by alias across restarts, unlocking.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { Storage } from '../storage.ts'
import { UserLockout } from './user-lockout.ts'

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
