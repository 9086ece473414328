// The moves sys/remount starts: each runs in the background under a migration id whose status callers poll.
import { errorMessage } from '../../lib/error-message.ts'
import type { Logger } from '../../lib/logger.ts'
import { uuid } from '../../lib/random.ts'

/** Vault's MountMigrationStatus strings. */
export type MoveStatus = 'in-progress' | 'success' | 'failure'

export interface MoveInfo {
  sourceMount: string
  targetMount: string
  status: MoveStatus
}

/**
 * Finished moves remembered for status checks. Vault keeps every one until the node restarts; a bound keeps a
 * long-lived server's memory flat, and nobody polls a move thousands of moves later.
 */
const KEEP_FINISHED = 1000

export class MountMoves {
  readonly #logger: Logger
  /** Insertion-ordered, so the oldest finished moves are the first forgotten. */
  readonly #moves = new Map<string, MoveInfo>()
  readonly #running = new Set<Promise<void>>()

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /**
   * Record a move as in progress and run it. `run` starts before this returns, so whatever it does before its
   * first await (tainting the source) is in place by the time the caller answers.
   */
  start(sourceMount: string, targetMount: string, run: () => Promise<void>): string {
    const id = uuid()
    const info: MoveInfo = { sourceMount, targetMount, status: 'in-progress' }
    this.#moves.set(id, info)
    this.#forgetOld()
    const log = this.#logger.child({ migration_id: id, from_path: sourceMount, to_path: targetMount })
    log.log('info', 'mount move started')
    // A failure is the move's outcome, reported through its status and the log; it never escapes as a rejection.
    let started: Promise<void>
    try {
      started = run()
    } catch (error) {
      started = Promise.reject(error)
    }
    const running = started
      .then(
        () => {
          info.status = 'success'
          log.log('info', 'mount move finished')
        },
        (error: unknown) => {
          info.status = 'failure'
          log.log('error', 'mount move failed', { error: errorMessage(error) })
        },
      )
      .finally(() => this.#running.delete(running))
    this.#running.add(running)
    return id
  }

  get(id: string): MoveInfo | undefined {
    const info = this.#moves.get(id)
    return info && { ...info }
  }

  /** Resolves once every move started so far has ended (sealing waits, as Vault's moves hold its state lock). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#running])
  }

  #forgetOld(): void {
    let finished = 0
    for (const info of this.#moves.values()) if (info.status !== 'in-progress') finished++
    for (const [id, info] of this.#moves) {
      if (finished <= KEEP_FINISHED) break
      if (info.status === 'in-progress') continue
      this.#moves.delete(id)
      finished--
    }
  }
}
