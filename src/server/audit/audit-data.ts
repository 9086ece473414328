// The copy of request and response data that goes into an audit entry: HMAC'd values, every key kept, bounded depth.
import type { JsonObject, JsonValue } from './entry.ts'

/**
 * Nesting deeper than this (objects and arrays both count; the data object itself is level 1) is replaced
 * by DEPTH_MARKER. JSON.stringify recurses and overflows V8's stack at a few thousand levels, so an
 * unbounded copy would turn a deep body into a 500; the HTTP edge accepts 300 levels, all of which fit.
 */
export const MAX_DATA_DEPTH = 512

/** Stands in for a subtree below MAX_DATA_DEPTH: a constant, so it reveals nothing of what it replaces. */
export const DEPTH_MARKER = 'audit-elided:max-depth'

/** The descriptor an assignment would have made, for the one key assignment cannot make. */
const OWN_KEY = (value: JsonValue): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
})

interface Frame {
  readonly source: object
  readonly target: JsonObject | JsonValue[]
  /** The nearest enclosing object key, which Vault's walker checks against the non-HMAC keys. */
  readonly key: string
  readonly depth: number
}

/**
 * A deep copy of `data` with values hashed as Vault's hashWalker does them, iteratively (no recursion,
 * so no depth can overflow the stack):
 * - strings are HMAC'd; so are finite numbers and bigints, as their decimal text: Vault decodes request
 *   JSON with UseNumber and KV data the same way, so a number reaches its walker as a json.Number, which
 *   is a string kind and gets HMAC'd. Non-finite numbers become null, as in JSON.
 * - booleans and null stay as they are (Go bool and nil are not string kinds);
 * - objects with toJSON (Date) are replaced by what toJSON returns first, as JSON.stringify would;
 * - undefined, functions and symbols are dropped from objects and become null in arrays, as in JSON;
 * - a value is left in clear when its nearest enclosing object key is in `clear`;
 * - with `elideList`, top-level `keys` (an array) and `key_info` (an object) become their counts
 *   (Vault's elide_list_responses), and the counts are not hashed.
 * Every key is copied as an own data property: `constructor` and `prototype` are ordinary keys of a plain
 * object, and `__proto__` is defined rather than assigned (assigning it would set the copy's prototype), so
 * JSON.stringify writes all three. Copies are ordinary objects rather than null-prototype ones: V8 keeps
 * those in dictionary mode, which made serialising an entry's data about half again as slow.
 * `hash` undefined means log_raw: copy only.
 */
export function copyData(
  data: JsonObject,
  hash: ((value: string) => string) | undefined,
  clear: ReadonlySet<string>,
  elideList: boolean,
  memo?: DataMemo,
): JsonObject {
  return walk(data, '', 1, hash, clear, elideList, memo).copy as JsonObject
}

/**
 * One device's hashed copies of immutable subtrees, by the subtree: a KV version's data is parsed once, deeply
 * frozen and shared by every read of it (getJsonShared), so with a memo a hot secret is walked and HMAC'd once
 * per device rather than once per read. A copy is reused only for the same exemption set at the same depth (and,
 * for an array, under the same enclosing key), so it is exactly what a fresh walk would give: the salt is fixed
 * for the device's life, and a new secret version is a new object. Only subtrees whose every container is a
 * frozen plain object or array (no toJSON, nothing a later call could change) are remembered; entries go when
 * their subtree is collected. The shared copies are never mutated: they are only serialised.
 */
export type DataMemo = WeakMap<object, MemoisedCopy>

interface MemoisedCopy {
  readonly clear: ReadonlySet<string>
  readonly depth: number
  readonly key: string
  readonly copy: JsonObject | JsonValue[]
}

/** A fresh memo for one device. */
export function dataMemo(): DataMemo {
  return new WeakMap()
}

/** Immutable for good: frozen, and a plain object or array (a frozen Date can still change through setTime). */
function immutable(value: object): boolean {
  if (!Object.isFrozen(value)) return false
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value)
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  )
}

/**
 * copyData's walk from `data` at `rootDepth` (its enclosing key `rootKey`); `immutable` says whether every container
 * it met was immutable, which is what allows remembering the copy. The memo is consulted at the top level only:
 * a subtree is copied by a nested walk without one, so the nesting of calls is two at most.
 */
function walk(
  data: object,
  rootKey: string,
  rootDepth: number,
  hash: ((value: string) => string) | undefined,
  clear: ReadonlySet<string>,
  elideList: boolean,
  memo: DataMemo | undefined,
): { copy: JsonObject | JsonValue[]; immutable: boolean } {
  const root: JsonObject | JsonValue[] = Array.isArray(data) ? new Array<JsonValue>(data.length) : {}
  let allImmutable = true
  const stack: Frame[] = []
  const convert = (value: unknown, key: string, depth: number): JsonValue | undefined => {
    let v = value
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      allImmutable = false
      v = (v as { toJSON: () => unknown }).toJSON()
    }
    switch (typeof v) {
      case 'string':
        return hash === undefined || clear.has(key) ? v : hash(v)
      case 'number':
        if (!Number.isFinite(v)) return null
        return hash === undefined || clear.has(key) ? v : hash(String(v))
      case 'bigint':
        // JSON.stringify throws on a bigint; its decimal text is what a JSON number would have said.
        return hash === undefined || clear.has(key) ? String(v) : hash(String(v))
      case 'boolean':
        return v
      case 'object': {
        if (v === null) return null
        if (depth >= MAX_DATA_DEPTH) return DEPTH_MARKER
        if (memo !== undefined && Object.isFrozen(v)) {
          const isArray = Array.isArray(v)
          const hit = memo.get(v)
          if (hit && hit.clear === clear && hit.depth === depth + 1 && (!isArray || hit.key === key))
            return hit.copy
          const nested = walk(v, key, depth + 1, hash, clear, false, undefined)
          if (nested.immutable) memo.set(v, { clear, depth: depth + 1, key, copy: nested.copy })
          return nested.copy
        }
        const target: JsonObject | JsonValue[] = Array.isArray(v) ? new Array<JsonValue>(v.length) : {}
        stack.push({ source: v, target, key, depth: depth + 1 })
        return target
      }
      default:
        return undefined
    }
  }
  stack.push({ source: data, target: root, key: rootKey, depth: rootDepth })
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { source, target, key, depth } = frame
    if (allImmutable && !immutable(source)) allImmutable = false
    if (Array.isArray(source)) {
      const list = target as JsonValue[]
      for (let i = 0; i < source.length; i++) list[i] = convert(source[i], key, depth) ?? null
      continue
    }
    const object = target as JsonObject
    const record = source as Record<string, unknown>
    for (const name of Object.keys(record)) {
      const child = record[name]
      if (elideList && depth === 1) {
        if (name === 'keys' && Array.isArray(child)) {
          object[name] = child.length
          continue
        }
        if (name === 'key_info' && child !== null && typeof child === 'object' && !Array.isArray(child)) {
          object[name] = Object.keys(child).length
          continue
        }
      }
      const copied = convert(child, name, depth)
      if (copied === undefined) continue
      if (name === '__proto__') Object.defineProperty(object, name, OWN_KEY(copied))
      else object[name] = copied
    }
  }
  return { copy: root, immutable: allImmutable }
}
