// Vault's user lockout for login paths: count failures per login identity, refuse for a while past the threshold.
import type { UserLockoutConfig } from '../request.ts'
import { getJson, putJson, type Storage } from '../storage.ts'

const PREFIX = 'lockout/'
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

/**
 * Failure counters live in memory, as in Vault; a lockout itself is stored so a restart does not lift it.
 * Identities are opaque keys (an HMAC of the username or role ID), so unknown names lock exactly like known ones.
 */
export class UserLockout {
  readonly #storage: Storage
  readonly #failures = new Map<string, Failures>()
  /** Locked identities and when each lock was placed (ms); loaded from storage on first use. */
  #locked: Map<string, number> | undefined

  constructor(storage: Storage) {
    this.#storage = storage
  }

  async #lockedMap(): Promise<Map<string, number>> {
    if (!this.#locked) {
      const locked = new Map<string, number>()
      for (const key of await this.#storage.list(PREFIX)) {
        const entry = await getJson<{ lockedAtMs: number }>(this.#storage, PREFIX + key)
        if (entry) locked.set(key, entry.lockedAtMs)
      }
      this.#locked ??= locked
    }
    return this.#locked
  }

  /** Whether `identity` is locked now; an expired lock is lifted on the way. */
  async isLocked(identity: string, config: UserLockoutConfig, nowMs: number): Promise<boolean> {
    if (config.disable || config.threshold === 0) return false
    const locked = await this.#lockedMap()
    const since = locked.get(identity)
    if (since === undefined) return false
    if (nowMs - since < config.duration * 1000) return true
    locked.delete(identity)
    this.#failures.delete(identity)
    await this.#storage.delete(PREFIX + identity)
    return false
  }

  /** Counts one failed login; the failure that reaches the threshold stores the lock. */
  async recordFailure(identity: string, config: UserLockoutConfig, nowMs: number): Promise<void> {
    if (config.disable || config.threshold === 0) return
    const previous = this.#failures.get(identity)
    const stale = !previous || nowMs - previous.lastFailureMs > config.counterReset * 1000
    const count = stale ? 1 : previous.count + 1
    this.#failures.set(identity, { count, lastFailureMs: nowMs })
    if (this.#failures.size > 100_000) this.#forgetStale(config, nowMs)
    if (count >= config.threshold) {
      ;(await this.#lockedMap()).set(identity, nowMs)
      this.#failures.delete(identity)
      await putJson(this.#storage, PREFIX + identity, { lockedAtMs: nowMs })
    }
  }

  /** A successful login clears the failure count, as in Vault. */
  recordSuccess(identity: string): void {
    this.#failures.delete(identity)
  }

  /** Drops counters and stored locks that have run out; run from the backend's periodic hook. */
  async tidy(config: UserLockoutConfig, nowMs: number): Promise<void> {
    this.#forgetStale(config, nowMs)
    const locked = await this.#lockedMap()
    for (const [identity, since] of locked) {
      if (nowMs - since >= config.duration * 1000) {
        locked.delete(identity)
        await this.#storage.delete(PREFIX + identity)
      }
    }
  }

  #forgetStale(config: UserLockoutConfig, nowMs: number): void {
    for (const [identity, failures] of this.#failures)
      if (nowMs - failures.lastFailureMs > config.counterReset * 1000) this.#failures.delete(identity)
  }
}
