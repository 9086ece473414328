// aws-keys roles in the mount's storage: the Coffer token settings every access key of the role logs in with.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { defaultTokenParams, type TokenParams } from '../../../sdk/framework/token-params.ts'
import { getJsonSharedNow, type Storage } from '../../../sdk/storage.ts'

/** Token settings, and what lets a web identity assume the role through STS (src/server/http/aws/sts.ts). */
export type RoleEntry = TokenParams & {
  /** The jwt or kubernetes auth mount that verifies web identity tokens for this role, as `jwt/`; '' for none. */
  webIdentityMount?: string
  /** The role of that mount the web identity token logs in with. */
  webIdentityRole?: string
  /** The longest session (seconds) credentials of this role may be issued for; AWS's MaxSessionDuration. */
  maxSessionDuration?: number
}

export const DEFAULT_MAX_SESSION_DURATION = 3600
/** AWS's bounds of DurationSeconds and MaxSessionDuration. */
export const MIN_SESSION_DURATION = 900
export const MAX_SESSION_DURATION = 43200

const ROLE = 'role/'

/** Role names are case-insensitive and become one path segment, as approle's are. */
export function normalizeRoleName(raw: string | undefined): string {
  const name = (raw ?? '').trim().toLowerCase()
  if (name === '') throw new InvalidRequestError('missing name')
  if (name.length > 128) throw new InvalidRequestError('name must be at most 128 characters')
  if (!/^[a-z0-9_.-]+$/.test(name))
    throw new InvalidRequestError('name may contain only letters, digits, hyphen, underscore and period')
  return name
}

/** A new role's settings: batch tokens, so the per-request login of the AWS endpoints stores nothing. */
export function defaultRole(): RoleEntry {
  return { ...defaultTokenParams(), tokenType: 'batch' }
}

/** The stored role, or undefined; without an await when the storage has it in memory. */
export function loadRole(
  storage: Storage,
  name: string,
): RoleEntry | undefined | Promise<RoleEntry | undefined> {
  return getJsonSharedNow<RoleEntry>(storage, ROLE + name)
}

export function listRoles(storage: Storage): Promise<string[]> {
  return storage.list(ROLE)
}

export async function saveRole(storage: Storage, name: string, role: RoleEntry): Promise<void> {
  await storage.put(ROLE + name, Buffer.from(JSON.stringify(role)))
}

export const roleKey = (name: string) => ROLE + name
