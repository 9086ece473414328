// The one nesting limit for untrusted JSON and HCL text, checked by a linear scan before anything recursive runs.

/**
 * Vault's default for the listener option max_json_depth. Deeper documents are refused before they are
 * parsed: V8's JSON.stringify, and every recursive walk after it (audit hashing, copies), overflow the
 * stack a few thousand levels down and would answer 500.
 */
export const DEFAULT_MAX_JSON_DEPTH = 500

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/**
 * True when `text` opens more than `limit` objects or arrays inside one another. One pass, no recursion and
 * no allocation, so it is safe on any input size; string contents (and their escapes) are skipped, so a
 * bracket inside a string never counts. Malformed JSON is left for the parser to report.
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  if (openersAtMost(text, limit)) return false
  let depth = 0
  const length = text.length
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // Skip to the closing quote; a backslash always takes the next character with it.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i)
        if (s === BACKSLASH) i++
        else if (s === QUOTE) break
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) {
      depth--
    }
  }
  return false
}

/**
 * Whether `text` holds at most `limit` opening braces and brackets in all (inside strings too): then it cannot
 * nest deeper than `limit`. String#indexOf is native, so a large body with few objects (a transit batch, a
 * kilobyte secret) is cleared without walking it character by character in JavaScript.
 */
function openersAtMost(text: string, limit: number): boolean {
  let count = 0
  for (const opener of ['{', '[']) {
    for (let at = text.indexOf(opener); at !== -1; at = text.indexOf(opener, at + 1))
      if (++count > limit) return false
  }
  return true
}

/** The refusal every caller words the same way, so operators can search for one message. */
export function jsonDepthMessage(what: string, limit: number): string {
  return `${what} nests deeper than ${limit} levels`
}
