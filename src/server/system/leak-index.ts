// The leak fingerprint index: keyed hashes of every value the mounted engines store, for sys/leak/fingerprints.
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { hmacSha256Hex, sha256Hex } from '../../lib/hash.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type LeakIndexServices = Pick<SystemServices, 'barrier' | 'clock' | 'mounts'>

/** Barrier key of the index's HMAC key: core-owned, encrypted like every other entry, never returned by any API. */
export const LEAK_KEY = 'core/leak/key'
/** An index older than this is rebuilt on the next request, so new versions become findable within seconds. */
export const INDEX_MAX_AGE_MS = 10_000

export interface LeakRef {
  path: string
  field: string
  version?: number
}

interface Built {
  at: number
  entries: Map<string, LeakRef[]>
}

/**
 * One index per unseal (the sys backend, and this with it, is rebuilt on every unseal). Entries are
 * HMAC-SHA256(k, sha256hex(value)): a copy of the index (a heap dump) is no dictionary of the
 * secrets' plain digests, and k never leaves the server.
 */
export class LeakIndex {
  readonly #services: LeakIndexServices
  #key: Promise<KeyObject> | undefined
  #built: Built | undefined
  #building: Promise<Built> | undefined

  constructor(services: LeakIndexServices) {
    this.#services = services
  }

  /** Loaded (or generated on first use) once per unseal; one promise, so concurrent first requests share it. */
  #hmacKey(): Promise<KeyObject> {
    this.#key ??= (async () => {
      const barrier = this.#services.barrier
      let raw = await barrier.get(LEAK_KEY)
      if (!raw) {
        raw = randomBytes(32)
        await barrier.put(LEAK_KEY, raw)
      }
      return createSecretKey(Buffer.from(raw))
    })().catch((error: unknown) => {
      this.#key = undefined
      throw error
    })
    return this.#key
  }

  async #build(): Promise<Built> {
    const key = await this.#hmacKey()
    const entries = new Map<string, LeakRef[]>()
    const mounts = this.#services.mounts
    for (const mount of mounts.entries) {
      const backend = mounts.router.get(mount.path)?.backend
      if (!backend?.definition.storedValues) continue
      for await (const stored of backend.storedValues()) {
        const id = hmacSha256Hex(key, sha256Hex(stored.value))
        const ref: LeakRef = {
          path: stored.path,
          field: stored.field,
          ...(stored.version !== undefined ? { version: stored.version } : {}),
        }
        const list = entries.get(id)
        if (list) list.push(ref)
        else entries.set(id, [ref])
      }
    }
    return { at: this.#services.clock.now(), entries }
  }

  /** The current index: rebuilt when older than INDEX_MAX_AGE_MS or when `refresh` asks; concurrent callers share one build. */
  async #index(refresh: boolean): Promise<Built> {
    const now = this.#services.clock.now()
    if (!refresh && this.#built && now - this.#built.at < INDEX_MAX_AGE_MS) return this.#built
    this.#building ??= this.#build().finally(() => {
      this.#building = undefined
    })
    this.#built = await this.#building
    return this.#built
  }

  /** The stored values whose SHA-256 (lower-case hex) is among `digests`. */
  async lookup(digests: readonly string[], refresh = false): Promise<{ digest: string; ref: LeakRef }[]> {
    const index = await this.#index(refresh)
    const key = await this.#hmacKey()
    const out: { digest: string; ref: LeakRef }[] = []
    for (const digest of new Set(digests)) {
      for (const ref of index.entries.get(hmacSha256Hex(key, digest)) ?? []) out.push({ digest, ref })
    }
    return out
  }
}
