// The standby reader in process: a read waits for a sync that began after it arrived; what each change drops.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { silentLogger } from '../../../lib/logger.ts'
import type { ChangesSince } from '../../physical/ha.ts'
import type { UnsealedServices } from '../services.ts'
import { StandbyReader } from './standby-reader.ts'

/** A change log the test answers by hand, and services that record what they were told to forget. */
function harness() {
  const events: string[] = []
  const pending: { since: number; resolve: (answer: ChangesSince) => void }[] = []
  let head = 0
  let builds = 0
  const services = () =>
    ({
      tokens: { forgetCached: () => events.push('tokens forgotten') },
      policies: { forgetPolicy: (name: string) => events.push(`policy ${name} forgotten`) },
      identity: { load: async () => void events.push('identity reloaded') },
    }) as unknown as UnsealedServices
  const reader = new StandbyReader({
    feed: {
      since: (since) => {
        // The head query at start is answered at once.
        if (since === Number.MAX_SAFE_INTEGER) return Promise.resolve({ head, keys: [] })
        return new Promise((resolve) => pending.push({ since, resolve }))
      },
    },
    invalidate: (keys) => events.push(`invalidate ${keys === 'all' ? 'all' : keys.join(',')}`),
    reloadKeys: async () => void events.push('keys reloaded'),
    build: async () => {
      builds++
      return services()
    },
    teardown: async () => void events.push('torn down'),
    logger: silentLogger,
  })
  return {
    reader,
    events,
    pending,
    builds: () => builds,
    setHead: (value: number) => {
      head = value
    },
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('standby reader', () => {
  it('makes a read that arrives during a sync wait for the next one; reads arriving together share one', async () => {
    const h = harness()
    h.setHead(5)
    await h.reader.start()
    const first = h.reader.sync()
    await tick()
    assert.equal(h.pending.length, 1, 'one query for the first read')
    assert.equal(h.pending[0]!.since, 5)
    // Two more reads arrive while that query is out: it may have been answered before they arrived.
    let laterDone = 0
    const later = [h.reader.sync(), h.reader.sync()].map((p) => p.then(() => laterDone++))
    h.pending.shift()!.resolve({ head: 6, keys: ['logical/a/x'] })
    await first
    await tick()
    assert.equal(laterDone, 0, 'the later reads still wait')
    assert.equal(h.pending.length, 1, 'and share one new query')
    assert.equal(h.pending[0]!.since, 6)
    h.pending.shift()!.resolve({ head: 6, keys: [] })
    await Promise.all(later)
    assert.equal(laterDone, 2)
    assert.deepEqual(h.events, ['invalidate all', 'invalidate logical/a/x'])
  })

  it('drops exactly what changed: token entries, one policy, groups; rebuilds for mounts; reloads keys first for the keyring', async () => {
    const h = harness()
    await h.reader.start()
    const answer = async (answerWith: ChangesSince) => {
      const done = h.reader.sync()
      await tick()
      h.pending.shift()!.resolve(answerWith)
      await done
    }
    h.events.length = 0
    await answer({ head: 1, keys: ['sys/token/id/abc', 'sys/policy/readers', 'sys/identity/group/g1'] })
    assert.deepEqual(h.events, [
      'invalidate sys/token/id/abc,sys/policy/readers,sys/identity/group/g1',
      'tokens forgotten',
      'policy readers forgotten',
      'identity reloaded',
    ])
    h.events.length = 0
    const builds = h.builds()
    await answer({ head: 2, keys: ['core/mounts'] })
    assert.deepEqual(h.events, ['invalidate core/mounts', 'torn down'])
    assert.equal(h.builds(), builds + 1, 'rebuilt for a mount table change')
    h.events.length = 0
    // sys/config/cors lives under core/ so a standby answering requests itself applies the active node's settings.
    await answer({ head: 2, keys: ['core/cors-config'] })
    assert.deepEqual(h.events, ['invalidate core/cors-config', 'torn down'])
    assert.equal(h.builds(), builds + 2, 'rebuilt for a CORS settings change')
    h.events.length = 0
    // So do the audited request headers: the reads a standby answers itself record what the active node was told to.
    await answer({ head: 2, keys: ['core/audited-headers/config'] })
    assert.deepEqual(h.events, ['invalidate core/audited-headers/config', 'torn down'])
    assert.equal(h.builds(), builds + 3, 'rebuilt for an audited headers change')
    h.events.length = 0
    await answer({ head: 3, keys: ['core/keyring'] })
    assert.deepEqual(h.events, ['invalidate core/keyring', 'torn down', 'keys reloaded'])
    h.events.length = 0
    await answer({ head: 4, keys: ['core/cluster-identity'] })
    assert.deepEqual(h.events, ['invalidate core/cluster-identity'], 'stable core keys need no rebuild')
    h.events.length = 0
    await answer({ head: 9, keys: 'all' })
    assert.deepEqual(h.events, ['invalidate all', 'torn down', 'keys reloaded'])
  })

  it('throws away services built after it was stopped, and serves nothing once stopped', async () => {
    const h = harness()
    const starting = h.reader.start()
    await h.reader.stop()
    await starting
    assert.equal(h.reader.services, undefined)
    assert.ok(h.events.includes('torn down'), 'the late build was torn down')
  })
})
