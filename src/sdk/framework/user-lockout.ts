// Vault's user lockout for login paths: count failures per login identity, refuse for a while past the threshold.
import { PermissionDeniedError } from '../errors.ts'
import type { UserLockoutConfig } from '../request.ts'
import { getJson, putJson, type Storage } from '../storage.ts'

const PREFIX = 'lockout/'

/** The answer to a login for a locked identity, for every auth method with user lockout. */
export const LOCKED_OUT = 'permission denied: too many failed login attempts; try again later'

/** A login refused because its identity is locked out; Vault answers such logins with a 403 too. */
export class LockedOutError extends PermissionDeniedError {
  constructor() {
    super(LOCKED_OUT)
  }
}

interface LockRecord {
  since: number
  alias: string
}

/** Vault's defaults, for a system view that carries none. */
export const DEFAULT_USER_LOCKOUT: UserLockoutConfig = {
  threshold: 5,
  duration: 900,
  counterReset: 900,
  disable: false,
}

interface Failures {
  count: number
  lastFailureMs: number
}

/** Logins of one identity being evaluated now, and the logins waiting for one of them to finish. */
interface Gate {
  inFlight: number
  waiters: Array<() => void>
}

/** One login attempt as `UserLockout.attempt` runs it. */
export interface LoginAttempt<T> {
  identity: string
  /** The name sys/locked-users lists and unlocks the lock by: the username, or the role ID. */
  alias: string
  config: UserLockoutConfig
  now: () => number
  /** Checks the credentials and builds the answer; throws on refusal. */
  run: () => Promise<T>
  /** Whether a refusal `run` threw was a wrong credential (a guess), which is what lockout counts. */
  isWrongCredential: (error: unknown) => boolean
}

/**
 * Failure counters live in memory, as in Vault; a lockout itself is stored so a restart does not lift it.
 * Identities are opaque keys (an HMAC of the username or role ID), so unknown names lock exactly like known ones.
 */
export class UserLockout {
  readonly #storage: Storage
  readonly #failures = new Map<string, Failures>()
  readonly #gates = new Map<string, Gate>()
  /** Per identity, the lock-record write in progress and whether another must follow it. */
  readonly #writes = new Map<string, { running: Promise<void>; again: boolean }>()
  /** Locked identities: when each lock was placed (ms) and the alias it locks; loaded from storage on first use. */
  #locked: Map<string, LockRecord> | undefined

  constructor(storage: Storage) {
    this.#storage = storage
  }

  async #lockedMap(): Promise<Map<string, LockRecord>> {
    if (!this.#locked) {
      const locked = new Map<string, LockRecord>()
      for (const key of await this.#storage.list(PREFIX)) {
        const entry = await getJson<{ lockedAtMs: number; alias?: string }>(this.#storage, PREFIX + key)
        if (entry) locked.set(key, { since: entry.lockedAtMs, alias: entry.alias ?? '' })
      }
      this.#locked ??= locked
    }
    return this.#locked
  }

  /**
   * Runs one login attempt under the lockout. A guess is admitted only while the failures already counted plus
   * the attempts still being evaluated stay under the threshold; the rest wait for a verdict. So however many
   * guesses arrive at once, at most `threshold` are evaluated before the lock, while up to `threshold` logins
   * of one identity (a role ID shared by a fleet) still run side by side, and other identities never wait.
   */
  async attempt<T>(login: LoginAttempt<T>): Promise<T> {
    const { identity, config } = login
    if (config.disable || config.threshold === 0) return login.run()
    const gate = await this.#admit(identity, config, login.now)
    let result: T
    try {
      result = await login.run()
    } catch (error) {
      // Counted before the slot is given back (both synchronous), so no waiter is admitted in between.
      const stored = login.isWrongCredential(error)
        ? this.#countFailure(identity, config, login.now(), login.alias)
        : undefined
      this.#release(identity, gate)
      // The refusal that places a lock answers once the lock is durable; a failed write answers as itself.
      await stored
      throw error
    }
    // A successful login clears the failure count, as in Vault.
    this.#failures.delete(identity)
    this.#release(identity, gate)
    return result
  }

  /** Waits for a guess slot of `identity`; throws LockedOutError while it is locked. */
  async #admit(identity: string, config: UserLockoutConfig, now: () => number): Promise<Gate> {
    for (;;) {
      const locked = await this.#lockedMap()
      // Nothing below awaits until the slot is taken, so the lock and counts it reads are the ones it admits under.
      const nowMs = now()
      const lock = locked.get(identity)
      if (lock !== undefined) {
        if (nowMs - lock.since < config.duration * 1000) throw new LockedOutError()
        locked.delete(identity)
        this.#failures.delete(identity)
        // Not awaited (that would open a gap here); a stored record of an expired lock is harmless, as it
        // reads as expired after a restart too, and tidy deletes it again.
        this.#persist(identity).catch(() => undefined)
      }
      let gate = this.#gates.get(identity)
      if (!gate) {
        gate = { inFlight: 0, waiters: [] }
        this.#gates.set(identity, gate)
      }
      if (this.#count(identity, config, nowMs) + gate.inFlight < config.threshold) {
        gate.inFlight++
        return gate
      }
      const full = gate
      await new Promise<void>((resolve) => full.waiters.push(resolve))
    }
  }

  #release(identity: string, gate: Gate): void {
    gate.inFlight--
    // Every waiter looks again: a success frees all slots, a failure may have locked the identity.
    const waiters = gate.waiters.splice(0)
    for (const wake of waiters) wake()
    if (gate.inFlight === 0 && gate.waiters.length === 0 && this.#gates.get(identity) === gate)
      this.#gates.delete(identity)
  }

  /** Failures counted for `identity` within the counter-reset window. */
  #count(identity: string, config: UserLockoutConfig, nowMs: number): number {
    const failures = this.#failures.get(identity)
    if (!failures || nowMs - failures.lastFailureMs > config.counterReset * 1000) return 0
    return failures.count
  }

  /** Counts a failure in memory at once; the one reaching the threshold places the lock and returns its write. */
  #countFailure(
    identity: string,
    config: UserLockoutConfig,
    nowMs: number,
    alias: string,
  ): Promise<void> | undefined {
    const count = this.#count(identity, config, nowMs) + 1
    this.#failures.set(identity, { count, lastFailureMs: nowMs })
    if (this.#failures.size > 100_000) this.#forgetStale(config, nowMs)
    if (count >= config.threshold && this.#locked) {
      this.#locked.set(identity, { since: nowMs, alias })
      this.#failures.delete(identity)
      return this.#persist(identity)
    }
    return undefined
  }

  /**
   * Brings the stored lock record of `identity` in line with memory. Writes of one identity run one at a time and
   * each writes the state current when it starts, so the last write always stores the latest state whatever
   * order concurrent commits finish in.
   */
  #persist(identity: string): Promise<void> {
    const pending = this.#writes.get(identity)
    if (pending) {
      pending.again = true
      return pending.running
    }
    const slot = { running: Promise.resolve(), again: false }
    const write = async (): Promise<void> => {
      do {
        slot.again = false
        const lock = this.#locked?.get(identity)
        if (lock)
          await putJson(this.#storage, PREFIX + identity, { lockedAtMs: lock.since, alias: lock.alias })
        else await this.#storage.delete(PREFIX + identity)
      } while (slot.again)
    }
    slot.running = write().finally(() => this.#writes.delete(identity))
    this.#writes.set(identity, slot)
    return slot.running
  }

  /** Whether `identity` is locked now; an expired lock is lifted on the way. */
  async isLocked(identity: string, config: UserLockoutConfig, nowMs: number): Promise<boolean> {
    if (config.disable || config.threshold === 0) return false
    const locked = await this.#lockedMap()
    const since = locked.get(identity)?.since
    if (since === undefined) return false
    if (nowMs - since < config.duration * 1000) return true
    locked.delete(identity)
    this.#failures.delete(identity)
    await this.#persist(identity)
    return false
  }

  /**
   * Counts one failed login outside `attempt` (for tests and callers that check credentials themselves); the
   * failure that reaches the threshold stores the lock.
   */
  async recordFailure(identity: string, config: UserLockoutConfig, nowMs: number, alias = ''): Promise<void> {
    if (config.disable || config.threshold === 0) return
    await this.#lockedMap()
    await this.#countFailure(identity, config, nowMs, alias)
  }

  /** The aliases locked out now, sorted (a lock recorded without one is listed by its identity). */
  async lockedAliases(config: UserLockoutConfig, nowMs: number): Promise<string[]> {
    if (config.disable || config.threshold === 0) return []
    const out: string[] = []
    for (const [identity, { since, alias }] of await this.#lockedMap())
      if (nowMs - since < config.duration * 1000) out.push(alias || identity)
    return out.sort()
  }

  /** Lift the lock on `identity` and forget its failures; false when it was not locked. */
  async unlock(identity: string): Promise<boolean> {
    const locked = await this.#lockedMap()
    this.#failures.delete(identity)
    if (!locked.delete(identity)) return false
    await this.#persist(identity)
    return true
  }

  /** Drops counters and stored locks that have run out; run from the backend's periodic hook. */
  async tidy(config: UserLockoutConfig, nowMs: number): Promise<void> {
    this.#forgetStale(config, nowMs)
    const locked = await this.#lockedMap()
    const expired = [...locked].filter(([, { since }]) => nowMs - since >= config.duration * 1000)
    for (const [identity] of expired) locked.delete(identity)
    await Promise.all(expired.map(([identity]) => this.#persist(identity)))
  }

  #forgetStale(config: UserLockoutConfig, nowMs: number): void {
    for (const [identity, failures] of this.#failures)
      if (nowMs - failures.lastFailureMs > config.counterReset * 1000) this.#failures.delete(identity)
  }
}
