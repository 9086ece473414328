// Go's strconv.Quote (fmt's %q) for error texts that must read as Vault's: unprintable runes become visible escapes.

const SHORT_ESCAPES: Record<string, string> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE_RUNE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** `text` double-quoted as Go quotes it: escapes for quotes, backslashes and every rune Go does not print. */
export function goQuote(text: string): string {
  let out = '"'
  for (const rune of text) {
    const short = SHORT_ESCAPES[rune]
    if (short !== undefined) out += short
    else if (PRINTABLE_RUNE.test(rune)) out += rune
    else {
      const code = rune.codePointAt(0) ?? 0
      if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`
      else out += `\\U${code.toString(16).padStart(8, '0')}`
    }
  }
  return `${out}"`
}
