// Change events a backend reports (metadata only, never a secret value); core publishes them once the change is durable.

/**
 * One change, as a backend describes it. Paths are relative to the mount: core prefixes the mount's current path,
 * so an event names the secret where clients reach it even after a remount.
 */
export interface BackendEvent {
  /** Vault's event type: "<plugin>/<operation>", e.g. "kv-v2/data-write". */
  type: string
  /** The request path that made the change, relative to the mount (Vault's `path` metadata). */
  path: string
  /**
   * The path whose readers may learn of the change (Vault's `data_path`): a subscriber receives the event only if
   * its policies grant `subscribe` there. Defaults to `path`.
   */
  dataPath?: string
  /** More string metadata (`operation`, `modified`, `current_version`...). Never a secret value. */
  metadata?: Record<string, string>
}

/**
 * How a backend reports a change made outside a request (a periodic rotation, a background job): call `emit`
 * after the change is stored. A change made by a request is returned in its response's `events` instead, and core
 * publishes it only if the request succeeds.
 */
export interface EventEmitter {
  emit(event: BackendEvent): void
}

/** An emitter that drops everything: for backends built outside a running core (tests, tools). */
export const NO_EVENTS: EventEmitter = { emit: () => {} }
