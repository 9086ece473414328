// The answer to a LIST: Vault's `{ data: { keys } }`, or nothing (a 404) when there are no keys.
import type { LogicalResponse } from '../request.ts'

export function listResponse(keys: string[]): LogicalResponse | undefined {
  return keys.length === 0 ? undefined : { data: { keys } }
}
