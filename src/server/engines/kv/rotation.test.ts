// KV v2 rotation in the engine, with a manual clock and a runner whose functions write through the engine itself:
// schedules, retries with backoff, exhausted attempts, a rotation due while the server was down, cancelling.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import type { KvRotationEvent } from '../../../sdk/rotation.ts'
import type { RotationNotice, RotationRunner, RotationTarget } from '../../../sdk/rotation-runner.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { kvBackend } from './backend.ts'
import type { KvState } from './kv-state.ts'
import { START } from './test-helpers.ts'

const DAY = 24 * 3600_000

interface Fixture {
  h: BackendHarness
  events: KvRotationEvent[]
  targets: RotationTarget[]
  notices: RotationNotice[]
  /** Whether the function fails; it writes the next version otherwise. */
  failing: { value: boolean }
}

async function fixture(storage: Storage = new MemoryStorage(), clock = { now: START }): Promise<Fixture> {
  const events: KvRotationEvent[] = []
  const targets: RotationTarget[] = []
  const notices: RotationNotice[] = []
  const failing = { value: false }
  let h: BackendHarness
  const runner: RotationRunner = {
    resolve: (name, kind) => (kind === 'kv' && name === 'writer' ? name : undefined),
    open: async (target) => {
      targets.push(target)
      return {
        step: async (step) => {
          const event = step as KvRotationEvent
          events.push(event)
          if (failing.value) throw new Error('the function failed')
          const current = await h.call('read', `data/${event.Path}`)
          const data = (current?.data?.['data'] ?? {}) as Record<string, unknown>
          await h.call('update', `data/${event.Path}`, {
            data: { ...data, [event.Field]: `rotated-${events.length}` },
            options: { cas: event.Version },
          })
        },
        close: async () => {},
      }
    },
  }
  h = await buildBackend(kvBackend, {
    storage,
    clock,
    mount: { path: 'secret/', type: 'kv', accessor: 'kv_0001', options: { version: '2' } },
    rotation: runner,
    rotationEvents: (notice) => notices.push(notice),
  })
  ;(h.instance.state as KvState).random = () => 0
  return { h, events, targets, notices, failing }
}

async function rotateDue(h: BackendHarness): Promise<void> {
  await h.periodic()
  await Promise.all((h.instance.state as KvState).rotations.values())
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
const status = async (h: BackendHarness, path: string): Promise<Record<string, any>> =>
  (await h.call('read', `rotation/${path}`))!.data!

describe('KV v2 rotation scheduling', () => {
  it('rotates when the window opens, from the version current then; plans the next window from the rotation', async () => {
    const { h, events, targets, notices } = await fixture()
    await h.call('update', 'data/app', { data: { user: 'u', password: 'p0' } })
    await h.call('update', 'rotation/app', {
      rotation_function: 'writer',
      automatically_after_days: 2,
      rotate_immediately: false,
    })
    assert.equal((await status(h, 'app'))['scheduled_rotation_date'], '2024-01-04T00:00:00.000000000Z')
    h.tick(DAY)
    await rotateDue(h)
    assert.equal(events.length, 0, 'not due yet')
    h.tick(DAY)
    await rotateDue(h)
    assert.equal(events.length, 1)
    assert.deepEqual(
      { ...events[0], ClientRequestToken: '' },
      {
        Step: 'rotateSecret',
        Mount: 'secret/',
        Path: 'app',
        Version: 1,
        ClientRequestToken: '',
        Field: 'password',
      },
    )
    assert.equal(targets[0]!.kind, 'kv')
    assert.equal(targets[0]!.secretName, 'app')
    const s = await status(h, 'app')
    assert.equal(s['rotation_status'].state, 'Idle')
    assert.equal(s['last_rotated_version'], 2)
    assert.equal(s['scheduled_rotation_date'], '2024-01-06T00:00:00.000000000Z')
    assert.deepEqual(
      notices.map((n) => n.kind),
      ['started', 'succeeded'],
    )
    assert.deepEqual(
      h.events.filter((e) => e.type.startsWith('kv-v2/rotation-')).map((e) => [e.type, e.dataPath]),
      [
        ['kv-v2/rotation-started', 'data/app'],
        ['kv-v2/rotation-succeeded', 'data/app'],
      ],
    )
    const data = (await h.call('read', 'data/app'))!.data!['data'] as Record<string, unknown>
    assert.deepEqual(data, { user: 'u', password: 'rotated-1' })
  })

  it('retries after 30 s, 1, 2 and 4 minutes with the same ID, then waits for the next window', async () => {
    const { h, events, failing, notices } = await fixture()
    failing.value = true
    await h.call('update', 'data/app', { data: { password: 'p0' } })
    await h.call('update', 'rotation/app', { rotation_function: 'writer', automatically_after_days: 1 })
    await rotateDue(h)
    const first = await status(h, 'app')
    assert.equal(first['rotation_status'].state, 'Retrying')
    assert.equal(first['rotation_status'].attempts, 1)
    assert.equal(first['rotation_status'].failure_message, 'the function failed')
    const id = first['rotation_status'].version_id
    for (const wait of [30_000, 60_000, 120_000, 240_000]) {
      h.tick(wait - 1)
      await rotateDue(h)
      const before = events.length
      h.tick(1)
      await rotateDue(h)
      assert.equal(events.length, before + 1, `attempt after ${wait} ms`)
    }
    const exhausted = await status(h, 'app')
    assert.equal(exhausted['rotation_status'].state, 'Failed')
    assert.equal(exhausted['rotation_status'].attempts, 5)
    assert.equal(exhausted['rotation_status'].next_attempt_date, undefined)
    assert.ok(events.every((e) => e.ClientRequestToken === id))
    const last = notices.at(-1)
    assert.ok(last?.kind === 'failed' && last.final, 'the last failure is final')
    // The next window reattempts the same rotation, and this time it works.
    failing.value = false
    h.tick(DAY)
    await rotateDue(h)
    const done = await status(h, 'app')
    assert.equal(done['rotation_status'].state, 'Idle')
    assert.equal(done['last_rotated_version'], 2)
    assert.equal(events.at(-1)!.ClientRequestToken, id)
  })

  it('a rotation that fell due while the server was down runs once when it is back', async () => {
    const storage = new MemoryStorage()
    const clock = { now: START }
    const first = await fixture(storage, clock)
    await first.h.call('update', 'data/app', { data: { password: 'p0' } })
    await first.h.call('update', 'rotation/app', {
      rotation_function: 'writer',
      automatically_after_days: 1,
      rotate_immediately: false,
    })
    await first.h.instance.cleanup()
    clock.now += 3 * DAY
    const second = await fixture(storage, clock)
    await rotateDue(second.h)
    await rotateDue(second.h)
    assert.equal(second.events.length, 1)
    assert.equal((await status(second.h, 'app'))['last_rotated_version'], 2)
  })

  it('a cancel drops the waiting retry and the schedule; LIST shows configured paths', async () => {
    const { h, events, failing } = await fixture()
    failing.value = true
    await h.call('update', 'data/a/b', { data: { password: 'p0' } })
    await h.call('update', 'rotation/a/b', { rotation_function: 'writer', automatically_after_days: 1 })
    await rotateDue(h)
    assert.deepEqual((await h.call('list', 'rotation/'))!.data!['keys'], ['a/b'])
    await h.call('delete', 'rotation/a/b')
    h.tick(2 * DAY)
    await rotateDue(h)
    assert.equal(events.length, 1)
    const s = await status(h, 'a/b')
    assert.equal(s['rotation_enabled'], false)
    assert.equal(s['scheduled_rotation_date'], undefined)
  })

  it('is not offered on KV v1 mounts', async () => {
    const h = await buildBackend(kvBackend, {
      storage: new MemoryStorage(),
      clock: { now: START },
      mount: { path: 'kv1/', type: 'kv', accessor: 'kv_0002', options: {} },
    })
    await h.call('update', 'rotation/app', { rotation_function: 'writer' })
    // On v1, rotation/app is an ordinary key.
    assert.deepEqual((await h.call('read', 'rotation/app'))!.data, { rotation_function: 'writer' })
  })
})
