// Per-key async mutex: a read-modify-write on one key (a KV entry, a secret ID's use count) must not interleave with another.

export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>()

  /** Run `fn` once every earlier holder of `key` has finished; holders of other keys are not delayed. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key)
    let release: () => void = () => {}
    const current = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous === undefined ? current : previous.then(() => current)
    this.#tails.set(key, tail)
    // A free key is taken at once: the holder starts in this turn instead of after a wait on a settled promise.
    if (previous !== undefined) await previous
    try {
      return await fn()
    } finally {
      release()
      // Forget the key once nobody queued behind us, so the map does not grow with every path ever touched.
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }

  /** Keys with a holder or waiters; for tests. */
  get size(): number {
    return this.#tails.size
  }
}
