// Lone UTF-16 surrogates from JSON `\uD800`-style escapes replaced with U+FFFD, as Go's encoding/json (and so Vault) does.

/** A `\u` escape of a surrogate half (D800-DFFF); raw UTF-8 input cannot carry one, only an escape can. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/

/**
 * `parsed` (the result of JSON.parse(text)) with every string and object key made well-formed. Vault never
 * sees a lone surrogate: Go's decoder turns each into U+FFFD. Without this one reaches code that cannot take
 * it (encodeURIComponent throws URIError, PostgreSQL refuses it) and the request fails with a 500. The text
 * is scanned first so the usual body, with no such escape, is returned untouched without a walk.
 */
export function wellFormedJson(parsed: unknown, text: string): unknown {
  // A body without any `\u` escape (most) is cleared by a native substring search, faster than the regex's scan.
  return text.includes('\\u') && SURROGATE_ESCAPE.test(text) ? repair(parsed) : parsed
}

function repair(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed()
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = repair(value[i])
    return value
  }
  const object = value as Record<string, unknown>
  for (const key of Object.keys(object)) {
    const repaired = repair(object[key])
    const wellFormedKey = key.toWellFormed()
    if (wellFormedKey !== key) delete object[key]
    // defineProperty, not assignment: a "__proto__" key from JSON.parse is an own property and must stay one.
    Object.defineProperty(object, wellFormedKey, {
      value: repaired,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return object
}
