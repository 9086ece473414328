// Tests for the per-key async mutex.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyLocks } from './key-locks.ts'

describe('KeyLocks', () => {
  it('runs holders of one key one at a time, in arrival order', async () => {
    const locks = new KeyLocks()
    const events: string[] = []
    const job = (name: string) =>
      locks.run('k', async () => {
        events.push(`${name} start`)
        await new Promise((resolve) => setImmediate(resolve))
        events.push(`${name} end`)
        return name
      })
    const results = await Promise.all([job('a'), job('b'), job('c')])
    assert.deepEqual(results, ['a', 'b', 'c'])
    assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end'])
    assert.equal(locks.size, 0)
  })

  it('lets different keys overlap', async () => {
    const locks = new KeyLocks()
    const events: string[] = []
    let releaseA: () => void = () => {}
    const a = locks.run('a', async () => {
      events.push('a start')
      await new Promise<void>((resolve) => {
        releaseA = resolve
      })
      events.push('a end')
    })
    await locks.run('b', async () => {
      events.push('b ran')
    })
    releaseA()
    await a
    assert.deepEqual(events, ['a start', 'b ran', 'a end'])
  })

  it('releases the key when a holder throws', async () => {
    const locks = new KeyLocks()
    await assert.rejects(
      locks.run('k', async () => {
        throw new Error('boom')
      }),
      /boom/,
    )
    assert.equal(await locks.run('k', async () => 'next'), 'next')
    assert.equal(locks.size, 0)
  })

  it('serialises read-modify-write so no update is lost', async () => {
    const locks = new KeyLocks()
    let counter = 0
    await Promise.all(
      Array.from({ length: 50 }, () =>
        locks.run('k', async () => {
          const seen = counter
          await new Promise((resolve) => setImmediate(resolve))
          counter = seen + 1
        }),
      ),
    )
    assert.equal(counter, 50)
  })
})
