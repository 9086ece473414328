// A role's credential_config for the password credential type: an optional password_policy that overrides the connection's.
import { InvalidRequestError } from '../../../sdk/errors.ts'

export interface CredentialConfig {
  password_policy?: string
}

const KNOWN = new Set(['password_policy'])

function fail(problem: string): never {
  throw new InvalidRequestError(`credential_config validation failed: ${problem}`)
}

/** Vault's key/value field: an object, a JSON object string, or "key=value" strings (one, or a list). */
function pairsOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {}
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      return pairsOf(JSON.parse(value))
    } catch {
      fail('not a JSON object')
    }
  }
  const items = typeof value === 'string' ? [value] : value
  if (Array.isArray(items))
    return Object.fromEntries(
      items.map((item) => {
        const text = String(item)
        const eq = text.indexOf('=')
        if (eq === -1) fail(`"${text}" is not key=value`)
        return [text.slice(0, eq).trim(), text.slice(eq + 1)]
      }),
    )
  if (typeof items === 'object') return items as Record<string, unknown>
  return fail('must be a map of strings')
}

/**
 * The stored form of credential_config. Deliberately stricter than Vault, which drops keys it does not know: a
 * misspelled password_policy would silently leave the connection's (or the default) policy in force.
 */
export function parseCredentialConfig(value: unknown): CredentialConfig {
  const pairs = pairsOf(value)
  for (const key of Object.keys(pairs))
    if (!KNOWN.has(key)) fail(`unknown key "${key}" for credential_type "password"`)
  const policy = pairs['password_policy']
  if (policy === undefined || policy === '') return {}
  if (typeof policy !== 'string') fail('password_policy must be a string')
  return { password_policy: policy }
}

/** The password policy a role's passwords come from: its own, else the connection's, else the default generator. */
export function passwordPolicyFor(
  role: { credential_config?: CredentialConfig },
  config: { password_policy: string },
) {
  return role.credential_config?.password_policy || config.password_policy || undefined
}
