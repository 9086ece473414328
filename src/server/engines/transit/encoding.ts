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

/**
 * Padded standard base64: whole groups of four, the last ending in at most two `=`. A loop over character codes,
 * where the equivalent regular expression cost a few µs on every kilobyte-sized plaintext.
 */
export function isStdBase64(text: string): boolean {
  const length = text.length
  if (length % 4 !== 0) return false
  let end = length
  if (length > 0 && text.charCodeAt(length - 1) === 61)
    end = text.charCodeAt(length - 2) === 61 ? length - 2 : length - 1
  for (let i = 0; i < end; i++) if (!isStdBase64Char(text.charCodeAt(i))) return false
  return true
}

/**
 * The bytes of `text`, or undefined when it is not valid padded standard base64. Canonical base64 (what every
 * encoder writes) is recognised natively: it decodes and re-encodes to itself. Anything else takes the exact
 * check, which also accepts non-zero padding bits as Go's decoder does.
 */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  if (bytes.toString('base64') === text) return bytes
  return isStdBase64(text) ? bytes : undefined
}

/** Like decodeBase64 but throws a 400 with `message` (Vault's wording for the field) when the text is bad. */
export function requireBase64(text: string, message: string): Buffer {
  const bytes = decodeBase64(text)
  if (bytes === undefined) throw new InvalidRequestError(message)
  return bytes
}

/** Optional base64 field: empty bytes when absent or empty, as Vault treats an empty context. */
export function optionalBase64(text: string | undefined, message: string): Buffer {
  return text === undefined || text === '' ? Buffer.alloc(0) : requireBase64(text, message)
}
