// The aws-keys auth method: access key pairs and session credentials bound to roles, and logins with SigV4-signed requests.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { internalString, requireStillExists } from '../../../sdk/framework/login-renew.ts'
import { loadAccessKey } from './key-store.ts'
import {
  accessKeyListPath,
  accessKeyPathDef,
  createAccessKeyPath,
  rotateAccessKeyPath,
} from './path-access-key.ts'
import { callerIdentityPath } from './path-caller-identity.ts'
import { loginPath } from './path-login.ts'
import { roleListPath, rolePath } from './path-role.ts'
import { issueSessionPath, sessionListPath, sessionPathDef } from './path-session.ts'
import { sessionTokenPath } from './path-session-token.ts'
import { webIdentityPath } from './path-web-identity.ts'
import { loadRole } from './role-store.ts'
import { loadSession, SESSION_KEY_ID, sweepSessions } from './session-store.ts'
import { type AwsKeysState, SWEEP_INTERVAL_MS, setupAwsKeys } from './state.ts'

export const awsKeysBackend = defineBackend<AwsKeysState>({
  kind: 'auth',
  help: 'The aws-keys auth method issues AWS-style access key pairs and session credentials bound to roles, and logs in SigV4-signed requests.',
  paths: [
    roleListPath,
    rolePath,
    createAccessKeyPath,
    accessKeyListPath,
    accessKeyPathDef,
    rotateAccessKeyPath,
    issueSessionPath,
    sessionListPath,
    sessionPathDef,
    webIdentityPath,
    sessionTokenPath,
    loginPath,
    callerIdentityPath,
  ],
  specialPaths: { unauthenticated: ['login', 'web-identity', 'session-token', 'caller-identity'] },
  setup: setupAwsKeys,
  // A service token (when the role asks for them) renews only while its credentials and role exist.
  renewLogin: async ({ storage, system }, { internal }) => {
    const id = internalString(internal, 'accessKeyId')
    if (SESSION_KEY_ID.test(id)) {
      const session = await loadSession(storage, id)
      const live = session && session.expires > system.now() ? session : undefined
      requireStillExists(live, 'the session credentials')
      requireStillExists(await loadRole(storage, session!.role), 'the role')
      return undefined
    }
    const entry = requireStillExists(await loadAccessKey(storage, id), 'the access key')
    requireStillExists(await loadRole(storage, entry.role), 'the role')
    return undefined
  },
  // Expired session credentials are already refused by login; the sweep only frees their storage.
  periodic: async ({ storage, state, system }) => {
    if (system.now() - state.lastSweep < SWEEP_INTERVAL_MS) return
    state.lastSweep = system.now()
    const removed = await sweepSessions(storage, state, system.now())
    if (removed > 0) system.log('info', 'removed expired session credentials', { count: removed })
  },
})
