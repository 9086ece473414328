// POST login {role, jwt}: the service account token's claims (and signature, with pem_keys) are checked, then the cluster's TokenReview API vouches for it.
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import { compactVerify, decodeJwt } from 'jose'
import { addressAllowed } from '../../../lib/cidr.ts'
import { globListMatch } from '../../../lib/glob.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import type { SystemView } from '../../../sdk/request.ts'
import { type KubeConfig, kubernetesBaseUrl, loadKubeConfig, reviewerCredentials } from './kube-config.ts'
import { type KubeRole, loadKubeRole } from './path-role.ts'
import { type ServiceAccount, serviceAccountFromClaims } from './service-account.ts'
import { checkTimeClaims } from './time-claims.ts'
import { reviewToken } from './token-review.ts'

const DEFAULT_ISSUER = 'kubernetes/serviceaccount'
/** The algorithms Kubernetes signs service account tokens with. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']

const fields = {
  role: f.string({ description: 'The role to log in with.' }),
  jwt: f.string({ description: 'The service account token.', sensitive: true }),
}

function publicKeys(pems: string[]): KeyObject[] {
  return pems.map((pem) =>
    pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem),
  )
}

/**
 * Signature (when pem_keys are set), issuer, time and audience claims; then the service account they name.
 * Each refusal is a 403 with Vault's message for the check that failed.
 */
async function parseToken(
  jwt: string,
  config: KubeConfig,
  role: KubeRole,
  system: SystemView,
): Promise<ServiceAccount> {
  let claims: Record<string, unknown>
  try {
    claims = decodeJwt(jwt)
  } catch {
    throw new PermissionDeniedError('error parsing token: not a JWT')
  }
  if (config.pemKeys.length > 0) {
    let verified = false
    for (const key of publicKeys(config.pemKeys)) {
      try {
        await compactVerify(jwt, key, { algorithms: ALGORITHMS })
        verified = true
        break
      } catch {}
    }
    if (!verified) throw new PermissionDeniedError()
  }
  if (!config.disableIssValidation && claims['iss'] !== (config.issuer || DEFAULT_ISSUER))
    throw new PermissionDeniedError('invalid issuer (iss) claim')
  checkTimeClaims(claims, Math.floor(system.now() / 1000))
  const sa = serviceAccountFromClaims(claims)
  if (role.audience !== '' && !sa.audiences.includes(role.audience))
    throw new PermissionDeniedError('invalid audience (aud) claim')
  const names = role.serviceAccountNames
  if (!(names.length === 1 && names[0] === '*') && !globListMatch(names, sa.name))
    throw new PermissionDeniedError('service account name not authorized')
  const namespaces = role.serviceAccountNamespaces
  if (!(namespaces[0] === '*' || globListMatch(namespaces, sa.namespace)))
    throw new PermissionDeniedError('namespace not authorized')
  return sa
}

export const loginPath = definePath<typeof fields>({
  pattern: 'login',
  fields,
  help: 'Log in with a Kubernetes service account token.',
  operations: {
    update: async ({ storage, input, request, system }) => {
      const roleName = input.role ?? ''
      if (roleName === '') throw new InvalidRequestError('missing role')
      const jwt = input.jwt ?? ''
      if (jwt === '') throw new InvalidRequestError('missing jwt')
      const role = await loadKubeRole(storage, roleName)
      if (!role) throw new InvalidRequestError(`invalid role name "${roleName}"`)
      if (!addressAllowed(request.remoteAddress, role.token.tokenBoundCidrs))
        throw new PermissionDeniedError()
      const config = await loadKubeConfig(storage)
      if (!config) throw new InvalidRequestError('could not load backend configuration')

      const sa = await parseToken(jwt, config, role, system)
      // As Vault: the cluster reviews every token, pem_keys or not. A signature that still verifies says nothing
      // about whether its service account has since been deleted.
      const creds = reviewerCredentials(config)
      const review = await reviewToken({
        host: kubernetesBaseUrl(config.kubernetesHost),
        ca: creds.ca,
        bearer: creds.jwt || jwt,
        token: jwt,
        audiences: role.audience !== '' ? [role.audience] : sa.audiences,
      })
      // The review must vouch for the very account the token names, or a token could claim another's identity.
      const mismatch = !review.authenticated
        ? review.reason
        : review.name !== sa.name
          ? 'JWT names did not match'
          : review.uid !== sa.uid
            ? 'JWT UIDs did not match'
            : review.namespace !== sa.namespace
              ? 'JWT namespaces did not match'
              : ''
      if (mismatch !== '') {
        system.log('info', 'kubernetes login refused', { role: roleName, reason: mismatch })
        throw new PermissionDeniedError()
      }
      if (sa.uid === '') throw new InvalidRequestError('could not parse UID from claims')
      // The alias carries the service account's facts; the token's metadata adds the role it logged in with.
      const aliasMetadata = {
        service_account_uid: sa.uid,
        service_account_name: sa.name,
        service_account_namespace: sa.namespace,
        service_account_secret_name: sa.secretName,
      }
      const metadata = { ...aliasMetadata, role: roleName }
      const alias = role.aliasNameSource === 'serviceaccount_name' ? `${sa.namespace}/${sa.name}` : sa.uid
      return {
        auth: {
          ...tokenGrant(role.token),
          displayName: `${sa.namespace}-${sa.name}`,
          metadata,
          internal: { role: roleName, alias },
          alias: { name: alias, metadata: aliasMetadata },
        },
      }
    },
  },
})
