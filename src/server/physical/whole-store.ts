// Helpers every backend's whole-store copy and replace share: JavaScript key order, and gathering an entry stream.
import type { StoredEntry } from './physical.ts'

/** `keys` sorted in JavaScript string (UTF-16 code unit) order, the order list() and entries() promise. */
export function sortedByKey(keys: string[]): string[] {
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Read a whole entry stream into memory before anything is replaced, so an iterable that throws part-way leaves
 * the store untouched. Values are copied (the caller may reuse its buffers); a repeated key is refused.
 */
export async function collectEntries(entries: AsyncIterable<StoredEntry>): Promise<StoredEntry[]> {
  const out: StoredEntry[] = []
  const seen = new Set<string>()
  for await (const entry of entries) {
    if (typeof entry.key !== 'string') throw new TypeError('storage key must be a string')
    if (!(entry.value instanceof Uint8Array))
      throw new TypeError(`storage value for ${entry.key} must be a Uint8Array`)
    if (seen.has(entry.key)) throw new Error(`the entries repeat the key ${JSON.stringify(entry.key)}`)
    seen.add(entry.key)
    out.push({ key: entry.key, value: entry.value.slice() })
  }
  return out
}
