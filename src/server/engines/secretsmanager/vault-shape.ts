// AWS output as the Vault API shows it: snake_case keys and RFC 3339 dates; map keys (version IDs) kept as they are.
import { rfc3339 } from '../../../lib/time.ts'

const MAPS = new Set(['VersionIdsToStages', 'SecretVersionsToStages'])

function snake(key: string): string {
  return key
    .replace(/ARN/g, 'Arn')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
}

export function vaultShape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => vaultShape(item))
  if (value !== null && typeof value === 'object') {
    if (MAPS.has(key)) return value
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), vaultShape(v, k)]))
  }
  if (typeof value === 'number' && key.endsWith('Date')) return rfc3339(value * 1000)
  return value
}

/** Vault's `tags` map as AWS's [{Key, Value}] list. */
export function tagList(tags: Record<string, string> | undefined) {
  return tags === undefined ? undefined : Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}
