// A bounded LRU of decrypted values, so hot secrets skip the physical read and AES-GCM on every request.
// It holds plaintext in memory, as the keyring beside it does; the barrier empties it on seal.

/** Stored for a key known to have no value; never handed to callers. */
export const ABSENT: Uint8Array = new Uint8Array(0)

export interface ReadCacheLimits {
  entries: number
  bytes: number
}

/** A cached value and whether it was read since it last came up for eviction. */
interface Slot {
  value: Uint8Array
  used: boolean
}

/**
 * Eviction is second-chance LRU (the CLOCK algorithm): a hit only marks its slot used, instead of moving the key
 * to the back of the map (a delete and an insert on every hit of the read path); the eviction pass gives a used
 * slot one more round at the back and evicts the first unused one.
 */
export class ReadCache {
  readonly #limits: ReadCacheLimits
  readonly #entries = new Map<string, Slot>()
  #bytes = 0
  /** Bumped around every write; a read that overlapped a write does not fill the cache with what it saw. */
  #generation = 0

  constructor(limits: ReadCacheLimits = { entries: 8192, bytes: 64 * 1024 * 1024 }) {
    this.#limits = limits
  }

  get generation(): number {
    return this.#generation
  }

  get(key: string): Uint8Array | undefined {
    const slot = this.#entries.get(key)
    if (slot === undefined) return undefined
    slot.used = true
    return slot.value
  }

  /** Remember `value` for `key` if no write happened since `generation` was read. */
  fill(key: string, value: Uint8Array, generation: number): void {
    if (
      generation !== this.#generation ||
      value.byteLength > this.#limits.bytes / 16 ||
      this.#limits.entries < 1
    )
      return
    this.#drop(key)
    // Room is made before the new value goes in, so the sweep can never pick the value being added.
    while (
      this.#entries.size > 0 &&
      (this.#entries.size + 1 > this.#limits.entries || this.#bytes + value.byteLength > this.#limits.bytes)
    ) {
      const [oldest, slot] = this.#entries.entries().next().value as [string, Slot]
      if (slot.used) {
        slot.used = false
        this.#entries.delete(oldest)
        this.#entries.set(oldest, slot)
      } else this.#drop(oldest)
    }
    this.#entries.set(key, { value, used: false })
    this.#bytes += value.byteLength
  }

  invalidate(keys: Iterable<string>): void {
    this.#generation++
    for (const key of keys) this.#drop(key)
  }

  /** Drop every entry without wiping it (values may still be in use by readers); for a cache gone stale. */
  dropAll(): void {
    this.#generation++
    this.#entries.clear()
    this.#bytes = 0
  }

  clear(): void {
    this.#generation++
    for (const { value } of this.#entries.values()) if (value !== ABSENT) value.fill(0)
    this.#entries.clear()
    this.#bytes = 0
  }

  get size(): number {
    return this.#entries.size
  }

  #drop(key: string): void {
    const old = this.#entries.get(key)
    if (old === undefined) return
    this.#bytes -= old.value.byteLength
    this.#entries.delete(key)
  }
}
