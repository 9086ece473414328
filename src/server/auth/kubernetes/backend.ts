// The kubernetes auth method: pods log in with their service account token, checked by the cluster's TokenReview API or pem_keys.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import {
  internalString,
  requireStillExists,
  underCurrentTokenSettings,
} from '../../../sdk/framework/login-renew.ts'
import { loginRoleFrom } from '../../../sdk/framework/login-role.ts'
import { listedPolicyHolders, tokenPolicyHolder } from '../../../sdk/framework/token-params.ts'
import { configPath } from './kube-config.ts'
import { loginPath } from './path-login.ts'
import { loadKubeRole, roleListPath, rolePath } from './path-role.ts'
import { type KubeState, setupKube } from './state.ts'
export const kubernetesBackend = defineBackend<KubeState>({
  kind: 'auth',
  help: 'Log in with a Kubernetes service account token; roles bind service account names and namespaces to policies.',
  paths: [configPath, rolePath, roleListPath, loginPath],
  specialPaths: { unauthenticated: ['login'] },
  // A rate-limit quota may be set for one role: the login names it in `role`.
  loginRole: loginRoleFrom('role'),
  setup: setupKube,
  // As in Vault: a token renews only while the role it logged in with exists.
  renewLogin: async ({ storage }, { internal }) => {
    const role = requireStillExists(await loadKubeRole(storage, internalString(internal, 'role')), 'the role')
    return underCurrentTokenSettings(role.token)
  },
  policyHolders: async ({ storage }) =>
    listedPolicyHolders(
      await storage.list('role/'),
      (name) => loadKubeRole(storage, name),
      (name, role) => tokenPolicyHolder('role', name, role.token),
    ),
})
