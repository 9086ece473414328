// High availability: an unsealed node takes the storage's leader lock to become active and gives up being active
// before its lease on the lock can have run out, so two nodes never both act as active.
import { hostname } from 'node:os'
import type { Logger } from '../../../lib/logger.ts'
import type { HaBackend, LockHolder, LockState, NodeHeartbeat } from '../../physical/ha.ts'

export interface HaTuning {
  /** How long a lock lasts without renewal (the storage's clock). A dead active node is replaced after at most this. */
  lockTtlMs: number
  /** How often the active node renews its lock. */
  renewIntervalMs: number
  /** How often a standby tries to take the lock. */
  retryIntervalMs: number
  /** After sys/step-down, how long this node leaves the lock to the others. */
  stepDownHoldMs: number
  /** How often every node records its heartbeat (sys/ha-status). */
  heartbeatIntervalMs: number
}

export const DEFAULT_HA_TUNING: HaTuning = {
  lockTtlMs: 4_000,
  renewIntervalMs: 1_000,
  retryIntervalMs: 500,
  stepDownHoldMs: 10_000,
  heartbeatIntervalMs: 1_000,
}

/** How long an initialising node holds the lock: initialising writes a handful of entries, far quicker than this. */
const INIT_LOCK_TTL_MS = 60_000

/** `activating`: the lock is held and the active services are being built; requests are not served as active yet. */
export type HaState = 'stopped' | 'standby' | 'activating' | 'active'

export interface HaHooks {
  /** Build and start the active node's services; a throw leaves the node standby (the lock is released). */
  becomeActive(): Promise<void>
  /** Stop being active: stop background work and drop every cache of active state. */
  becomeStandby(): Promise<void>
  logger: Logger
  /** A monotonic clock in milliseconds (performance.now); tests may drive it. */
  monotonic?: () => number
}

export interface HaIdentity extends Omit<LockHolder, 'nodeId'> {
  version: string
}

/**
 * One node's side of leader election. Standby: try the lock every `retryIntervalMs`. Active: renew every
 * `renewIntervalMs`; every renewal (and the acquisition) was sent at a moment the node remembers, and the lease it
 * got runs until at least that moment plus the TTL by the storage's clock, so the node stops acting as active a
 * margin before then unless a later renewal came back. `isActive()` checks that deadline synchronously on every
 * request, so a node whose event loop stalled past it serves nothing as active even before its timers run.
 */
export class HaCoordinator {
  readonly nodeId = crypto.randomUUID()
  readonly #backend: HaBackend
  readonly #identity: HaIdentity
  readonly #hooks: HaHooks
  readonly #tuning: HaTuning
  readonly #now: () => number
  #state: HaState = 'stopped'
  /** While active: when (monotonic) this node must stop acting as active unless a renewal extends it. */
  #deadline = 0
  #activeSince: number | undefined
  #holdUntil = 0
  #timer: NodeJS.Timeout | undefined
  #watchdog: NodeJS.Timeout | undefined
  #heartbeat: NodeJS.Timeout | undefined
  /** Transitions run one at a time, in order. */
  #transition: Promise<void> = Promise.resolve()
  readonly #listeners = new Set<(state: HaState) => void>()
  #leaderCache: { at: number; leader: Promise<LockState | undefined> } | undefined

  constructor(backend: HaBackend, identity: HaIdentity, hooks: HaHooks, tuning: Partial<HaTuning> = {}) {
    this.#backend = backend
    this.#identity = identity
    this.#hooks = hooks
    this.#tuning = { ...DEFAULT_HA_TUNING, ...tuning }
    if (this.#tuning.renewIntervalMs * 2 >= this.#tuning.lockTtlMs)
      throw new Error('ha: the lock must be renewed at least twice per lock TTL')
    this.#now = hooks.monotonic ?? (() => performance.now())
  }

  get state(): HaState {
    return this.#state
  }

  get apiAddr(): string {
    return this.#identity.apiAddr
  }

  /** True only while this node holds an unexpired lock and its services are up. */
  isActive(): boolean {
    if (this.#state !== 'active') return false
    return this.#checkDeadline()
  }

  /** False, and no longer active, once the deadline has passed (the watchdog, or a stalled event loop). */
  #checkDeadline(): boolean {
    if (this.#state !== 'active' && this.#state !== 'activating') return false
    if (this.#now() < this.#deadline) return true
    this.#lose('the lock lease ran out before it was renewed')
    return false
  }

  /** When this node became active (ms since the epoch), while it is. */
  get activeSince(): number | undefined {
    return this.#state === 'active' ? this.#activeSince : undefined
  }

  /** Resolves once every transition begun so far (becoming active or standby) has finished. */
  settled(): Promise<void> {
    return this.#transition
  }

  /** Tell `listener` of every state change. */
  onChange(listener: (state: HaState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Run `step` (initialising the shared storage) while holding the leader lock, which a sealed node never holds
   * otherwise: two nodes initialising at once would each write a keyring of their own, and the loser's shares would
   * open nothing. Undefined, without running `step`, when another node holds the lock (it is initialising, or it is
   * the active node of an initialised cluster). Released afterwards, before the node competes for it as a standby.
   */
  async holdingLockToInitialise<T>(step: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.#state !== 'stopped')
      throw new Error('ha: initialise only a node that has not joined the cluster')
    const holder = {
      nodeId: this.nodeId,
      apiAddr: this.#identity.apiAddr,
      clusterAddr: this.#identity.clusterAddr,
    }
    if (!(await this.#backend.tryAcquire(holder, INIT_LOCK_TTL_MS))) return undefined
    try {
      return { value: await step() }
    } finally {
      await this.#safely('release the lock after initialising', () => this.#backend.release(this.nodeId))
    }
  }

  /** Join as a standby and start competing for the lock. */
  start(): void {
    if (this.#state !== 'stopped') return
    this.#setState('standby')
    this.#beat()
    this.#schedule(0)
  }

  /** Leave the cluster: stop being active (releasing the lock) and stop competing. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return this.#transition
    this.#clearTimers()
    if (this.#heartbeat) clearTimeout(this.#heartbeat)
    this.#heartbeat = undefined
    const wasActive = this.#state === 'active' || this.#state === 'activating'
    this.#setState('stopped')
    await this.#enqueue(async () => {
      if (wasActive) await this.#safely('become standby', () => this.#hooks.becomeStandby())
      await this.#safely('release the lock', () => this.#backend.release(this.nodeId))
      await this.#safely('forget heartbeat', () => this.#backend.forget(this.nodeId))
    })
  }

  /** sys/step-down: give the lock up now and leave it to the others for `stepDownHoldMs`. */
  async stepDown(): Promise<void> {
    if (this.#state !== 'active') return
    this.#holdUntil = this.#now() + this.#tuning.stepDownHoldMs
    this.#clearTimers()
    this.#setState('standby')
    await this.#enqueue(async () => {
      await this.#safely('become standby', () => this.#hooks.becomeStandby())
      await this.#safely('release the lock', () => this.#backend.release(this.nodeId))
    })
    this.#hooks.logger.log('info', 'stepped down; another node may become active')
    this.#schedule(this.#tuning.retryIntervalMs)
  }

  /** The active node as the storage records it (possibly this one). */
  leader(): Promise<LockState | undefined> {
    return this.#backend.current()
  }

  /**
   * The active node for forwarding: read from the storage at most once per retry interval (concurrent callers
   * share one read), so a standby under load does not ask PostgreSQL on every request. A forward that fails calls
   * `forgetLeader` and the next request reads it afresh.
   */
  knownLeader(): Promise<LockState | undefined> {
    const cached = this.#leaderCache
    if (cached !== undefined && this.#now() - cached.at < this.#tuning.retryIntervalMs) return cached.leader
    const leader = this.#backend.current()
    this.#leaderCache = { at: this.#now(), leader }
    leader.catch(() => this.forgetLeader())
    return leader
  }

  forgetLeader(): void {
    this.#leaderCache = undefined
  }

  /** Nodes heard from within three heartbeats. */
  nodes(): Promise<NodeHeartbeat[]> {
    return this.#backend.nodes(this.#tuning.heartbeatIntervalMs * 3 + this.#tuning.lockTtlMs)
  }

  #setState(state: HaState): void {
    if (this.#state === state) return
    this.#state = state
    this.#leaderCache = undefined
    for (const listener of this.#listeners) listener(state)
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#transition.then(step)
    this.#transition = run.catch(() => {})
    return run
  }

  async #safely(what: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step()
    } catch (error) {
      this.#hooks.logger.log('warn', `ha: could not ${what}`, { error: String(error) })
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#tick(), delayMs)
    this.#timer.unref()
  }

  #clearTimers(): void {
    if (this.#timer) clearTimeout(this.#timer)
    if (this.#watchdog) clearTimeout(this.#watchdog)
    this.#timer = undefined
    this.#watchdog = undefined
  }

  #beat(): void {
    const node = {
      nodeId: this.nodeId,
      hostname: hostname(),
      apiAddr: this.#identity.apiAddr,
      clusterAddr: this.#identity.clusterAddr,
      version: this.#identity.version,
    }
    void this.#safely('record heartbeat', () => this.#backend.heartbeat(node))
    this.#heartbeat = setTimeout(() => this.#beat(), this.#tuning.heartbeatIntervalMs)
    this.#heartbeat.unref()
  }

  async #tick(): Promise<void> {
    this.#timer = undefined
    if (this.#state === 'standby') await this.#tryAcquire()
    else if (this.#state === 'active' || this.#state === 'activating') await this.#renew()
  }

  async #tryAcquire(): Promise<void> {
    if (this.#now() < this.#holdUntil) return this.#schedule(this.#tuning.retryIntervalMs)
    const sentAt = this.#now()
    let acquired = false
    try {
      acquired = await this.#backend.tryAcquire(
        { nodeId: this.nodeId, apiAddr: this.#identity.apiAddr, clusterAddr: this.#identity.clusterAddr },
        this.#tuning.lockTtlMs,
      )
    } catch (error) {
      this.#hooks.logger.log('warn', 'ha: could not reach the lock', { error: String(error) })
    }
    if (this.#state !== 'standby') {
      // Stopped or sealed while asking: give back what was just taken.
      if (acquired) await this.#safely('release the lock', () => this.#backend.release(this.nodeId))
      return
    }
    if (!acquired) return this.#schedule(this.#tuning.retryIntervalMs)
    this.#setState('activating')
    this.#extendDeadline(sentAt)
    // Renewals run while the services are built, so a slow start does not lose the lock.
    this.#schedule(this.#tuning.renewIntervalMs)
    await this.#enqueue(async () => {
      try {
        await this.#hooks.becomeActive()
      } catch (error) {
        this.#hooks.logger.log('error', 'ha: could not become active; staying standby', {
          error: String(error),
        })
        if (this.#state !== 'activating') return
        this.#clearTimers()
        this.#setState('standby')
        await this.#safely('become standby', () => this.#hooks.becomeStandby())
        await this.#safely('release the lock', () => this.#backend.release(this.nodeId))
        if (this.state === 'standby') this.#schedule(this.#tuning.retryIntervalMs * 4)
        return
      }
      // Lost, stepped down or stopped while starting: that change queued its own teardown after this step.
      if (this.#state !== 'activating' || !this.#checkDeadline()) return
      this.#activeSince = Date.now()
      this.#setState('active')
      this.#hooks.logger.log('info', 'this node is now the active node', { node_id: this.nodeId })
    })
  }

  async #renew(): Promise<void> {
    const sentAt = this.#now()
    let held: boolean | undefined
    try {
      held = await this.#backend.renew(this.nodeId, this.#tuning.lockTtlMs)
    } catch (error) {
      this.#hooks.logger.log('warn', 'ha: could not renew the lock; retrying', { error: String(error) })
    }
    if (this.#state !== 'active' && this.#state !== 'activating') return
    if (held === false) return this.#lose('another node holds the lock')
    if (held === true) this.#extendDeadline(sentAt)
    // A failed renewal is retried sooner; the watchdog ends activity if none succeeds in time.
    this.#schedule(held ? this.#tuning.renewIntervalMs : Math.min(this.#tuning.renewIntervalMs, 250))
  }

  /** A lease granted to a request sent at `sentAt` lasts at least until then plus the TTL; stop a margin before. */
  #extendDeadline(sentAt: number): void {
    const margin = Math.min(this.#tuning.lockTtlMs / 4, 1_000)
    this.#deadline = sentAt + this.#tuning.lockTtlMs - margin
    if (this.#watchdog) clearTimeout(this.#watchdog)
    this.#watchdog = setTimeout(() => this.#checkDeadline(), Math.max(0, this.#deadline - this.#now()) + 1)
    this.#watchdog.unref()
  }

  #lose(reason: string): void {
    if (this.#state !== 'active' && this.#state !== 'activating') return
    this.#hooks.logger.log('warn', 'ha: no longer the active node', { reason })
    this.#clearTimers()
    this.#setState('standby')
    void this.#enqueue(() => this.#safely('become standby', () => this.#hooks.becomeStandby())).then(() => {
      if (this.#state === 'standby') this.#schedule(this.#tuning.retryIntervalMs)
    })
  }
}
