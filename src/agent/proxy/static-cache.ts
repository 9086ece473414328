// The API proxy's cache of static secrets (KV reads): one entry per path, served only to tokens the server has
// accepted for that path, and dropped when the path changes (a change event, or a write through the proxy).
import { createHash } from 'node:crypto'

export interface StaticEntry {
  /** The path the entry answers for, without namespace or query (what changes and events name). */
  dataPath: string
  status: number
  contentType: string
  body: Buffer
  storedAt: number
  /** Tokens (hashed) the server has accepted for this path, and when it last did. */
  tokens: Map<string, number>
}

/** Tokens are remembered by digest only: a heap dump of the agent holds no usable token from this map. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export class StaticCache {
  readonly #entries = new Map<string, StaticEntry>()
  /** Invalidations are numbered so that a read answered after a change to its path is not stored over it. */
  #epoch = 0
  readonly #invalidatedAt = new Map<string, number>()
  #clearedAt = 0

  get size(): number {
    return this.#entries.size
  }

  /** Call before forwarding a read; pass the result to store() so a change made meanwhile wins. */
  begin(): number {
    return this.#epoch
  }

  get(key: string): StaticEntry | undefined {
    return this.#entries.get(key)
  }

  /** Remember a server's answer for `key`, authorising `token` for it; refused when the path changed since `begun`. */
  store(
    key: string,
    dataPath: string,
    token: string,
    answer: { status: number; contentType: string; body: Buffer },
    begun: number,
    now: number,
  ): boolean {
    if (this.#clearedAt > begun || (this.#invalidatedAt.get(dataPath) ?? -1) > begun) return false
    const previous = this.#entries.get(key)
    const tokens = previous?.tokens ?? new Map<string, number>()
    tokens.set(tokenDigest(token), now)
    this.#entries.set(key, { dataPath, ...answer, storedAt: now, tokens })
    return true
  }

  /** When the server last accepted `token` for the entry, or undefined if it never did. */
  authorisedAt(entry: StaticEntry, token: string): number | undefined {
    return entry.tokens.get(tokenDigest(token))
  }

  authorise(entry: StaticEntry, token: string, now: number): void {
    entry.tokens.set(tokenDigest(token), now)
  }

  forget(entry: StaticEntry, token: string): void {
    entry.tokens.delete(tokenDigest(token))
  }

  /** Drop every entry for `dataPath` (all versions and namespaces); returns how many were dropped. */
  invalidatePath(dataPath: string): number {
    this.#invalidatedAt.set(dataPath, ++this.#epoch)
    if (this.#invalidatedAt.size > 10_000) this.#compact()
    return this.#dropWhere((entry) => entry.dataPath === dataPath)
  }

  /** Drop every entry under a mount (its config changed, e.g. delete_version_after). */
  invalidatePrefix(prefix: string): number {
    this.clearFromNow()
    return this.#dropWhere((entry) => entry.dataPath.startsWith(prefix))
  }

  clear(): void {
    this.clearFromNow()
    this.#entries.clear()
  }

  /** No read begun before now may be stored. */
  clearFromNow(): void {
    this.#clearedAt = ++this.#epoch
  }

  #dropWhere(match: (entry: StaticEntry) => boolean): number {
    let dropped = 0
    for (const [key, entry] of this.#entries)
      if (match(entry)) {
        this.#entries.delete(key)
        dropped++
      }
    return dropped
  }

  /** Bound the invalidation record: treating everything as changed now keeps in-flight reads from being stored. */
  #compact(): void {
    this.#invalidatedAt.clear()
    this.clearFromNow()
  }
}
