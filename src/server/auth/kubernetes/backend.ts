// The kubernetes auth method: pods log in with their service account token, checked by the cluster's TokenReview API or pem_keys.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { configPath } from './kube-config.ts'
import { loginPath } from './path-login.ts'
import { roleListPath, rolePath } from './path-role.ts'

export const kubernetesBackend = defineBackend({
  kind: 'auth',
  help: 'Log in with a Kubernetes service account token; roles bind service account names and namespaces to policies.',
  paths: [configPath, rolePath, roleListPath, loginPath],
  specialPaths: { unauthenticated: ['login'] },
})
