// Automatic keyring rotation (sys/rotate/config): a new term after max_operations encryptions or once the term is interval old.
import type { Logger } from '../../lib/logger.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'
import type { Barrier } from '../barrier/barrier.ts'

/** Barrier key, under core/ beside the keyring it governs. */
export const ROTATION_CONFIG_KEY = 'core/keyring-rotation-config'
/**
 * Barrier key of the active term's encryption count, so max_operations counts across restarts as in Vault. Outside
 * core/ on purpose: it changes every minute, and a core/ change makes HA standbys rebuild their services.
 */
export const USAGE_KEY = 'sys/keyring-usage'
/** How often the count is stored: a crash loses at most this long's count. */
export const USAGE_SAVE_INTERVAL_MS = 60_000

/** Vault's default and ceiling: just under 2^32 encryptions per key, as NIST SP 800-38D asks of AES-GCM. */
export const DEFAULT_MAX_OPERATIONS = 3_865_470_566
export const MIN_MAX_OPERATIONS = 1_000_000
/** Vault refuses an interval under a day (0 turns time-based rotation off). */
export const MIN_INTERVAL_SECONDS = 24 * 3600

export interface RotationConfig {
  readonly enabled: boolean
  readonly maxOperations: number
  /** Seconds; 0 means no time-based rotation. */
  readonly intervalSeconds: number
}

export const DEFAULT_ROTATION_CONFIG: RotationConfig = Object.freeze({
  enabled: true,
  maxOperations: DEFAULT_MAX_OPERATIONS,
  intervalSeconds: 0,
})

interface StoredUsage {
  term: number
  encryptions: number
}

interface StoredRotationConfig {
  enabled: boolean
  max_operations: number
  interval_seconds: number
}

/** `current` with the given changes, or a 400 naming the value out of Vault's bounds. */
export function changedRotationConfig(
  current: RotationConfig,
  changes: Partial<RotationConfig>,
): RotationConfig {
  const next = { ...current, ...changes }
  if (next.maxOperations < MIN_MAX_OPERATIONS || next.maxOperations > DEFAULT_MAX_OPERATIONS)
    throw new InvalidRequestError(
      `max_operations must be between ${MIN_MAX_OPERATIONS} and ${DEFAULT_MAX_OPERATIONS}, got ${next.maxOperations}`,
    )
  if (next.intervalSeconds !== 0 && next.intervalSeconds < MIN_INTERVAL_SECONDS)
    throw new InvalidRequestError(`interval must be 0 or at least 24h, got ${next.intervalSeconds}s`)
  return Object.freeze(next)
}

/** Whether the active term is due for rotation: enough encryptions under it, or old enough. */
export function rotationDue(
  config: RotationConfig,
  status: { installTime: number; encryptions: number },
  now: number,
): boolean {
  if (!config.enabled) return false
  if (status.encryptions >= config.maxOperations) return true
  return config.intervalSeconds > 0 && now - status.installTime >= config.intervalSeconds * 1000
}

export interface KeyringRotationDeps {
  storage: Storage
  barrier: Pick<Barrier, 'keyStatus' | 'rotate'>
  now: () => number
  logger: Logger
}

/**
 * The configuration, and the check the active node's periodic timer runs. Changes are stored before they take
 * effect and run one at a time; checks never overlap, so one due term is rotated once.
 */
export class KeyringRotation {
  readonly #deps: KeyringRotationDeps
  #config: RotationConfig = DEFAULT_ROTATION_CONFIG
  #writes: Promise<unknown> = Promise.resolve()
  #checking = false
  /** The term counted, what was stored for it before this process loaded, and the barrier's own count then. */
  #usage = { term: 0, stored: 0, barrierAtLoad: 0 }
  #savedAt = 0
  #savedCount = 0

  constructor(deps: KeyringRotationDeps) {
    this.#deps = deps
  }

  async load(): Promise<void> {
    const stored = await getJson<StoredRotationConfig>(this.#deps.storage, ROTATION_CONFIG_KEY)
    this.#config = stored
      ? Object.freeze({
          enabled: stored.enabled,
          maxOperations: stored.max_operations,
          intervalSeconds: stored.interval_seconds,
        })
      : DEFAULT_ROTATION_CONFIG
    const status = this.#deps.barrier.keyStatus()
    const usage = await getJson<StoredUsage>(this.#deps.storage, USAGE_KEY)
    // The barrier counts from its unseal; what it counted before this load is not added twice.
    this.#usage = {
      term: status.term,
      stored: usage?.term === status.term ? usage.encryptions : 0,
      barrierAtLoad: status.encryptions,
    }
    this.#savedAt = this.#deps.now()
    this.#savedCount = this.encryptions()
  }

  /** Encryptions under the active term: those stored by earlier runs, and this run's. A new term starts at 0. */
  encryptions(): number {
    const status = this.#deps.barrier.keyStatus()
    if (status.term !== this.#usage.term) this.#usage = { term: status.term, stored: 0, barrierAtLoad: 0 }
    return this.#usage.stored + Math.max(0, status.encryptions - this.#usage.barrierAtLoad)
  }

  /** Store the count when it moved since last stored (the save itself is one encryption, not worth another). */
  async #saveUsage(force: boolean): Promise<void> {
    const now = this.#deps.now()
    if (!force && now - this.#savedAt < USAGE_SAVE_INTERVAL_MS) return
    const count = this.encryptions()
    this.#savedAt = now
    if (!force && count - this.#savedCount <= 1) return
    await putJson(this.#deps.storage, USAGE_KEY, {
      term: this.#usage.term,
      encryptions: count,
    } satisfies StoredUsage)
    this.#savedCount = count
  }

  get config(): RotationConfig {
    return this.#config
  }

  /** Apply `changes` to the configuration in force (validated against it), store it, then put it in force. */
  update(changes: Partial<RotationConfig>): Promise<RotationConfig> {
    const run = this.#writes.then(async () => {
      const next = changedRotationConfig(this.#config, changes)
      await putJson(this.#deps.storage, ROTATION_CONFIG_KEY, {
        enabled: next.enabled,
        max_operations: next.maxOperations,
        interval_seconds: next.intervalSeconds,
      } satisfies StoredRotationConfig)
      this.#config = next
      return next
    })
    this.#writes = run.catch(() => {})
    return run
  }

  /** Store the count now (the active node stopping): the next run goes on from it. */
  async flush(): Promise<void> {
    try {
      await this.#saveUsage(true)
    } catch (error) {
      this.#deps.logger.log('warn', 'could not store the keyring encryption count', { error: String(error) })
    }
  }

  /** Rotate when due; true when it rotated. Failures are logged and retried at the next check. */
  async check(): Promise<boolean> {
    if (this.#checking) return false
    this.#checking = true
    try {
      const status = this.#deps.barrier.keyStatus()
      const encryptions = this.encryptions()
      if (!rotationDue(this.#config, { installTime: status.installTime, encryptions }, this.#deps.now())) {
        await this.#saveUsage(false)
        return false
      }
      const next = await this.#deps.barrier.rotate()
      this.#deps.logger.log('info', 'barrier keyring rotated automatically', { term: next.term, encryptions })
      // The new term starts at 0: stored now, so a restart does not carry the old term's count over.
      await this.#saveUsage(true)
      return true
    } catch (error) {
      this.#deps.logger.log('error', 'automatic keyring rotation failed; will retry', {
        error: String(error),
      })
      return false
    } finally {
      this.#checking = false
    }
  }
}
