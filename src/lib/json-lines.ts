// A JSON-lines file (an audit log) read line by line, so a large one never sits in memory.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

export interface JsonLine {
  /** The line as written. */
  text: string
  /** The line's JSON object; undefined when the line is not a JSON object (malformed, or an array or scalar). */
  object: Record<string, unknown> | undefined
}

/** Every non-blank line of `file`, in order; a missing or unreadable file rejects the iteration. */
export async function* jsonLines(file: string): AsyncGenerator<JsonLine> {
  const input = createReadStream(file, 'utf8')
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  try {
    for await (const text of lines) {
      if (text.trim() === '') continue
      yield { text, object: objectOf(text) }
    }
  } finally {
    lines.close()
    input.destroy()
  }
}

function objectOf(text: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}
