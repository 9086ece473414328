// RFC 7386 JSON merge patch, which KV v2 applies for PATCH on data/ and metadata/.

import { getOwn, setOwn } from '../../../lib/set-own.ts'

type Json = unknown

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Apply `patch` to `target` and return the result; neither input is modified. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch)
  const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else setOwn(result, key, mergePatch(getOwn(result, key), value))
  }
  return result
}
