// A remote JWKS kept in memory: fetched once, refreshed when stale, and re-fetched on an unknown kid at most once per cooldown.
import { createLocalJWKSet, type JSONWebKeySet } from 'jose'
import { httpJson } from '../../../lib/http-json.ts'

/** Keys older than this are re-fetched before use (a failed re-fetch keeps the old keys). */
const MAX_AGE_MS = 60 * 60 * 1000
/** An unknown kid triggers a re-fetch at most this often, so forged kids cannot make us hammer the provider. */
const UNKNOWN_KID_COOLDOWN_MS = 10_000

type LocalSet = ReturnType<typeof createLocalJWKSet>

export class JwksCache {
  readonly #url: string
  readonly #ca: string
  readonly #now: () => number
  #set: LocalSet | undefined
  #fetchedAt = 0
  #lastUnknownKidRefresh = Number.NEGATIVE_INFINITY
  #inflight: Promise<LocalSet> | undefined

  constructor(url: string, ca: string, now: () => number) {
    this.#url = url
    this.#ca = ca
    this.#now = now
  }

  /** The key set to verify with, fetching it when absent or stale. */
  async keys(): Promise<LocalSet> {
    if (this.#set && this.#now() - this.#fetchedAt < MAX_AGE_MS) return this.#set
    try {
      return await this.#refresh()
    } catch (error) {
      if (this.#set) return this.#set
      throw error
    }
  }

  /** After a kid we do not know: fetch again unless we did so for that reason within the cooldown. */
  async refreshForUnknownKid(): Promise<LocalSet | undefined> {
    if (this.#now() - this.#lastUnknownKidRefresh < UNKNOWN_KID_COOLDOWN_MS) return undefined
    this.#lastUnknownKidRefresh = this.#now()
    return this.#refresh()
  }

  /** One fetch at a time; callers that arrive meanwhile share its result. */
  #refresh(): Promise<LocalSet> {
    this.#inflight ??= fetchJwks(this.#url, this.#ca)
      .then((jwks) => {
        this.#set = createLocalJWKSet(jwks)
        this.#fetchedAt = this.#now()
        return this.#set
      })
      .finally(() => {
        this.#inflight = undefined
      })
    return this.#inflight
  }
}

export async function fetchJwks(url: string, ca: string): Promise<JSONWebKeySet> {
  const body = await httpJson({ url, ...(ca ? { ca } : {}) })
  if (!Array.isArray(body['keys'])) throw new Error(`${url} did not answer a JWKS (no "keys" list)`)
  return body as unknown as JSONWebKeySet
}
