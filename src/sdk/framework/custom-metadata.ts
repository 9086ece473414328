// Vault's custom_metadata limits (KV v2 metadata, entity aliases): at most 64 pairs, keys up to 128 bytes, values up to 512.
import { goQuote } from '../../lib/go-quote.ts'
import { InvalidRequestError } from '../errors.ts'

const MAX_CUSTOM_METADATA_KEYS = 64
const MAX_CUSTOM_METADATA_KEY_BYTES = 128
const MAX_CUSTOM_METADATA_VALUE_BYTES = 512
const PREFIX = 'custom_metadata validation failed'

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u

/** Go's multierror text, which Vault returns as the single error message. */
function multiError(points: string[]): string {
  if (points.length === 1) return `1 error occurred:\n\t* ${points[0]}\n\n`
  return `${points.length} errors occurred:\n\t${points.map((p) => `* ${p}`).join('\n\t')}\n\n`
}

/** Throws a 400 listing every problem, as Vault does; past 64 keys it stops at that one problem. */
export function validateCustomMetadata(map: Record<string, string | null>): void {
  const entries = Object.entries(map).filter((entry): entry is [string, string] => entry[1] !== null)
  if (entries.length > MAX_CUSTOM_METADATA_KEYS) {
    throw new InvalidRequestError(
      multiError([
        `${PREFIX}: payload must contain at most ${MAX_CUSTOM_METADATA_KEYS} keys, provided ${entries.length}`,
      ]),
    )
  }
  const problems: string[] = []
  for (const [key, value] of entries) {
    const keyBytes = Buffer.byteLength(key, 'utf8')
    if (keyBytes === 0 || keyBytes > MAX_CUSTOM_METADATA_KEY_BYTES) {
      problems.push(
        `${PREFIX}: length of key ${goQuote(key)} is ${keyBytes} but must be 0 < len(key) <= ${MAX_CUSTOM_METADATA_KEY_BYTES}`,
      )
    }
    const valueBytes = Buffer.byteLength(value, 'utf8')
    if (valueBytes === 0 || valueBytes > MAX_CUSTOM_METADATA_VALUE_BYTES) {
      problems.push(
        `${PREFIX}: length of value for key ${goQuote(key)} is ${valueBytes} but must be 0 < len(value) <= ${MAX_CUSTOM_METADATA_VALUE_BYTES}`,
      )
    }
    // Vault names an unprintable key twice: Go-quoted, so the culprit shows, then as sent.
    if (!PRINTABLE.test(key))
      problems.push(`${PREFIX}: key ${goQuote(key)} (${key}) contains unprintable characters`)
    if (!PRINTABLE.test(value)) {
      problems.push(`${PREFIX}: value for key ${goQuote(key)} contains unprintable characters`)
    }
  }
  if (problems.length > 0) throw new InvalidRequestError(multiError(problems))
}
