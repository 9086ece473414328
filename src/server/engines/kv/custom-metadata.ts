// custom_metadata parsing for KV v2 metadata; the limits are shared with entity aliases (sdk/framework/custom-metadata.ts).
import { setOwn } from '../../../lib/set-own.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'

export { validateCustomMetadata } from '../../../sdk/framework/custom-metadata.ts'

const PREFIX = 'custom_metadata validation failed'

// Vault decodes values with mapstructure's weak typing: numbers print plainly and booleans become "1"/"0".
function weakString(value: unknown, key: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (value === null || value === undefined) return ''
  throw new InvalidRequestError(
    `${PREFIX}: value for key ${JSON.stringify(key)} must be a string, number or boolean`,
  )
}

function asObject(raw: unknown): Record<string, unknown> {
  let value = raw
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      value = JSON.parse(value)
    } catch {
      // fall through to the type error below
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError('invalid value for "custom_metadata": expected an object of string values')
  }
  return value as Record<string, unknown>
}

/**
 * The string map a write stores. With `dropNulls` (PATCH) a null value is left out of the result
 * so the caller's merge patch removes that key.
 */
export function parseCustomMetadata(raw: unknown, dropNulls = false): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [key, value] of Object.entries(asObject(raw))) {
    setOwn(out, key, dropNulls && value === null ? null : weakString(value, key))
  }
  return out
}
