// Finding JSON numbers that a JavaScript number cannot hold as sent, so a body is refused instead of silently changed.

/**
 * Only text with a long run of digits or a three-digit exponent can hold such a number; the common body is
 * cleared by this one native regex test without a second parse.
 */
const MAYBE_INEXACT = /\d{16}|[eE][+-]?\d{3}/

/**
 * The first number literal in `text` (valid JSON) that would not survive being stored and read back: one that
 * overflows to Infinity (1e309), underflows a non-zero value to 0 (1e-400), or an integer beyond 2^53 that
 * rounds (9007199254740993). Vault keeps such numbers exactly (Go's json.Number); storing the rounded value
 * would hand the client back something it never wrote, so callers refuse the request instead.
 */
export function inexactJsonNumber(text: string): string | undefined {
  if (!MAYBE_INEXACT.test(text)) return undefined
  let found: string | undefined
  JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (found === undefined && typeof value === 'number' && context?.source !== undefined) {
      if (!exact(value, context.source)) found = context.source
    }
    return value
  })
  return found
}

function exact(value: number, source: string): boolean {
  if (!Number.isFinite(value)) return false
  if (value === 0) return !/[1-9]/.test(source.split(/[eE]/)[0]!)
  if (/^-?\d+$/.test(source)) return Number.isSafeInteger(value)
  return true
}

/**
 * The refusal, without the number itself: it may be the very secret the request stores (a card or account number
 * sent as a JSON number), and an error's text reaches the audit log in clear.
 */
export const INEXACT_NUMBER_MESSAGE =
  'failed to parse JSON input: a number in it cannot be stored exactly; send it as a string'
