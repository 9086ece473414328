// When an audit entry records a summary of request data instead of the data: the rule, the budget, the summary.
import type { AuditDataElided } from './entry.ts'

/**
 * A request that carries no accepted token (refused, or sent to an unauthenticated path such as a login) has
 * its data recorded, HMAC'd, only while it fits this budget: anyone can send such a request, and hashing a 32 MiB body of
 * half a million values costs seconds of CPU that every other client would wait behind. Past the budget
 * the entry carries a fixed-size summary instead (`request.data_elided`), so an unauthenticated caller
 * buys at most this much audit work. Authenticated requests are never summarised for cost.
 */
export const DENIED_DATA_BUDGET = { values: 256, chars: 64 * 1024 } as const

/** True when `data` has at most `budget.values` nodes and `budget.chars` characters of keys and strings. */
export function fitsBudget(data: unknown, budget: { values: number; chars: number } = DENIED_DATA_BUDGET) {
  let values = 0
  let chars = 0
  const stack: unknown[] = [data]
  // Stops as soon as either bound is passed, so the check itself costs at most the budget.
  while (stack.length > 0) {
    const value = stack.pop()
    if (++values > budget.values) return false
    if (typeof value === 'string') chars += value.length
    else if (Array.isArray(value)) for (const item of value) stack.push(item)
    else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        chars += key.length
        stack.push((value as Record<string, unknown>)[key])
      }
    }
    if (chars > budget.chars) return false
  }
  return true
}

/**
 * The summary to record instead of a denied request's data, or undefined when the data fits the budget and is
 * recorded (HMAC'd) as usual. `declaredBytes` is the request's Content-Length: when it is over the budget the
 * data is not walked at all, and the summary's `bytes` is the body's size as sent.
 */
export function elideDeniedData(
  data: unknown,
  declaredBytes: number | undefined,
): AuditDataElided | undefined {
  const overDeclared = declaredBytes !== undefined && declaredBytes > DENIED_DATA_BUDGET.chars
  if (!overDeclared && fitsBudget(data)) return undefined
  return {
    reason: 'unauthenticated',
    keys: data !== null && typeof data === 'object' ? Object.keys(data).length : 0,
    bytes: declaredBytes ?? textBytes(data),
  }
}

/**
 * UTF-8 bytes of every key and string in `data`, at any depth: about the body's size when no Content-Length
 * was sent (a chunked body). Iterative, no hashing, no allocation per value.
 */
export function textBytes(data: unknown): number {
  let bytes = 0
  const stack: unknown[] = [data]
  while (stack.length > 0) {
    const value = stack.pop()
    if (typeof value === 'string') bytes += Buffer.byteLength(value)
    else if (Array.isArray(value)) for (const item of value) stack.push(item)
    else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        bytes += Buffer.byteLength(key)
        stack.push((value as Record<string, unknown>)[key])
      }
    }
  }
  return bytes
}
