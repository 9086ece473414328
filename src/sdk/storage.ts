// The storage contract every layer shares: physical backends, the barrier and per-mount views.
// Backend-private speed capabilities (sealing on a writer thread) live in server/physical/sealing.ts, not here.

/** One write in an atomic batch. */
export type StorageOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string }

export interface Storage {
  /** The value stored at `key`, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>
  /** Store `value` at `key`; resolves once the write is durable. */
  put(key: string, value: Uint8Array): Promise<void>
  /** Remove `key`; no error when it is absent. */
  delete(key: string): Promise<void>
  /**
   * Keys directly under `prefix`, one level deep, sorted: a deeper key shows as its first
   * segment followed by '/', once. `prefix` is '' or ends with '/'.
   */
  list(prefix: string): Promise<string[]>
  /** Apply every op or none; resolves once durable. */
  batch(ops: StorageOp[]): Promise<void>
  /**
   * Optional, for caching storages (the barrier): the value at `key` when it is in memory now, synchronously;
   * undefined when it is not (absent or not cached), and the caller falls back to `get`. A hit must be exactly
   * as fresh as `get` would be at this instant.
   */
  getCached?(key: string): Uint8Array | undefined
  /**
   * Optional, beside getCached: true when the storage knows at this instant, without an await, that `key` has no
   * value (the barrier remembers an absence it read until a write to the key); false when it does not know. As
   * fresh as `get` would be at this instant.
   */
  knownAbsent?(key: string): boolean
}

const decoder = new TextDecoder()

export async function getJson<T>(storage: Storage, key: string): Promise<T | undefined> {
  const raw = await storage.get(key)
  return raw === undefined ? undefined : (JSON.parse(decoder.decode(raw)) as T)
}

/** Parsed values by the stored bytes they came from; a caching storage hands back the same bytes for a hot key. */
const parsedByBytes = new WeakMap<Uint8Array, unknown>()

/**
 * Like getJson for read-only hot paths: the result is deeply frozen and may be shared with other callers,
 * so a storage that caches values (the barrier) parses each version of an entry once.
 */
export async function getJsonShared<T>(storage: Storage, key: string): Promise<T | undefined> {
  const raw = await storage.get(key)
  return raw === undefined ? undefined : (sharedParse(raw) as T)
}

/**
 * getJsonShared without an await, for a key the storage has in memory (`Storage.getCached`); undefined when it
 * has not, and the caller falls back to getJsonShared.
 */
export function getJsonSharedCached<T>(storage: Storage, key: string): T | undefined {
  const raw = storage.getCached?.(key)
  return raw === undefined ? undefined : (sharedParse(raw) as T)
}

/**
 * getJsonShared, answered without an await when the storage holds the entry in memory or knows it absent (a hot
 * key's reads skip the chain of async calls down to the cache); a promise otherwise. Await it either way.
 */
export function getJsonSharedNow<T>(storage: Storage, key: string): T | undefined | Promise<T | undefined> {
  const raw = storage.getCached?.(key)
  if (raw !== undefined) return sharedParse(raw) as T
  if (storage.knownAbsent?.(key) === true) return undefined
  return getJsonShared<T>(storage, key)
}

/** What getJsonCached answers when the storage cannot tell without an await; the caller falls back to getJson. */
export const NOT_CACHED: unique symbol = Symbol('not cached')

/**
 * getJson without an await when the storage holds the entry, or knows it is absent, in memory (`getCached`,
 * `knownAbsent`): a fresh parse the caller may modify, or undefined for an absent key; NOT_CACHED otherwise.
 */
export function getJsonCached<T>(storage: Storage, key: string): T | undefined | typeof NOT_CACHED {
  const raw = storage.getCached?.(key)
  if (raw !== undefined) return JSON.parse(decoder.decode(raw)) as T
  return storage.knownAbsent?.(key) === true ? undefined : NOT_CACHED
}

/** One frozen parse per stored byte array: the barrier's cache hands out the same array until the key changes. */
function sharedParse(raw: Uint8Array): unknown {
  let parsed = parsedByBytes.get(raw)
  if (parsed === undefined) {
    parsed = deepFreeze(JSON.parse(decoder.decode(raw)))
    parsedByBytes.set(raw, parsed)
  }
  return parsed
}

function deepFreeze(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

export function putJson(storage: Storage, key: string, value: unknown): Promise<void> {
  return storage.put(key, encodeJson(value))
}

export function encodeJson(value: unknown): Uint8Array {
  // Buffer.from takes Node's native UTF-8 path, cheaper than TextEncoder for these sizes.
  return Buffer.from(JSON.stringify(value))
}

/** A Storage confined under `prefix`: keys are relative, nothing outside is reachable. */
export function storageView(storage: Storage, prefix: string): Storage {
  if (prefix !== '' && !prefix.endsWith('/'))
    throw new Error(`storage view prefix must end with '/': ${prefix}`)
  const view: Storage = {
    get: (key) => storage.get(prefix + key),
    put: (key, value) => storage.put(prefix + key, value),
    delete: (key) => storage.delete(prefix + key),
    list: (sub) => storage.list(prefix + sub),
    // Ops built field by field: an object spread per op costs more than the rest of the view's work.
    batch: (ops) =>
      storage.batch(
        ops.map(
          (op): StorageOp =>
            op.op === 'put'
              ? { op: 'put', key: prefix + op.key, value: op.value }
              : { op: 'delete', key: prefix + op.key },
        ),
      ),
  }
  if (storage.getCached !== undefined) {
    const getCached = storage.getCached.bind(storage)
    view.getCached = (key) => getCached(prefix + key)
  }
  if (storage.knownAbsent !== undefined) {
    const knownAbsent = storage.knownAbsent.bind(storage)
    view.knownAbsent = (key) => knownAbsent(prefix + key)
  }
  return view
}

/** Every key under `prefix`, depth-first; used to delete a mount's data or walk a tree. */
export async function listRecursive(storage: Storage, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await storage.list(prefix)) {
    if (entry.endsWith('/')) out.push(...(await listRecursive(storage, prefix + entry)))
    else out.push(prefix + entry)
  }
  return out
}

/** Delete every key under `prefix` in batches. */
export async function deletePrefix(storage: Storage, prefix = ''): Promise<number> {
  const keys = await listRecursive(storage, prefix)
  for (let i = 0; i < keys.length; i += 500) {
    await storage.batch(keys.slice(i, i + 500).map((key) => ({ op: 'delete' as const, key })))
  }
  return keys.length
}
