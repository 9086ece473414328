// The server config's user_lockout blocks (Vault's): lockout defaults for all auth methods or one type, below each mount's tune.
import type { UserLockoutConfig } from '../../sdk/request.ts'

type Raw = Record<string, unknown>

/** What one block sets; each mount's `user_lockout_config` tune overrides it, a type's block overrides "all". */
export type UserLockoutDefaults = Record<string, Partial<UserLockoutConfig>>

const TYPES = ['all', 'userpass', 'approle']
const KEYS = ['lockout_threshold', 'lockout_duration', 'lockout_counter_reset', 'disable_lockout']

export interface LockoutParsers {
  fail(key: string, problem: string): never
  duration(value: unknown, where: string): number
  bool(value: unknown, where: string): boolean
}

/**
 * COFFER_DISABLE_USER_LOCKOUT (Vault's VAULT_DISABLE_USER_LOCKOUT): "true" turns lockout off for every mount and
 * "false" on, whatever the tunes and user_lockout blocks say; unset leaves them in charge. Go's boolean spellings.
 */
export function lockoutDisabledFromEnv(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new Error(`COFFER_DISABLE_USER_LOCKOUT must be true or false, not ${JSON.stringify(value)}`)
}

export function parseUserLockoutBlocks(
  blocks: { type: string; body: Raw }[],
  parse: LockoutParsers,
): UserLockoutDefaults {
  const out: UserLockoutDefaults = {}
  for (const { type, body } of blocks) {
    const where = `user_lockout.${type}`
    if (!TYPES.includes(type)) parse.fail(where, `unknown auth method type (supported: ${TYPES.join(', ')})`)
    if (out[type]) parse.fail(where, 'appears twice')
    for (const key of Object.keys(body))
      if (!KEYS.includes(key)) parse.fail(`${where}.${key}`, `unknown key (supported: ${KEYS.join(', ')})`)
    const settings: Partial<UserLockoutConfig> = {}
    if (body['lockout_threshold'] !== undefined) {
      const threshold = Number(body['lockout_threshold'])
      if (!Number.isInteger(threshold) || threshold < 0)
        parse.fail(`${where}.lockout_threshold`, 'must be a whole number, 0 or more')
      settings.threshold = threshold
    }
    if (body['lockout_duration'] !== undefined)
      settings.duration = parse.duration(body['lockout_duration'], `${where}.lockout_duration`)
    if (body['lockout_counter_reset'] !== undefined)
      settings.counterReset = parse.duration(body['lockout_counter_reset'], `${where}.lockout_counter_reset`)
    if (body['disable_lockout'] !== undefined)
      settings.disable = parse.bool(body['disable_lockout'], `${where}.disable_lockout`)
    out[type] = settings
  }
  return out
}
