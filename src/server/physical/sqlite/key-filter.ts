// A Bloom filter of every key a SqliteStorage may hold, so a read of a key never stored answers "absent" without SQLite.
//
// Exactness rests on one rule kept by SqliteStorage: every key it puts is added here, synchronously, before the put
// is queued for the writer thread (so before any read could see it), and every key already in the file when it was
// opened is added by a key scan before the filter is marked complete. A key that is not "maybe held" was then never
// stored through this SqliteStorage and was not in the file at open: it is absent, with no false negatives whatever
// the hash (add and query set and test the same bits). False positives (about 1 %, plus every deleted key, which
// stays in) only cost the SQLite read the filter would have spared. Memory: 2 bytes per key of capacity, 2-6 per key added.

/** Probes per key: the optimum for ~10 bits per key (about 1 % false positives at a layer's capacity). */
const PROBES = 7
const BITS_PER_KEY = 10

/** One fixed-size Bloom filter; a full one is followed by a larger one instead of being rebuilt. */
class Layer {
  readonly bits: Uint32Array
  readonly mask: number
  readonly capacity: number
  count = 0

  constructor(capacity: number) {
    this.capacity = capacity
    // A power of two of bits, so a probe's position is a mask, not a division.
    let size = 32
    while (size < capacity * BITS_PER_KEY) size *= 2
    this.bits = new Uint32Array(size / 32)
    this.mask = size - 1
  }

  /** Set the key's bits; true when any was clear (the key is new to this layer). */
  add(h1: number, h2: number): boolean {
    let changed = false
    for (let i = 0, h = h1; i < PROBES; i++, h = (h + h2) | 0) {
      const bit = h & this.mask
      const word = bit >>> 5
      const flag = 1 << (bit & 31)
      if ((this.bits[word]! & flag) === 0) {
        this.bits[word]! |= flag
        changed = true
      }
    }
    return changed
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0, h = h1; i < PROBES; i++, h = (h + h2) | 0) {
      const bit = h & this.mask
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false
    }
    return true
  }
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

let hash1 = 0
let hash2 = 0
/** The key hash1 and hash2 were last computed for: a write's existence check and its put hash the same key. */
let hashedKey: string | undefined

/**
 * Two 32-bit hashes of the key's UTF-16 code units, left in hash1 and hash2 (no allocation): one FNV-1a pass, then
 * two finalisations of it. Keys whose 32-bit FNV values collide share every bit (a false positive, ~n/2^32), never
 * a false negative; one pass over a ~120-character key is most of the cost.
 */
function hashKey(key: string): void {
  // Comparing equal strings is a memcmp, far cheaper than the multiply per character below.
  if (key === hashedKey) return
  hashedKey = key
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  hash1 = mix(h)
  // Odd, so the probe sequence h1 + i·h2 visits distinct positions modulo a power of two.
  hash2 = mix(h ^ 0x9e3779b9) | 1
}

export interface KeyFilterOptions {
  /** Keys the first layer holds at ~1 % false positives; each later layer holds twice the one before. */
  initialCapacity?: number
}

export class KeyFilter {
  readonly #layers: Layer[]
  #complete = false

  constructor(options: KeyFilterOptions = {}) {
    this.#layers = [new Layer(Math.max(1, options.initialCapacity ?? 65_536))]
  }

  /** Record that `key` may be stored from now on. */
  add(key: string): void {
    hashKey(key)
    let newest = this.#layers[this.#layers.length - 1]!
    // A key an older layer already answers for needs no bits of its own.
    for (let i = 0; i < this.#layers.length - 1; i++) if (this.#layers[i]!.has(hash1, hash2)) return
    if (newest.count >= newest.capacity && !newest.has(hash1, hash2)) {
      newest = new Layer(newest.capacity * 2)
      this.#layers.push(newest)
    }
    if (newest.add(hash1, hash2)) newest.count++
  }

  /** The scan of the keys present at open has been added: "not held" answers are authoritative from now on. */
  markComplete(): void {
    this.#complete = true
  }

  get complete(): boolean {
    return this.#complete
  }

  /** False only when `key` is certainly not stored; always true until the opening scan is complete. */
  mayHold(key: string): boolean {
    if (!this.#complete) return true
    hashKey(key)
    for (const layer of this.#layers) if (layer.has(hash1, hash2)) return true
    return false
  }

  /** Bytes of filter held, for the docs' memory figures and tests. */
  get bytes(): number {
    let total = 0
    for (const layer of this.#layers) total += layer.bits.byteLength
    return total
  }

  get layers(): number {
    return this.#layers.length
  }
}
