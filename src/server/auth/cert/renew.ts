// Renewing a cert login token: Vault's pathLoginRenew, which re-verifies the renewing connection's certificate.
import { timingSafeEqual } from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { LoginRenewal, LoginRenewalVerdict } from '../../../sdk/framework/backend.ts'
import {
  internalString,
  requireSamePolicies,
  requireStillExists,
  underCurrentTokenSettings,
} from '../../../sdk/framework/login-renew.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadCert, loadConfig } from './cert-store.ts'
import { verifyClient } from './path-login.ts'

/**
 * The role must still exist with the policies the token got. Unless the mount's config sets disable_binding, the
 * renewal must also come over a connection presenting the very certificate of the login, which must still pass
 * the role's checks (chain and dates, CRLs, name and extension constraints): a revoked certificate, or one the
 * role no longer admits, ends its token's renewals, and a stolen token cannot be renewed without the certificate.
 */
export async function renewCertLogin(
  storage: Storage,
  now: number,
  login: LoginRenewal,
): Promise<LoginRenewalVerdict> {
  const name = internalString(login.internal, 'cert_name')
  const cert = requireStillExists(await loadCert(storage, name), 'the certificate role')
  requireSamePolicies(cert.tokenPolicies, login.policies)
  if ((await loadConfig(storage)).disableBinding) return underCurrentTokenSettings(cert)
  const original = login.internal['certificate']
  if (typeof original !== 'string' || original === '')
    throw new InvalidRequestError('cannot validate renewal for cert auth for non-stored client certificate')
  const { leaf } = await verifyClient(storage, login.connection, name, now)
  const raw = Buffer.from(original, 'base64')
  if (raw.length !== leaf.x509.raw.length || !timingSafeEqual(raw, leaf.x509.raw))
    throw new InvalidRequestError(
      'client identity during renewal not matching client identity used during login',
    )
  return underCurrentTokenSettings(cert)
}
