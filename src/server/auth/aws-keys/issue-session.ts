// Stores new session credentials for a role and answers with them once: shared by role/:name/session and
// session-token (GetSessionToken).
import { sha256Hex } from '../../../lib/hash.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { accountId, assumedRoleArn, keyUserArn, roleId } from './arn.ts'
import {
  encodeSession,
  loadSession,
  newSessionKeyId,
  newSessionSecret,
  newSessionToken,
  type SessionEntry,
  sessionPath,
} from './session-store.ts'

export interface NewSession {
  role: string
  sessionName: string
  durationSeconds: number
  subject?: string | undefined
  issuedTo?: string | undefined
  parentKey?: string | undefined
}

/** Call under the role's lock, after checking the role exists and the duration is allowed. */
export async function issueSession(
  storage: Storage,
  system: SystemView,
  wanted: NewSession,
): Promise<Record<string, unknown>> {
  let id = newSessionKeyId()
  while ((await loadSession(storage, id)) !== undefined) id = newSessionKeyId()
  const token = newSessionToken()
  const now = system.now()
  const entry: SessionEntry = {
    role: wanted.role,
    secret: newSessionSecret(),
    tokenSha256: sha256Hex(token),
    created: now,
    expires: now + wanted.durationSeconds * 1000,
    sessionName: wanted.sessionName,
    ...(wanted.subject ? { subject: wanted.subject } : {}),
    ...(wanted.parentKey ? { parentKey: wanted.parentKey } : {}),
    ...(wanted.issuedTo ? { issuedTo: wanted.issuedTo } : {}),
  }
  await storage.put(sessionPath(id), encodeSession(entry))
  const account = accountId(system)
  return {
    access_key_id: id,
    secret_access_key: entry.secret,
    session_token: token,
    expiration: new Date(entry.expires).toISOString(),
    role: wanted.role,
    account_id: account,
    ...(wanted.parentKey
      ? { user_arn: keyUserArn(account, wanted.role) }
      : {
          assumed_role_arn: assumedRoleArn(account, wanted.role, wanted.sessionName),
          assumed_role_id: `${roleId(system.mount.uuid, wanted.role)}:${wanted.sessionName}`,
        }),
  }
}
