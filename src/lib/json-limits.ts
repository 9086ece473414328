// Vault's listener limits on a JSON request body (depth, string length, entries, elements), checked before it is parsed.

import { DEFAULT_MAX_JSON_DEPTH, jsonDepthMessage } from './json-depth.ts'

/** The four limits of a listener; each is at least 1 (a configured 0 means Vault's default). */
export interface JsonLimits {
  /** max_json_depth: objects and arrays open inside one another. */
  depth: number
  /** max_json_string_value_length: UTF-8 bytes between a string's quotes, escapes as written (keys too). */
  stringValueLength: number
  /** max_json_object_entry_count: members of any one object (per object, not in all). */
  objectEntryCount: number
  /** max_json_array_element_count: elements of any one array. */
  arrayElementCount: number
}

/** Vault's defaults for the four listener options. */
export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  depth: DEFAULT_MAX_JSON_DEPTH,
  stringValueLength: 1_048_576,
  objectEntryCount: 10_000,
  arrayElementCount: 10_000,
})

export type JsonLimitKind = 'depth' | 'string' | 'object' | 'array'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/**
 * Which limit `text` (a request body of `byteLength` bytes, decoded) goes past, or undefined. Malformed JSON is left
 * for the parser to report; a body that is malformed and past a limit may be refused for either.
 *
 * Ordinary bodies are cleared without a walk in JavaScript. No string can be longer than the whole body. An object or
 * array of n + 1 members is at least 2n + 1 characters (members and the commas between them), so a body of at most
 * twice the smaller count limit cannot pass either, and a longer one cannot if it has fewer commas than that limit.
 * No nesting can be deeper than the count of `{` and `[`. The counts are native substring searches that stop as
 * soon as a count is too high. Past them, one linear pass with no recursion decides exactly, skipping string
 * contents so a quote, bracket or comma inside a string never counts.
 */
export function exceededJsonLimit(
  text: string,
  byteLength: number,
  limits: JsonLimits,
): JsonLimitKind | undefined {
  const stringsFit = byteLength <= limits.stringValueLength
  const members = Math.min(limits.objectEntryCount, limits.arrayElementCount)
  if (
    stringsFit &&
    (text.length <= 2 * members || occurrencesAtMost(text, ',', undefined, members - 1)) &&
    (text.length <= limits.depth || occurrencesAtMost(text, '{', '[', limits.depth))
  ) {
    return undefined
  }
  return scan(text, limits, stringsFit)
}

/** Whether `text` holds at most `limit` of `a` and `b` together; String#indexOf is native and stops at the limit. */
function occurrencesAtMost(text: string, a: string, b: string | undefined, limit: number): boolean {
  let count = 0
  for (let at = text.indexOf(a); at !== -1; at = text.indexOf(a, at + 1)) if (++count > limit) return false
  if (b === undefined) return true
  for (let at = text.indexOf(b); at !== -1; at = text.indexOf(b, at + 1)) if (++count > limit) return false
  return true
}

/**
 * The exact pass. A container's members are its own commas plus one, so it is refused when its commas reach the
 * limit; a string's length is counted only when the body is longer than the limit. Memory is two arrays of the
 * depth limit's size, whatever the body.
 */
function scan(text: string, limits: JsonLimits, stringsFit: boolean): JsonLimitKind | undefined {
  const commas = new Int32Array(limits.depth)
  const inArray = new Uint8Array(limits.depth)
  const length = text.length
  let depth = 0
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      if (stringsFit) {
        // Skip to the closing quote; a backslash always takes the next character with it.
        for (i++; i < length; i++) {
          const s = text.charCodeAt(i)
          if (s === BACKSLASH) i++
          else if (s === QUOTE) break
        }
      } else {
        let bytes = 0
        for (i++; i < length; i++) {
          const s = text.charCodeAt(i)
          if (s === QUOTE) break
          if (s === BACKSLASH) {
            // The escape as written: `\"` is two bytes, `\u00e9` six, as Vault counts them.
            bytes++
            if (++i >= length) break
            bytes += utf8Length(text.charCodeAt(i))
          } else {
            bytes += utf8Length(s)
          }
        }
        if (bytes > limits.stringValueLength) return 'string'
      }
    } else if (c === COMMA) {
      if (depth === 0) continue
      const top = depth - 1
      const members = ++commas[top]!
      if (inArray[top] === 1 ? members >= limits.arrayElementCount : members >= limits.objectEntryCount)
        return inArray[top] === 1 ? 'array' : 'object'
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth >= limits.depth) return 'depth'
      commas[depth] = 0
      inArray[depth] = c === OPEN_BRACKET ? 1 : 0
      depth++
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) {
      depth--
    }
  }
  return undefined
}

/**
 * UTF-8 bytes of one UTF-16 code unit: each half of a surrogate pair is two of the pair's four. A byte that was not
 * UTF-8 was decoded to U+FFFD and counts as its three bytes, so such a string is held to a slightly tighter limit.
 */
function utf8Length(unit: number): number {
  if (unit < 0x80) return 1
  if (unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff)) return 2
  return 3
}

/**
 * The refusal, worded the same way everywhere and never quoting the body (it may be the secret being written):
 * Vault's message, then the limit and the listener option that sets it.
 */
export function jsonLimitMessage(kind: JsonLimitKind, limits: JsonLimits, what: string): string {
  switch (kind) {
    case 'depth':
      return jsonDepthMessage(what, limits.depth)
    case 'string':
      return `JSON string value exceeds allowed length: ${what} has a string longer than ${limits.stringValueLength} bytes (max_json_string_value_length)`
    case 'object':
      return `JSON object exceeds allowed entry count: ${what} has an object with more than ${limits.objectEntryCount} entries (max_json_object_entry_count)`
    case 'array':
      return `JSON array exceeds allowed element count: ${what} has an array with more than ${limits.arrayElementCount} elements (max_json_array_element_count)`
  }
}
