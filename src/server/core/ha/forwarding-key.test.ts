// The forwarding key as two nodes on one storage see it: a standby that looked too early still finds it later.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Barrier } from '../../barrier/barrier.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { FORWARDING_KEY_PATH, ForwardingKey } from './forwarding-key.ts'

async function twoNodes() {
  const physical = new MemoryStorage()
  const key = randomBytes(32)
  const active = new Barrier(physical)
  await active.initialize(key)
  await active.unseal(key)
  const standby = new Barrier(physical)
  await standby.unseal(key)
  return { active, standby }
}

describe('forwarding key across nodes', () => {
  it('a standby that asked before the active node wrote the key finds it afterwards', async () => {
    const { active, standby } = await twoNodes()
    const onStandby = new ForwardingKey(standby)
    // The standby's barrier now also remembers the key as absent in its read cache.
    assert.equal(await standby.get(FORWARDING_KEY_PATH), undefined)
    assert.equal(await onStandby.get(false), undefined, 'a standby never creates it')
    const created = await new ForwardingKey(active).get(true)
    assert.equal(created?.length, 32)
    assert.equal(await standby.get(FORWARDING_KEY_PATH), undefined, "the standby's cache is stale")
    assert.deepEqual(await onStandby.get(false), created, 'but the key is read past it')
  })

  it('getFresh reads past a stale cached value and does not fill the cache', async () => {
    const { active, standby } = await twoNodes()
    await active.put('app/x', Buffer.from('one'))
    assert.equal(Buffer.from((await standby.get('app/x'))!).toString(), 'one')
    await active.put('app/x', Buffer.from('two'))
    assert.equal(Buffer.from((await standby.getFresh('app/x'))!).toString(), 'two')
    assert.equal(
      Buffer.from((await standby.get('app/x'))!).toString(),
      'one',
      'getFresh left the cache alone',
    )
  })
})
