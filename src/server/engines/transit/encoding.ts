// Strict standard base64 as Go's StdEncoding reads it: a bad character or length is an error, not silently skipped.
import { InvalidRequestError } from '../../../sdk/errors.ts'

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The bytes of `text`, or undefined when it is not valid padded standard base64. */
export function decodeBase64(text: string): Buffer | undefined {
  return STD_BASE64.test(text) ? Buffer.from(text, 'base64') : undefined
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
