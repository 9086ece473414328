// Strict standard base64 as Go's StdEncoding reads it: a bad character or length is an error, not silently skipped.
import { InvalidRequestError } from '../../../sdk/errors.ts'

/** A-Z, a-z, 0-9, + and /: the standard alphabet (Node's decoder would also take - and _, and skip the rest). */
function isStdBase64Char(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 43 ||
    code === 47
  )
}

const PAD = 61
const isNewline = (code: number) => code === 10 || code === 13

/**
 * Where Go's base64.StdEncoding.DecodeString fails on `text` (the byte offset its CorruptInputError names), or
 * undefined when Go decodes it. Go skips `\r` and `\n` anywhere, so base64(1)'s wrapped output is accepted, and
 * reads nothing after the padding. This follows its decodeQuantum step by step, offsets included.
 */
export function base64ErrorOffset(text: string): number | undefined {
  const length = text.length
  let si = 0
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (si === length) return j === 0 ? undefined : si - j
      const code = text.charCodeAt(si++)
      if (isStdBase64Char(code)) continue
      if (isNewline(code)) {
        j--
        continue
      }
      if (code !== PAD || j < 2) return si - 1
      if (j === 2) {
        // "==" is expected; the first is read.
        while (si < length && isNewline(text.charCodeAt(si))) si++
        if (si === length) return length
        if (text.charCodeAt(si) !== PAD) return si - 1
        si++
      }
      while (si < length && isNewline(text.charCodeAt(si))) si++
      return si < length ? si : undefined
    }
  }
}

/** Go's error text for `text`, as Vault passes it on ("illegal base64 data at input byte N"), or undefined. */
export function base64Error(text: string): string | undefined {
  const offset = base64ErrorOffset(text)
  return offset === undefined ? undefined : `illegal base64 data at input byte ${offset}`
}

/**
 * The bytes of `text`, or undefined when Go's standard decoder refuses it. Canonical base64 (what every encoder
 * writes) is recognised natively: it decodes and re-encodes to itself. Anything else takes Go's rules, which also
 * accept non-zero padding bits and skip line breaks.
 */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  if (bytes.toString('base64') === text) return bytes
  if (base64ErrorOffset(text) !== undefined) return undefined
  // Valid for Go: Node's decoder skips the line breaks, and nothing follows the padding.
  return bytes
}

/**
 * Like decodeBase64 but throws a 400 when the text is bad: with `message` (Vault's wording for the field), or
 * what `message` makes of Go's error text where Vault includes it.
 */
export function requireBase64(text: string, message: string | ((goError: string) => string)): Buffer {
  const bytes = decodeBase64(text)
  if (bytes !== undefined) return bytes
  throw new InvalidRequestError(
    typeof message === 'string' ? message : message(base64Error(text) ?? 'illegal base64 data'),
  )
}

/** Optional base64 field: empty bytes when absent or empty, as Vault treats an empty context. */
export function optionalBase64(
  text: string | undefined,
  message: string | ((goError: string) => string),
): Buffer {
  return text === undefined || text === '' ? Buffer.alloc(0) : requireBase64(text, message)
}

/** Vault's words where it passes Go's error on as it is (encrypt's plaintext and context, decrypt's context). */
export const goError = (error: string): string => error

/** Vault's words for an undecodable `input` (sign, verify, hmac, hash). */
export const inputError = (error: string): string => `unable to decode input as base64: ${error}`
