// The aws-keys auth method: access key pairs and session credentials bound to roles, and logins with SigV4-signed requests.
import { forgetSigningKeys } from '../../../lib/sigv4/index.ts'
import { defineBackend } from '../../../sdk/framework/backend.ts'
import {
  internalString,
  requireStillExists,
  underCurrentTokenSettings,
} from '../../../sdk/framework/login-renew.ts'
import { listedPolicyHolders, tokenPolicyHolder } from '../../../sdk/framework/token-params.ts'
import { listAccessKeys, loadAccessKey } from './key-store.ts'
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
import { listRoles, loadRole } from './role-store.ts'
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
  // On seal or unmount: the remembered signing keys, and the secrets they were derived from, leave memory.
  cleanup: () => forgetSigningKeys(),
  // A service token (when the role asks for them) renews only while its credentials and role exist.
  renewLogin: async ({ storage, system }, { internal }) => {
    const id = internalString(internal, 'accessKeyId')
    if (SESSION_KEY_ID.test(id)) {
      const session = await loadSession(storage, id)
      const live = session && session.expires > system.now() ? session : undefined
      requireStillExists(live, 'the session credentials')
      return underCurrentTokenSettings(requireStillExists(await loadRole(storage, session!.role), 'the role'))
    }
    const entry = requireStillExists(await loadAccessKey(storage, id), 'the access key')
    return underCurrentTokenSettings(requireStillExists(await loadRole(storage, entry.role), 'the role'))
  },
  // Roles, and each access key with its role's policies (session credentials are short-lived and left out).
  policyHolders: async ({ storage }) => {
    const roles = await listedPolicyHolders(
      await listRoles(storage),
      (name) => loadRole(storage, name),
      (name, role) => tokenPolicyHolder('role', name, role),
    )
    const byName = new Map(roles.map((role) => [role.name, role]))
    const keys = await listedPolicyHolders(
      await listAccessKeys(storage),
      (id) => loadAccessKey(storage, id),
      (id, key) => {
        const role = byName.get(key.role)
        return role
          ? { ...role, kind: 'access_key', name: id, via: `role/${role.name}` }
          : { kind: 'access_key', name: id, policies: [], noDefaultPolicy: false, via: `role/${key.role}` }
      },
    )
    return [...roles, ...keys]
  },
  // Expired session credentials are already refused by login; the sweep only frees their storage.
  periodic: async ({ storage, state, system }) => {
    if (system.now() - state.lastSweep < SWEEP_INTERVAL_MS) return
    state.lastSweep = system.now()
    const removed = await sweepSessions(storage, state, system.now())
    if (removed > 0) system.log('info', 'removed expired session credentials', { count: removed })
  },
})
