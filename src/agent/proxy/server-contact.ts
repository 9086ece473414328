// What the agent knows of its contact with the server: whether change events are flowing, when contact was lost,
// and so whether a cached answer may be served fresh, served stale while the server is down, or not at all.
import { type Clock, systemClock } from '../../lib/time.ts'

export class ServerContact {
  readonly #clock: Clock
  readonly #staleIfErrorMs: number
  readonly #onPurge: () => void
  #streamUp = false
  /** When the agent last stopped knowing that it hears every change: the event stream dropped, or a request failed. */
  #lostAt: number | undefined
  /** Contact was lost and the server has not answered since: a purge is due at its first answer. */
  #purgeDue = false

  /**
   * `onPurge` drops what the agent can no longer vouch for: once the server answers again after contact was
   * lost, events sent in between may have been missed, so nothing cached before is trusted any more.
   */
  constructor(options: { staleIfErrorMs: number; onPurge: () => void; clock?: Clock }) {
    this.#clock = options.clock ?? systemClock
    this.#staleIfErrorMs = options.staleIfErrorMs
    this.#onPurge = options.onPurge
  }

  now(): number {
    return this.#clock.now()
  }

  /** Every event subscription is open: from now on each change reaches the agent. */
  streamUp(): void {
    this.#streamUp = true
    this.serverAnswered()
  }

  /** A subscription closed: changes may go unheard from this moment. */
  streamDown(): void {
    this.#streamUp = false
    this.#lose()
  }

  /** A request to the server got no answer (refused, reset, timed out). */
  unreachable(): void {
    this.#lose()
  }

  /** The server answered something (any HTTP status): it is up, and may have changed things while unheard. */
  serverAnswered(): void {
    if (this.#purgeDue) {
      this.#purgeDue = false
      this.#onPurge()
    }
    if (this.#streamUp) this.#lostAt = undefined
  }

  /** Static answers may be served from the cache: the stream is up and nothing failed since. */
  get fresh(): boolean {
    return this.#streamUp && this.#lostAt === undefined
  }

  /**
   * An entry cached while `fresh` (and not dropped since) may be served although the server cannot be reached:
   * stale_if_error is on, and contact was lost no longer than stale_if_error ago.
   */
  get staleAllowed(): boolean {
    if (this.#staleIfErrorMs <= 0 || this.#lostAt === undefined) return false
    return this.#clock.now() - this.#lostAt <= this.#staleIfErrorMs
  }

  #lose(): void {
    this.#lostAt ??= this.#clock.now()
    this.#purgeDue = true
  }
}
