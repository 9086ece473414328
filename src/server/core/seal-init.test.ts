// SealManager.initialize: the keyring and the seal configuration land in one physical batch, or neither does.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { StorageOp } from '../../sdk/storage.ts'
import { Barrier, KEYRING_PATH, SEAL_CONFIG_PATH } from '../barrier/barrier.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { SealManager } from './seal-manager.ts'

/** Memory storage that records each batch's keys and, when told, fails the first write of the seal configuration. */
class WatchedStorage extends MemoryStorage {
  readonly batches: string[][] = []
  failSealConfig = false

  #fail(keys: string[]): void {
    if (!this.failSealConfig || !keys.includes(SEAL_CONFIG_PATH)) return
    this.failSealConfig = false
    throw new Error('disk gone')
  }

  override async batch(ops: StorageOp[]): Promise<void> {
    const keys = ops.map((op) => op.key)
    this.#fail(keys)
    this.batches.push(keys)
    return super.batch(ops)
  }

  override async put(key: string, value: Uint8Array): Promise<void> {
    this.#fail([key])
    return super.put(key, value)
  }
}

it('writes the keyring and the seal configuration in one batch', async () => {
  const physical = new WatchedStorage()
  const seal = new SealManager(physical, new Barrier(physical))
  await seal.initialize(3, 2)
  const withKeyring = physical.batches.filter((keys) => keys.includes(KEYRING_PATH))
  assert.equal(withKeyring.length, 1)
  assert.ok(withKeyring[0]!.includes(SEAL_CONFIG_PATH), JSON.stringify(physical.batches))
})

it('a failed write leaves nothing behind, so initialising again works', async () => {
  const physical = new WatchedStorage()
  // The seal configuration's write fails: before, the keyring had already been written alone.
  physical.failSealConfig = true
  await assert.rejects(new SealManager(physical, new Barrier(physical)).initialize(1, 1), /disk gone/)
  assert.equal(await physical.get(KEYRING_PATH), undefined)
  assert.equal(await physical.get(SEAL_CONFIG_PATH), undefined)
  // A fresh process on the same storage (as after a crash) can initialise it.
  const again = new SealManager(physical, new Barrier(physical))
  const shares = await again.initialize(1, 1)
  assert.equal(shares.length, 1)
  assert.deepEqual(again.config, { type: 'shamir', secretShares: 1, secretThreshold: 1 })
})
