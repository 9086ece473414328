// A bounded LRU of decrypted values, so hot secrets skip the physical read and AES-GCM on every request.
// It holds plaintext in memory, as the keyring beside it does; the barrier empties it on seal.

/** Stored for a key known to have no value; never handed to callers. */
export const ABSENT: Uint8Array = new Uint8Array(0)

export interface ReadCacheLimits {
  entries: number
  bytes: number
}

export class ReadCache {
  readonly #limits: ReadCacheLimits
  readonly #entries = new Map<string, Uint8Array>()
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
    const value = this.#entries.get(key)
    if (value !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  /** Remember `value` for `key` if no write happened since `generation` was read. */
  fill(key: string, value: Uint8Array, generation: number): void {
    if (generation !== this.#generation || value.byteLength > this.#limits.bytes / 16) return
    this.#drop(key)
    this.#entries.set(key, value)
    this.#bytes += value.byteLength
    while (this.#entries.size > this.#limits.entries || this.#bytes > this.#limits.bytes) {
      this.#drop(this.#entries.keys().next().value as string)
    }
  }

  invalidate(keys: Iterable<string>): void {
    this.#generation++
    for (const key of keys) this.#drop(key)
  }

  clear(): void {
    this.#generation++
    for (const value of this.#entries.values()) if (value !== ABSENT) value.fill(0)
    this.#entries.clear()
    this.#bytes = 0
  }

  get size(): number {
    return this.#entries.size
  }

  #drop(key: string): void {
    const old = this.#entries.get(key)
    if (old === undefined) return
    this.#bytes -= old.byteLength
    this.#entries.delete(key)
  }
}
