// Test support for the event bus: a bus on a fixed clock and an event built as the bus would publish it.
import { EventBus } from './event-bus.ts'
import type { PublishedEvent } from './published-event.ts'

export const KV_ORIGIN = {
  mountClass: 'secret' as const,
  mountAccessor: 'kv_1234',
  mountPath: 'secret/',
  plugin: 'kv',
}

export function testBus(errors: unknown[] = []): EventBus {
  return new EventBus({
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    onListenerError: (e) => errors.push(e),
  })
}

/** A kv-v2 event for data/<key>, published on a throwaway bus. */
export function kvEvent(key: string, type = 'kv-v2/data-write', operation = 'data-write'): PublishedEvent {
  return testBus().publishFrom(KV_ORIGIN, {
    type,
    path: `data/${key}`,
    metadata: { operation, modified: 'true' },
  })
}
