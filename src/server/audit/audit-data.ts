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
): JsonObject {
  const root: JsonObject = {}
  const stack: Frame[] = []
  const convert = (value: unknown, key: string, depth: number): JsonValue | undefined => {
    let v = value
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
      v = (v as { toJSON: () => unknown }).toJSON()
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
        const target: JsonObject | JsonValue[] = Array.isArray(v)
          ? new Array<JsonValue>(v.length)
          : ({} as JsonObject)
        stack.push({ source: v, target, key, depth: depth + 1 })
        return target
      }
      default:
        return undefined
    }
  }
  stack.push({ source: data, target: root, key: '', depth: 1 })
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { source, target, key, depth } = frame
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
  return root
}
