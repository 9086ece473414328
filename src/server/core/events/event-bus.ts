// The event bus: core publishes each change once it is durable; subscribers (WebSockets, sinks) get it in order.
import { uuid } from '../../../lib/random.ts'
import type { BackendEvent } from '../../../sdk/events.ts'
import { eventEnvelope, type PluginInfo, type PublishedEvent } from './published-event.ts'

/** Receives every published event, synchronously and in publication order; it must not block or throw. */
export type EventListener = (event: PublishedEvent) => void

/** Where a backend's event came from: the mount as it is now. */
export interface EventOrigin extends PluginInfo {}

export class EventBus {
  readonly #listeners = new Set<EventListener>()
  readonly #now: () => number
  readonly #onListenerError: (error: unknown) => void

  constructor(opts: { now: () => number; onListenerError: (error: unknown) => void }) {
    this.#now = opts.now
    this.#onListenerError = opts.onListenerError
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get subscriberCount(): number {
    return this.#listeners.size
  }

  /**
   * Publish a backend's event from the mount it came from: paths are made full by prefixing the mount path.
   * Called only once the change is stored (after a successful request, or by the backend after its write).
   */
  publishFrom(origin: EventOrigin, event: BackendEvent): PublishedEvent {
    const path = origin.mountPath + event.path
    const dataPath = origin.mountPath + (event.dataPath ?? event.path)
    return this.publish({
      type: event.type,
      metadata: { ...event.metadata, path, data_path: dataPath },
      dataPath,
      pluginInfo: { ...origin },
    })
  }

  /** Publish an event core itself made (a lease revoked); `metadata` must hold `path` and `data_path`. */
  publish(input: Omit<PublishedEvent, 'id' | 'time' | 'json'>): PublishedEvent {
    const base = { ...input, id: uuid(), time: this.#now(), metadata: Object.freeze({ ...input.metadata }) }
    const event: PublishedEvent = Object.freeze({ ...base, json: JSON.stringify(eventEnvelope(base)) })
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (error) {
        // One broken listener must not keep the event from the others, nor fail the request that made it.
        this.#onListenerError(error)
      }
    }
    return event
  }
}
