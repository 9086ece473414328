// Test gates: hold one operation at a known point, track promises, and let due work run, with no wall clock.
import type { Storage } from '../../src/sdk/storage.ts'
import { Barrier } from '../../src/server/barrier/barrier.ts'

/** A promise the test settles itself. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void
  const promise = new Promise<void>((resolve) => {
    fire = resolve
  })
  return { promise, fire }
}

/** A checkpoint in code under test: `reached` resolves when the code gets there, which then waits for `release`. */
export function gate(): { reached: Promise<void>; release: () => void; pass: () => Promise<void> } {
  const arrived = signal()
  const released = signal()
  return {
    reached: arrived.promise,
    release: released.fire,
    pass: () => {
      arrived.fire()
      return released.promise
    },
  }
}

/** Follows a promise without awaiting it, so a test can check it is still pending. */
export function track(promise: Promise<void>): {
  promise: Promise<void>
  state: 'pending' | 'resolved' | 'rejected'
} {
  const tracked = { promise, state: 'pending' as 'pending' | 'resolved' | 'rejected' }
  promise.then(
    () => {
      tracked.state = 'resolved'
    },
    () => {
      tracked.state = 'rejected'
    },
  )
  return tracked
}

/** A few turns of the event loop (setImmediate is not mocked), so anything already due has run. */
export async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** `storage` whose next put of `key` after `arm()` waits at a gate. */
export function holdNextPut(storage: Storage, key: string) {
  const checkpoint = gate()
  let armed = false
  const held: Storage = {
    ...storage,
    put: async (k, value) => {
      if (armed && k === key) {
        armed = false
        await checkpoint.pass()
      }
      return storage.put(k, value)
    },
  }
  return {
    storage: held,
    arm: () => {
      armed = true
    },
    reached: checkpoint.reached,
    release: checkpoint.release,
  }
}

/** A barrier whose unseal-key checks wait at a gate (the step where a key ceremony finishes). */
export function barrierHeldAtKeyCheck(physical: Storage) {
  const checkpoint = gate()
  class HeldBarrier extends Barrier {
    override async verifyUnsealKey(candidate: Uint8Array): Promise<void> {
      await checkpoint.pass()
      return super.verifyUnsealKey(candidate)
    }
  }
  return { barrier: new HeldBarrier(physical), reached: checkpoint.reached, release: checkpoint.release }
}
