// Vault's rules for entity and group metadata: at most 64 pairs, keys of [a-zA-Z0-9=/+_-] up to 128 characters, not
// starting with the reserved "vault-", values up to 512 bytes.
import { goQuote } from '../../../lib/go-quote.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'

const MAX_PAIRS = 64
const MAX_KEY_LENGTH = 128
const MAX_VALUE_LENGTH = 512
const RESERVED_PREFIX = 'vault-'
const KEY_FORMAT = /^[a-zA-Z0-9=/+_-]+$/

function pairProblem(key: string, value: string): string | undefined {
  if (key === '') return 'key cannot be blank'
  if (!KEY_FORMAT.test(key)) return 'key contains invalid characters'
  if (key.length > MAX_KEY_LENGTH) return `key is too long (limit: ${MAX_KEY_LENGTH} characters)`
  if (key.startsWith(RESERVED_PREFIX))
    return `key prefix ${goQuote(RESERVED_PREFIX)} is reserved for internal use`
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_LENGTH)
    return `value is too long (limit: ${MAX_VALUE_LENGTH} characters)`
  return undefined
}

/**
 * Throws a 400 naming the first bad pair. Vault quotes the value too; it is left out here, since a value may be
 * long and the key is enough to find the culprit.
 */
export function validateIdentityMetadata(kind: 'entity' | 'group', metadata: Record<string, string>): void {
  const pairs = Object.entries(metadata)
  if (pairs.length > MAX_PAIRS) {
    throw new InvalidRequestError(
      `invalid ${kind} metadata: metadata cannot contain more than ${MAX_PAIRS} key/value pairs`,
    )
  }
  for (const [key, value] of pairs) {
    const problem = pairProblem(key, value)
    if (problem) {
      throw new InvalidRequestError(
        `invalid ${kind} metadata: failed to load metadata pair (${goQuote(key)}): ${problem}`,
      )
    }
  }
}
