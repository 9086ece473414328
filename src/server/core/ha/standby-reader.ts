// An HA standby's own read-only services, kept as fresh as PostgreSQL by following the change log before every read.
import type { Logger } from '../../../lib/logger.ts'
import type { ChangeFeed } from '../../physical/ha.ts'
import type { UnsealedServices } from '../services.ts'

export interface StandbyReaderDeps {
  feed: ChangeFeed
  /** Drop cached values of these keys, or all of them. */
  invalidate(keys: readonly string[] | 'all'): void
  /** Re-read the root key and keyring (the active node rotated or rekeyed). */
  reloadKeys(): Promise<void>
  build(): Promise<UnsealedServices>
  teardown(services: UnsealedServices): Promise<void>
  logger: Logger
}

/** Keys whose change means the standby's loaded services are stale as a whole: mount table, audit, keyring, seal. */
const REBUILD_PREFIXES = ['core/']
/** Keys under core/ whose change does not: the cluster's identity and the forwarding key never change once set. */
const STABLE_CORE_KEYS = new Set(['core/cluster-identity', 'core/ha/forwarding-key'])
/** The keys that move the barrier's own keys: the standby re-reads them before it rebuilds. */
const KEY_KEYS = new Set(['core/keyring', 'core/master', 'core/seal-config', 'core/root-key'])

/**
 * A read served by a standby must see every write acknowledged before the read arrived. Each request waits for a
 * synchronisation that started after it arrived: one query for the keys written since the last one, whose cached
 * values (and derived state: token entries, compiled policies, groups) are dropped before the request reads.
 * Requests that arrive together share one synchronisation.
 */
export class StandbyReader {
  readonly #deps: StandbyReaderDeps
  #services: UnsealedServices | undefined
  #seq = 0
  #arrivals = 0
  #covered = 0
  #running: Promise<void> | undefined
  #stopped = true
  /** Bumped by start and stop: a build that finishes after a later start or stop is thrown away. */
  #generation = 0

  constructor(deps: StandbyReaderDeps) {
    this.#deps = deps
  }

  /** The read-only services, while they are built and current. */
  get services(): UnsealedServices | undefined {
    return this.#services
  }

  /** Build the services as of the log's head now: changes made while loading are applied by the next sync. */
  async start(): Promise<void> {
    const generation = ++this.#generation
    this.#stopped = false
    try {
      this.#seq = (await this.#deps.feed.since(Number.MAX_SAFE_INTEGER)).head
      this.#deps.invalidate('all')
      await this.#install(generation)
    } catch (error) {
      this.#deps.logger.log('warn', 'standby: could not load services; every request is forwarded', {
        error: String(error),
      })
    }
  }

  async stop(): Promise<void> {
    this.#generation++
    this.#stopped = true
    const services = this.#services
    this.#services = undefined
    if (services) await this.#deps.teardown(services)
  }

  /** Build services and publish them, unless a start or stop came meanwhile (then they are torn down again). */
  async #install(generation: number): Promise<void> {
    const services = await this.#deps.build()
    if (generation !== this.#generation || this.#stopped) {
      await this.#deps.teardown(services)
      return
    }
    const old = this.#services
    this.#services = services
    if (old) await this.#deps.teardown(old)
  }

  /** Resolves once a synchronisation that began after this call has applied every change before it. */
  async sync(): Promise<void> {
    const arrival = ++this.#arrivals
    while (this.#covered < arrival) {
      const running = this.#running
      if (running) {
        // A synchronisation already under way may have begun before this arrival: wait for it, then check again.
        await running.catch(() => {})
        continue
      }
      const covers = this.#arrivals
      const run = this.#syncOnce().then(() => {
        this.#covered = Math.max(this.#covered, covers)
      })
      this.#running = run
      try {
        await run
      } finally {
        this.#running = undefined
      }
    }
  }

  async #syncOnce(): Promise<void> {
    const { head, keys } = await this.#deps.feed.since(this.#seq)
    if (keys === 'all') {
      this.#deps.invalidate('all')
      await this.#rebuild(true)
    } else if (keys.length > 0) {
      this.#deps.invalidate(keys)
      await this.#apply(keys)
    }
    this.#seq = Math.max(this.#seq, head)
  }

  /** Derived state the barrier's cache does not cover. */
  async #apply(keys: readonly string[]): Promise<void> {
    const coreKeys = keys.filter(
      (key) => REBUILD_PREFIXES.some((p) => key.startsWith(p)) && !STABLE_CORE_KEYS.has(key),
    )
    if (coreKeys.length > 0) return this.#rebuild(coreKeys.some((key) => KEY_KEYS.has(key)))
    const services = this.#services
    if (!services) return
    let identity = false
    let quotas = false
    for (const key of keys) {
      if (key.startsWith('sys/token/')) services.tokens.forgetCached()
      else if (key.startsWith('sys/policy/')) services.policies.forgetPolicy(key.slice('sys/policy/'.length))
      else if (key.startsWith('sys/identity/')) identity = true
      else if (key.startsWith('sys/quotas/')) quotas = true
    }
    if (identity) await services.identity.load()
    // The reads this standby serves are held to the quotas the active node has (counted on this node, as in Vault).
    if (quotas) await services.quotas.load()
  }

  async #rebuild(keysMayHaveMoved: boolean): Promise<void> {
    const generation = this.#generation
    const old = this.#services
    this.#services = undefined
    if (old) await this.#deps.teardown(old)
    if (this.#stopped) return
    if (keysMayHaveMoved) await this.#deps.reloadKeys()
    try {
      await this.#install(generation)
    } catch (error) {
      this.#deps.logger.log('warn', 'standby: could not reload services; every request is forwarded', {
        error: String(error),
      })
    }
  }
}
