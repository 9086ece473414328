// A piece of an audit line's text: plain text, or remembered text carrying its UTF-8 bytes, made once.

/**
 * Text that repeats from line to line (a remembered section) with its UTF-8 bytes: a batch copies the bytes
 * instead of encoding the text again for every line that carries it.
 */
export interface EncodedText {
  readonly text: string
  readonly bytes: Buffer
}

export type LinePart = string | EncodedText

/** `text` with its UTF-8 bytes; the text must be well-formed (JSON.stringify's output always is). */
export function encodedText(text: string): EncodedText {
  return { text, bytes: Buffer.from(text, 'utf8') }
}

export function partText(part: LinePart): string {
  return typeof part === 'string' ? part : part.text
}
