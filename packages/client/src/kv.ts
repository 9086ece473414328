// KV version 2 calls: cached reads of data/<path>, writes that refresh what this client cached.
import type { SecretCache } from './cache.ts'
import { type Envelope, leaseTtl, type Transport } from './transport.ts'

export interface KvMetadata {
  version: number
  created_time: string
  deletion_time: string
  destroyed: boolean
  custom_metadata?: Record<string, string> | null
}

export interface KvSecret<T> {
  data: T
  metadata: KvMetadata
}

export interface KvReadOptions {
  /** Where KV v2 is mounted (default `secret`). */
  mount?: string
  /** A version number; the latest when absent. */
  version?: number
}

export interface KvWriteOptions {
  mount?: string
  /** Check-and-set: the write succeeds only if the current version is this (0: only if the key is new). */
  cas?: number
}

export class KvApi {
  readonly #transport: Transport
  readonly #cache: SecretCache
  constructor(transport: Transport, cache: SecretCache) {
    this.#transport = transport
    this.#cache = cache
  }

  /** The secret at `path` (data and metadata), from the cache while fresh. */
  get<T = Record<string, unknown>>(path: string, opts: KvReadOptions = {}): Promise<KvSecret<T>> {
    const apiPath = `${opts.mount ?? 'secret'}/data/${trimSlashes(path)}`
    const query = { version: opts.version === undefined ? undefined : String(opts.version) }
    return this.#cache.get(cacheKey(apiPath, query), async () => {
      const reply = await this.#transport.request<Envelope<KvSecret<T>>>('GET', apiPath, { query })
      return { value: reply.data, ttl: leaseTtl(reply) }
    })
  }

  /** One field of the secret at `path`; a missing field is an error naming the field (never the others' values). */
  async getField<T = unknown>(path: string, field: string, opts: KvReadOptions = {}): Promise<T> {
    const secret = await this.get<Record<string, unknown>>(path, opts)
    if (!Object.hasOwn(secret.data, field)) throw new Error(`no field "${field}" in ${trimSlashes(path)}`)
    return secret.data[field] as T
  }

  /** Writes a new version; the latest version this client cached for the path is loaded again. */
  async put(path: string, data: Record<string, unknown>, opts: KvWriteOptions = {}): Promise<KvMetadata> {
    const apiPath = `${opts.mount ?? 'secret'}/data/${trimSlashes(path)}`
    const body = opts.cas === undefined ? { data } : { data, options: { cas: opts.cas } }
    const reply = await this.#transport.request<Envelope<KvMetadata>>('POST', apiPath, { body })
    this.#cache.delete(apiPath)
    return reply.data
  }
}

export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '')
}

/** The cache key of a read: its API path, and its query when it has one (so events can find it by path). */
export function cacheKey(apiPath: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v)
  const qs = params.toString()
  return qs ? `${apiPath}?${qs}` : apiPath
}

/** The API path part of a cache key. */
export function pathOfKey(key: string): string {
  const q = key.indexOf('?')
  return q === -1 ? key : key.slice(0, q)
}
