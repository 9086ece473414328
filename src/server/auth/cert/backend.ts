// The cert auth method: log in with the TLS client certificate, verified against roles' trusted CAs or pinned certificates.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { loginRoleFrom } from '../../../sdk/framework/login-role.ts'
import { listedPolicyHolders, tokenPolicyHolder } from '../../../sdk/framework/token-params.ts'
import { listCerts, loadCert } from './cert-store.ts'
import { certPath, certsListPath } from './path-certs.ts'
import { configPath } from './path-config.ts'
import { crlPath, crlsListPath } from './path-crls.ts'
import { loginPath } from './path-login.ts'
import { renewCertLogin } from './renew.ts'
import { type CertState, setupCert } from './state.ts'
export const certBackend = defineBackend<CertState>({
  kind: 'auth',
  help: 'The cert auth method lets clients log in with a TLS client certificate issued by a trusted CA or pinned in a role.',
  paths: [certsListPath, certPath, crlsListPath, crlPath, configPath, loginPath],
  specialPaths: { unauthenticated: ['login'] },
  // A rate-limit quota may be set for one role: the login names it in `name`.
  loginRole: loginRoleFrom('name'),
  setup: setupCert,
  // Vault's cert renews while the role exists with unchanged policies and, unless disable_binding is set, only
  // over a connection presenting the login certificate, verified again against the role.
  renewLogin: ({ storage, system }, login) => renewCertLogin(storage, system.now(), login),
  policyHolders: async ({ storage }) =>
    listedPolicyHolders(
      await listCerts(storage),
      (name) => loadCert(storage, name),
      (name, cert) => tokenPolicyHolder('certificate', name, cert),
    ),
})
