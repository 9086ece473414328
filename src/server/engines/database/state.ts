// The mount's in-memory state: open pools, per-name locks, and when the next static rotation is due.
import { Connections } from './connections.ts'

export class DbState {
  readonly connections = new Connections()
  /** ms since the epoch; the periodic hook does nothing before it (Infinity: no static role). */
  nextRotationDue = Number.POSITIVE_INFINITY
  /** Configs whose root rotation was left unfinished, and when the periodic hook may next try to settle each (ms). */
  readonly pendingRoots = new Map<string, number>()
  readonly #tails = new Map<string, Promise<unknown>>()

  /** Run `fn` after any earlier call for the same key, so a rotation never races another change to that entry. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(fn, fn)
    const tail = result.catch(() => {})
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }

  dueAt(ms: number): void {
    if (ms < this.nextRotationDue) this.nextRotationDue = ms
  }
}
