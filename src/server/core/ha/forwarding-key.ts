// The cluster's request-forwarding key: standbys sign what they vouch for (the client's address and certificate).
import { randomBytes } from 'node:crypto'
import type { Barrier } from '../../barrier/barrier.ts'

/** Behind the barrier: only unsealed nodes of this cluster can read it. */
export const FORWARDING_KEY_PATH = 'core/ha/forwarding-key'

/**
 * The key, created by the active node the first time it is needed; a standby only reads it (undefined until an
 * active node has written it). Nodes keep it in memory once read: it never changes.
 */
export class ForwardingKey {
  readonly #barrier: Barrier
  #key: Buffer | undefined

  constructor(barrier: Barrier) {
    this.#barrier = barrier
  }

  async get(createIfMissing: boolean): Promise<Buffer | undefined> {
    if (this.#key) return this.#key
    // Read past the cache: on a standby it may remember the key as absent from before the active node wrote it.
    const stored = await this.#barrier.getFresh(FORWARDING_KEY_PATH)
    if (stored !== undefined) {
      this.#key = Buffer.from(stored)
      return this.#key
    }
    if (!createIfMissing) return undefined
    const key = randomBytes(32)
    await this.#barrier.put(FORWARDING_KEY_PATH, key)
    this.#key = key
    return key
  }

  /** Forget the key (sealing). */
  forget(): void {
    this.#key?.fill(0)
    this.#key = undefined
  }
}
