// batch_input handling shared by encrypt, decrypt, rewrap, sign, verify and hmac: per-item errors and Vault's status rules.
import { InvalidRequestError, isAppError } from '../../../sdk/errors.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'

/** The batch items, or a 400 when batch_input is not a non-empty list of objects. */
export function batchItems(raw: unknown): Record<string, unknown>[] {
  let items = raw
  if (typeof items === 'string') {
    try {
      items = JSON.parse(items)
    } catch {
      throw new InvalidRequestError('failed to parse batch input: expected a list of objects')
    }
  }
  if (!Array.isArray(items))
    throw new InvalidRequestError('failed to parse batch input: expected a list of objects')
  if (items.length === 0) throw new InvalidRequestError('missing batch input to process')
  return items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw new InvalidRequestError('failed to parse batch input: expected a list of objects')
    return item as Record<string, unknown>
  })
}

/**
 * Vault's rule for encrypt, decrypt and rewrap: context is given in every item or in none. The first item decides
 * whether an upserted key is derived, so a batch that mixes them would encrypt some items without their context.
 */
export function requireConsistentContext(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const hasContext = (item: Record<string, unknown>) => {
    const context = item['context']
    return context !== undefined && context !== null && context !== ''
  }
  const first = items[0] !== undefined && hasContext(items[0])
  if (items.some((item) => hasContext(item) !== first))
    throw new InvalidRequestError('context should be set either in all the request blocks or in none')
  return items
}

/** An item's optional string field; a non-string is that item's error. */
export function itemString(item: Record<string, unknown>, name: string): string | undefined {
  const value = item[name]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new InvalidRequestError(`invalid value for "${name}": expected a string`)
}

export function itemInt(item: Record<string, unknown>, name: string): number | undefined {
  const raw = item[name]
  if (raw === undefined || raw === null || raw === '') return undefined
  const value = typeof raw === 'string' ? Number(raw) : raw
  if (typeof value === 'number' && Number.isInteger(value)) return value
  throw new InvalidRequestError(`invalid value for "${name}": expected an integer`)
}

/**
 * Runs `each` on every item: a 400-class failure becomes the item's `error`, anything else is rethrown (a 500 is
 * ours, not the caller's). For encrypt, decrypt and rewrap the response is 400 when any item failed, unless some
 * succeeded and the caller set partial_failure_response_code, as in Vault; sign, verify and hmac pass
 * `failuresAnswer200`, since Vault answers their batches 200 whatever the items' errors.
 */
export function runBatch(
  items: Record<string, unknown>[],
  each: (item: Record<string, unknown>, index: number) => Record<string, unknown>,
  partialFailureCode: number | undefined,
  failuresAnswer200 = false,
): LogicalResponse {
  let failures = 0
  const results = items.map((item, index) => {
    const reference = typeof item['reference'] === 'string' ? item['reference'] : ''
    try {
      return { ...each(item, index), reference }
    } catch (error) {
      if (!isAppError(error) || error.status !== 400) throw error
      failures++
      return { error: error.message, reference }
    }
  })
  const response: LogicalResponse = { data: { batch_results: results } }
  if (failures === 0 || failuresAnswer200) return response
  const someSucceeded = failures < items.length
  if (someSucceeded && partialFailureCode !== undefined) {
    if (partialFailureCode >= 1 && partialFailureCode <= 599)
      return { ...response, status: partialFailureCode }
    return {
      ...response,
      status: 400,
      warnings: ['invalid HTTP response code override from partial_failure_response_code, reverting to 400'],
    }
  }
  return { ...response, status: 400 }
}
