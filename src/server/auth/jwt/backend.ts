// The jwt auth method (also mounted as `oidc`): JWT login against PEM keys, a JWKS URL or OIDC discovery, and the OIDC browser flow.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import {
  internalString,
  requireStillExists,
  underCurrentTokenSettings,
} from '../../../sdk/framework/login-renew.ts'
import { loginRoleFrom } from '../../../sdk/framework/login-role.ts'
import { listedPolicyHolders, tokenPolicyHolder } from '../../../sdk/framework/token-params.ts'
import { configPath } from './path-config.ts'
import { loginPath } from './path-login.ts'
import { authUrlPath, callbackPath } from './path-oidc.ts'
import { roleListPath, rolePath } from './path-role.ts'
import { loadRole } from './role.ts'
import { JwtState } from './state.ts'
export const jwtBackend = defineBackend<JwtState>({
  kind: 'auth',
  help: 'Log in with a JWT signed by a trusted issuer (CI systems, Kubernetes, cloud workloads) or through an OIDC provider in a browser.',
  paths: [configPath, rolePath, roleListPath, loginPath, authUrlPath, callbackPath],
  specialPaths: { unauthenticated: ['login', 'oidc/auth_url', 'oidc/callback'] },
  // A rate-limit quota may be set for one role: the login names it in `role`, which Vault lowercases (as the
  // login itself does), so "ROLE" cannot slip past a quota on "role"; a login naming none is the default role's.
  loginRole: (login) => {
    if (login.path !== 'login') return undefined
    return (loginRoleFrom('role')(login) ?? login.state.knownDefaultRole())?.toLowerCase()
  },
  setup: async (env) => {
    const state = new JwtState(() => env.system.now())
    // Read now, so a role quota knows the default role from the first login on; a config that cannot be read is
    // left for the first login to report, rather than failing the mount.
    await state.current(env.storage).catch(() => undefined)
    return state
  },
  // As in Vault: a token renews only while the role it logged in with exists.
  renewLogin: async ({ storage }, { internal }) => {
    const role = requireStillExists(await loadRole(storage, internalString(internal, 'role')), 'the role')
    return underCurrentTokenSettings(role.token)
  },
  policyHolders: async ({ storage }) =>
    listedPolicyHolders(
      await storage.list('role/'),
      (name) => loadRole(storage, name),
      (name, role) => tokenPolicyHolder('role', name, role.token),
    ),
})
