// Tests for auto_rotate_period: the periodic hook rotates a key once its latest version is a period old, and only then.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { b64, dataOf, failure, makeTransit } from './test-helpers.ts'

const MINUTE = 60_000

async function latest(h: Awaited<ReturnType<typeof makeTransit>>, name: string): Promise<unknown> {
  return dataOf(await h.call('read', `keys/${name}`))['latest_version']
}

describe('transit auto_rotate_period', () => {
  it('rotates when the latest version is one period old, then again a period after that', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/auto', { auto_rotate_period: '1h' })
    await h.call('create', 'keys/manual')
    assert.equal(dataOf(await h.call('read', 'keys/auto'))['auto_rotate_period'], 3600)
    const before = dataOf(await h.call('update', 'encrypt/auto', { plaintext: b64('kept') }))['ciphertext']
    h.tick(59 * MINUTE)
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 1)
    h.tick(1 * MINUTE)
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 2)
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 2, 'one rotation per period')
    assert.equal(await latest(h, 'manual'), 1)
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/auto', { ciphertext: before })), {
      plaintext: b64('kept'),
    })
    h.tick(60 * MINUTE)
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 3)
  })

  it('a manual rotation or a config change moves the schedule', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/auto', { auto_rotate_period: '2h' })
    await h.periodic()
    h.tick(90 * MINUTE)
    await h.call('update', 'keys/auto/rotate')
    h.tick(60 * MINUTE)
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 2, 'two hours after the manual rotation, not after creation')
    await h.call('update', 'keys/auto/config', { auto_rotate_period: '1h' })
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 3)
    await h.call('update', 'keys/auto/config', { auto_rotate_period: 0 })
    h.tick(10 * 60 * MINUTE)
    await h.periodic()
    assert.equal(await latest(h, 'auto'), 3)
    assert.deepEqual(
      await failure(() => h.call('update', 'keys/auto/config', { auto_rotate_period: '30m' })),
      {
        status: 400,
        message: 'auto rotate period must be 0 to disable or at least an hour',
      },
    )
  })
})
