// login: verify the TLS client certificate against the configured roles and grant the first matching role's token.
import { addressAllowed } from '../../../lib/cidr.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import type { ConnectionInfo } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { hexColons } from './cert-fields.ts'
import { type CertEntry, listCerts, loadCert, loadConfig, normalizeCertName } from './cert-store.ts'
import { extensionMetadata, matchesConstraints } from './constraints.ts'
import { revokedSerials } from './crl.ts'
import type { CertState } from './state.ts'
import { ChainError, type ParsedCert, parseCert, parsePemBundle, verifiedChains } from './verify-chain.ts'

const fields = {
  name: f.string({
    description: 'Log in against this certificate role only; by default every role is tried.',
  }),
}

interface Role {
  entry: CertEntry
  certs: ParsedCert[]
}

export const loginPath = definePath<typeof fields, CertState>({
  pattern: 'login',
  fields,
  help: 'Log in with the TLS client certificate of the connection.',
  operations: {
    update: async ({ storage, system, request, input }) => {
      const wanted = input.name ? normalizeCertName(input.name) : undefined
      const { entry, leaf } = await verifyClient(storage, request.connection, wanted, system.now())
      if (!addressAllowed(request.remoteAddress, entry.tokenBoundCidrs)) throw new PermissionDeniedError()

      const serial = BigInt(`0x${leaf.x509.serialNumber}`).toString()
      const metadata: Record<string, string> = {
        cert_name: entry.name,
        common_name: leaf.fields.commonName,
        serial_number: serial,
        subject_key_id: hexColons(leaf.fields.subjectKeyId),
        authority_key_id: hexColons(leaf.fields.authorityKeyId),
        ...extensionMetadata(entry.allowedMetadataExtensions, leaf.fields),
      }
      const config = await loadConfig(storage)
      return {
        auth: {
          ...tokenGrant(entry),
          displayName: entry.displayName,
          metadata,
          internal: {
            cert_name: entry.name,
            // The login certificate, which a renewal must present again (Vault's binding; see renew.ts).
            certificate: leaf.x509.raw.toString('base64'),
            subject_key_id: leaf.fields.subjectKeyId.toString('base64'),
            authority_key_id: leaf.fields.authorityKeyId.toString('base64'),
          },
          // Vault names the identity alias after the certificate's common name.
          alias: {
            name: leaf.fields.commonName,
            ...(config.enableIdentityAliasMetadata ? { metadata } : {}),
          },
        },
      }
    },
  },
})

/**
 * Vault's verifyCredentials: the connection's client certificate, verified against the named role (or every role),
 * and the role it matched. Throws InvalidRequestError with Vault's words for each refusal.
 */
export async function verifyClient(
  storage: Storage,
  connection: ConnectionInfo | undefined,
  name: string | undefined,
  now: number,
): Promise<{ entry: CertEntry; leaf: ParsedCert }> {
  if (!connection) throw new InvalidRequestError('tls connection required')
  if (connection.peerCertificates.length === 0)
    throw new InvalidRequestError('client certificate must be supplied')
  let presented: ParsedCert[]
  try {
    presented = connection.peerCertificates.map((pem) => parseCert(pem))
  } catch {
    throw new InvalidRequestError('failed to parse the client certificate')
  }
  const roles = await loadRoles(storage, name)
  const { entry } = matchRole(roles, presented, now, await revokedSerials(storage))
  return { entry, leaf: presented[0]! }
}

/** The named role, or every role in name order; a role whose certificate no longer parses is skipped. */
async function loadRoles(storage: Storage, name: string | undefined): Promise<Role[]> {
  const names = name === undefined ? await listCerts(storage) : [name]
  const roles: Role[] = []
  for (const roleName of names) {
    const entry = await loadCert(storage, roleName)
    if (!entry) continue
    const certs = parsePemBundle(entry.certificate)
    if (certs.length > 0) roles.push({ entry, certs })
  }
  return roles
}

/**
 * Vault's order: a role pinning exactly this (non-CA) certificate first; then the CA roles, each checked against
 * the chains that verify to any configured CA, the first role on a chain whose constraints hold winning.
 */
function matchRole(roles: Role[], presented: ParsedCert[], now: number, revoked: Set<string>): Role {
  // As Vault: a chain is unusable when any certificate on it (the client's, an intermediate, the trusted one)
  // has its serial number in one of the mount's CRLs.
  const isRevoked = (chain: ParsedCert[]) =>
    revoked.size > 0 && chain.some((cert) => revoked.has(BigInt(`0x${cert.x509.serialNumber}`).toString()))
  const leaf = presented[0]!
  const pinned = roles.filter((role) => !role.certs[0]!.x509.ca)
  const authorities = roles.filter((role) => role.certs[0]!.x509.ca)
  let chains: ParsedCert[][]
  try {
    chains = verifiedChains(
      presented,
      authorities.flatMap((role) => role.certs),
      now,
    )
  } catch (error) {
    if (error instanceof ChainError) throw new InvalidRequestError(error.message)
    throw error
  }
  for (const role of pinned) {
    if (
      role.certs[0]!.x509.raw.equals(leaf.x509.raw) &&
      !isRevoked(role.certs) &&
      matchesConstraints(role.entry, leaf.fields)
    )
      return role
  }
  if (chains.length === 0)
    throw new InvalidRequestError('invalid certificate or no client certificate supplied')
  for (const role of authorities) {
    const onChain = chains.some(
      (chain) =>
        chain.some((cert) => role.certs.some((trusted) => trusted.x509.raw.equals(cert.x509.raw))) &&
        !isRevoked(chain),
    )
    if (onChain && matchesConstraints(role.entry, leaf.fields)) return role
  }
  throw new InvalidRequestError('no chain matching all constraints could be found for this login certificate')
}
