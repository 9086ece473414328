// A bounded FIFO of messages waiting for delivery: when full, the oldest is dropped and counted.

export interface Queued<T> {
  /** Increasing per queue: tells whether the head is still the item being delivered. */
  seq: number
  item: T
}

export class RetryQueue<T> {
  readonly #capacity: number
  #items: Queued<T>[] = []
  #head = 0
  #seq = 0
  #dropped = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('queue capacity must be at least 1')
    this.#capacity = capacity
  }

  get size(): number {
    return this.#items.length - this.#head
  }

  /** Messages dropped because the queue was full: delivery is at least once only while the queue holds. */
  get dropped(): number {
    return this.#dropped
  }

  push(item: T): void {
    if (this.size >= this.#capacity) {
      this.#head++
      this.#dropped++
    }
    this.#items.push({ seq: ++this.#seq, item })
    this.#compact()
  }

  peek(): Queued<T> | undefined {
    return this.#items[this.#head]
  }

  /** Remove the head if it is still `seq` (it may have been dropped meanwhile). */
  settle(seq: number): void {
    if (this.peek()?.seq === seq) {
      this.#head++
      this.#compact()
    }
  }

  /** Amortised O(1): the array is sliced once the consumed part is at least half of it. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
  }
}
