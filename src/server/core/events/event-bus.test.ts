// Tests for the event bus: full paths and plugin_info, Vault's CloudEvents shape, order, and isolation of listeners.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { PublishedEvent } from './published-event.ts'
import { KV_ORIGIN, testBus } from './test-helpers.ts'

describe('EventBus', () => {
  it('publishes a backend event with full paths and Vault envelope', () => {
    const bus = testBus()
    const seen: PublishedEvent[] = []
    bus.subscribe((e) => seen.push(e))
    const event = bus.publishFrom(KV_ORIGIN, {
      type: 'kv-v2/metadata-write',
      path: 'metadata/app',
      dataPath: 'data/app',
      metadata: { operation: 'metadata-write', modified: 'true' },
    })
    assert.deepEqual(seen, [event])
    assert.equal(event.dataPath, 'secret/data/app')
    const wire = JSON.parse(event.json)
    assert.deepEqual(wire, {
      id: event.id,
      source: wire.source,
      specversion: '1.0',
      type: 'kv-v2/metadata-write',
      datacontenttype: 'application/cloudevents',
      datacontentype: 'application/cloudevents',
      time: '2026-01-02T03:04:05.678000000Z',
      data: {
        event: {
          id: event.id,
          metadata: {
            operation: 'metadata-write',
            modified: 'true',
            path: 'secret/metadata/app',
            data_path: 'secret/data/app',
          },
        },
        event_type: 'kv-v2/metadata-write',
        plugin_info: {
          mount_class: 'secret',
          mount_accessor: 'kv_1234',
          mount_path: 'secret/',
          plugin: 'kv',
        },
      },
    })
    assert.match(wire.source, /^vault:\/\//)
  })

  it('delivers in publication order to every listener, past one that throws, and stops after unsubscribe', () => {
    const errors: unknown[] = []
    const bus = testBus(errors)
    const seen: string[] = []
    bus.subscribe(() => {
      throw new Error('broken listener')
    })
    const stop = bus.subscribe((e) => seen.push(e.metadata['path'] ?? ''))
    for (const key of ['a', 'b', 'c']) bus.publishFrom(KV_ORIGIN, { type: 'kv-v1/write', path: key })
    stop()
    bus.publishFrom(KV_ORIGIN, { type: 'kv-v1/write', path: 'd' })
    assert.deepEqual(seen, ['secret/a', 'secret/b', 'secret/c'])
    assert.equal(errors.length, 4)
    assert.equal(bus.subscriberCount, 1)
  })

  it('gives every event its own id and freezes it', () => {
    const bus = testBus()
    const a = bus.publishFrom(KV_ORIGIN, { type: 'kv-v1/write', path: 'x' })
    const b = bus.publishFrom(KV_ORIGIN, { type: 'kv-v1/write', path: 'x' })
    assert.notEqual(a.id, b.id)
    assert.equal(Object.isFrozen(a), true)
    assert.equal(Object.isFrozen(a.metadata), true)
  })
})
