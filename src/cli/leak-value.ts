// A fresh random replacement for a leaked value: same length and character classes, from the CSPRNG.
import { randomInt } from 'node:crypto'

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'
/** Shorter values are replaced by this many base62 characters: a short secret was too weak to copy. */
const MIN_LENGTH = 16
export const FALLBACK_LENGTH = 32
/** Longer or multi-line values are structured (PEM keys, JSON, certificates): not something to fake. */
export const MAX_LENGTH = 512

export class ValueShapeError extends Error {}

/** The alphabet and length a replacement for `old` should have, and the classes it must contain. */
function replacementShape(old: string): { alphabet: string; length: number; required: string[] } {
  if (old.length > MAX_LENGTH || /[\s]/.test(old) || /[^\x21-\x7e]/.test(old))
    throw new ValueShapeError(
      'the value is multi-line, very long or not plain ASCII (a key, certificate or document): rotate it by hand',
    )
  if (old.length < MIN_LENGTH)
    return { alphabet: LOWER + UPPER + DIGITS, length: FALLBACK_LENGTH, required: [] }
  // Hex stays hex (API keys and tokens are often hex), in the case it was written in.
  if (/^[0-9a-f]+$/.test(old)) return { alphabet: `${DIGITS}abcdef`, length: old.length, required: [] }
  if (/^[0-9A-F]+$/.test(old)) return { alphabet: `${DIGITS}ABCDEF`, length: old.length, required: [] }
  const required: string[] = []
  let alphabet = ''
  for (const set of [LOWER, UPPER, DIGITS]) {
    if ([...old].some((c) => set.includes(c))) {
      alphabet += set
      required.push(set)
    }
  }
  // Symbols: exactly the ones the old value used, so whatever parses it (URLs, .env files) still does.
  const symbols = [...new Set([...old].filter((c) => !/[A-Za-z0-9]/.test(c)))].join('')
  if (symbols !== '') {
    alphabet += symbols
    required.push(symbols)
  }
  if (alphabet.length < 16) return { alphabet: LOWER + UPPER + DIGITS, length: FALLBACK_LENGTH, required: [] }
  return { alphabet, length: old.length, required }
}

/** A new value shaped like `old`, never equal to it; every character from crypto.randomInt (no modulo bias). */
export function replacementFor(old: string): string {
  const { alphabet, length, required } = replacementShape(old)
  for (;;) {
    let value = ''
    for (let i = 0; i < length; i++) value += alphabet[randomInt(alphabet.length)]
    if (value !== old && required.every((set) => [...value].some((c) => set.includes(c)))) return value
  }
}
