// Tombstones for deleted keys, kept exactly as long as a storage read that began before the delete may still land.
//
// A cache in front of asynchronous storage has one classic race: a read starts, a delete commits, the read
// finishes with the old value and puts it back in the cache, and the deleted thing lives on. Marking the key dead
// before the delete starts, and refusing to serve or cache a dead key, closes it; the mark may be forgotten once
// the delete is committed and every read that started before the commit has finished. Reads are counted by
// epoch (bumped at every committed delete), so forgetting is exact, bounded, and needs no clock.

export class Tombstones {
  readonly #dead = new Set<string>()
  #epoch = 0
  /** Reads in flight by the epoch they started in; epochs only grow, so the first key is the oldest. */
  readonly #reads = new Map<number, number>()
  /** Deletes committed, waiting for earlier reads to finish: key and the epoch of their commit. */
  readonly #settled: { key: string; epoch: number }[] = []
  #settledHead = 0

  /** From now on `key` is dead: nothing may serve or cache it. Synchronous, so it orders before any await. */
  bury(key: string): void {
    this.#dead.add(key)
  }

  has(key: string): boolean {
    return this.#dead.has(key)
  }

  /** Undo a bury whose delete will not happen (the operation that buried it failed before changing anything). */
  unbury(key: string): void {
    this.#dead.delete(key)
  }

  /** Run a storage read, counted so tombstones outlive it. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    const epoch = this.#epoch
    this.#reads.set(epoch, (this.#reads.get(epoch) ?? 0) + 1)
    try {
      return await fn()
    } finally {
      const left = this.#reads.get(epoch)! - 1
      if (left === 0) this.#reads.delete(epoch)
      else this.#reads.set(epoch, left)
      this.#sweep()
    }
  }

  /** The delete of `key` is committed: reads that start now cannot see it, so only earlier reads need the mark. */
  settled(key: string): void {
    this.#settled.push({ key, epoch: this.#epoch })
    this.#epoch++
    this.#sweep()
  }

  /** Marks held now, for tests. */
  get size(): number {
    return this.#dead.size
  }

  #sweep(): void {
    const oldest =
      this.#reads.size === 0 ? Number.POSITIVE_INFINITY : (this.#reads.keys().next().value as number)
    while (this.#settledHead < this.#settled.length && this.#settled[this.#settledHead]!.epoch < oldest) {
      this.#dead.delete(this.#settled[this.#settledHead]!.key)
      this.#settledHead++
    }
    if (this.#settledHead > 1024 && this.#settledHead * 2 > this.#settled.length) {
      this.#settled.splice(0, this.#settledHead)
      this.#settledHead = 0
    }
  }
}
