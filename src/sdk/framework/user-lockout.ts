// Vault's user lockout for login paths: count failures per login identity, refuse for a while past the threshold.
import type { UserLockoutConfig } from '../request.ts'
import { getJson, putJson, type Storage } from '../storage.ts'

const PREFIX = 'lockout/'

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

/**
 * Failure counters live in memory, as in Vault; a lockout itself is stored so a restart does not lift it.
 * Identities are opaque keys (an HMAC of the username or role ID), so unknown names lock exactly like known ones.
 */
export class UserLockout {
  readonly #storage: Storage
  readonly #failures = new Map<string, Failures>()
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

  /** Whether `identity` is locked now; an expired lock is lifted on the way. */
  async isLocked(identity: string, config: UserLockoutConfig, nowMs: number): Promise<boolean> {
    if (config.disable || config.threshold === 0) return false
    const locked = await this.#lockedMap()
    const since = locked.get(identity)?.since
    if (since === undefined) return false
    if (nowMs - since < config.duration * 1000) return true
    locked.delete(identity)
    this.#failures.delete(identity)
    await this.#storage.delete(PREFIX + identity)
    return false
  }

  /**
   * Counts one failed login; the failure that reaches the threshold stores the lock. `alias` is the name the
   * lock is listed and unlocked by (sys/locked-users): the username, or the role ID. It is kept only in the
   * lock record, which the barrier encrypts; the record's key stays the opaque identity.
   */
  async recordFailure(identity: string, config: UserLockoutConfig, nowMs: number, alias = ''): Promise<void> {
    if (config.disable || config.threshold === 0) return
    const previous = this.#failures.get(identity)
    const stale = !previous || nowMs - previous.lastFailureMs > config.counterReset * 1000
    const count = stale ? 1 : previous.count + 1
    this.#failures.set(identity, { count, lastFailureMs: nowMs })
    if (this.#failures.size > 100_000) this.#forgetStale(config, nowMs)
    if (count >= config.threshold) {
      ;(await this.#lockedMap()).set(identity, { since: nowMs, alias })
      this.#failures.delete(identity)
      await putJson(this.#storage, PREFIX + identity, { lockedAtMs: nowMs, alias })
    }
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
    await this.#storage.delete(PREFIX + identity)
    return true
  }

  /** A successful login clears the failure count, as in Vault. */
  recordSuccess(identity: string): void {
    this.#failures.delete(identity)
  }

  /** Drops counters and stored locks that have run out; run from the backend's periodic hook. */
  async tidy(config: UserLockoutConfig, nowMs: number): Promise<void> {
    this.#forgetStale(config, nowMs)
    const locked = await this.#lockedMap()
    for (const [identity, { since }] of locked) {
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
