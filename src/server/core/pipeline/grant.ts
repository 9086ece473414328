// Pipeline stage "lease": a secret becomes a lease, a login's grant a token; core's own backends' minted answers pass.
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import type { AuthGrant } from '../../../sdk/request.ts'
import { NON_ASSIGNABLE_POLICIES, ROOT_POLICY_NAME } from '../../policy/builtin-policies.ts'
import { withIdentityPolicies } from '../identity/effective.ts'
import type { CoreHandlerResponse, CoreResponse, RequestAuth } from '../logical-request.ts'
import type { MountEntry } from '../mount-table.ts'
import type { UnsealedServices } from '../services.ts'
import { issuedAuth } from '../token/issued-auth.ts'
import { type CreateTokenInput, type TokenEntry, ttlSeconds } from '../token/token-entry.ts'
import { cappedPeriod } from '../ttl-caps.ts'
import { loginTokenType } from './login-token-type.ts'
import { type Routed, taintedRoute } from './route.ts'

/** Vault's text for a leased secret fetched with a token's final use. */
export const LAST_USE_LEASE_REVOKED =
  'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.'

export type GrantServices = Pick<UnsealedServices, 'mounts' | 'expiration' | 'tokens' | 'identity' | 'clock'>

/**
 * Turn a backend's answer into core's: register its secret's lease, mint a login's token. Only core's own
 * backends may answer with a minted token, a lease or a wrapped response of their own.
 */
export async function grant(
  services: GrantServices,
  routed: Routed,
  response: CoreHandlerResponse | undefined,
  auth: RequestAuth | undefined,
): Promise<CoreResponse | undefined> {
  if (!response) return undefined
  const { path, backendRequest } = routed
  const { backend, entry } = routed.route
  const {
    auth: login,
    issuedAuth: issued,
    leaseInfo: lease,
    wrapped,
    unwrappedRequestId,
    secret,
    events: _events,
    ...rest
  } = response
  const own = services.mounts.isBuiltin(backend)
  if (own && wrapped) return { wrapInfo: wrapped }
  const out: CoreResponse = rest
  // An engine's answer cannot name the request id it is rendered under: only core's own unwrap does.
  delete out.requestId
  if (own && unwrappedRequestId) out.requestId = unwrappedRequestId
  if (own && lease) out.lease = lease
  // A secret with a lease: core stores it; the backend's `internal` never leaves the server.
  if (secret) {
    // A batch token's leases belong to its parent (and go with it); an orphan batch token's to nobody.
    const tokenHash = auth ? (auth.entry.type === 'batch' ? auth.entry.parentHash : auth.entry.idHash) : ''
    out.lease = await services.expiration.register({
      path: backendRequest.mountPath + backendRequest.path,
      // The path the request was routed by, not entry.path: a move may have changed that since.
      mountPath: backendRequest.mountPath,
      mountUuid: entry.uuid,
      secret,
      tokenHash,
      ...leaseTtls(services, entry, auth?.entry),
    })
    // The token's last use: the token, and this lease with it, is revoked as the request ends, so the credentials
    // would be dead on arrival. Vault answers this refusal instead of them; the lease goes with the token.
    if (auth?.lastUse && tokenHash === auth.entry.idHash)
      throw new InvalidRequestError(LAST_USE_LEASE_REVOKED)
    // The token may have been revoked while the secret was being made. Its revocation lists its leases only after
    // marking it dead, so either that listing saw this lease, or this check sees the token gone and revokes it.
    if (tokenHash !== '' && !(await services.tokens.lookupByHash(tokenHash))) {
      await services.expiration.revoke(out.lease.leaseId)
      throw new PermissionDeniedError()
    }
    // Likewise the mount may have begun disabling or moving, which revoke its leases only after tainting it, or have
    // moved already: no lease outlives either under the old path (the mount's UUID finds the backend to revoke it).
    if (services.mounts.routeStale(entry, backendRequest.mountPath)) {
      await services.expiration.revoke(out.lease.leaseId)
      throw taintedRoute(path)
    }
  }
  if (own && issued) out.auth = issued
  else if (login) {
    const minted = await mintLoginToken(
      services,
      entry,
      backendRequest.mountPath + backendRequest.path,
      login,
    )
    out.auth = minted.auth
    if (minted.warnings.length > 0) out.warnings = [...(out.warnings ?? []), ...minted.warnings]
    // Disabling or moving an auth method revokes its tokens after tainting it: a login that finished meanwhile (or
    // after the move) is undone.
    if (services.mounts.routeStale(entry, backendRequest.mountPath)) {
      if (out.auth.client_token && out.auth.token_type !== 'batch') {
        const minted = await services.tokens.lookup(out.auth.client_token)
        if (minted) await services.tokens.revokeTree(minted.idHash)
      }
      throw taintedRoute(path)
    }
  }
  return out
}

/** Whether `grant` has anything to do: a secret to lease, a login to mint, or a core backend's own answer. */
export function needsGrant(response: CoreHandlerResponse): boolean {
  return (
    response.secret !== undefined ||
    response.auth !== undefined ||
    response.issuedAuth !== undefined ||
    response.leaseInfo !== undefined ||
    response.wrapped !== undefined ||
    response.unwrappedRequestId !== undefined
  )
}

/** What `grant` answers for a response that `needsGrant` says has nothing to grant: a copy the later stages own. */
export function ungranted(response: CoreHandlerResponse | undefined): CoreResponse | undefined {
  if (response === undefined) return undefined
  const {
    auth: _auth,
    issuedAuth: _issued,
    leaseInfo: _lease,
    wrapped: _wrapped,
    secret: _secret,
    events: _events,
    ...rest
  } = response
  // Only core's own unwrap names the request id a response is rendered under (see grant).
  delete (rest as CoreResponse).requestId
  return rest
}

/** The mount's lease TTLs; a batch token's leases also end no later than the token does, as in Vault. */
export function leaseTtls(
  services: Pick<UnsealedServices, 'mounts' | 'clock'>,
  mount: MountEntry,
  token: TokenEntry | undefined,
) {
  const { defaultLeaseTtl, maxLeaseTtl } = services.mounts.effectiveTtls(mount)
  if (token?.type !== 'batch') return { defaultTtl: defaultLeaseTtl, maxTtl: maxLeaseTtl }
  const left = Math.max(1, ttlSeconds(token, services.clock.now()))
  return {
    defaultTtl: Math.min(defaultLeaseTtl, left),
    maxTtl: maxLeaseTtl > 0 ? Math.min(maxLeaseTtl, left) : left,
  }
}

/** A login's AuthGrant becomes an orphan service token bounded by the auth mount's TTLs. */
async function mintLoginToken(services: GrantServices, mount: MountEntry, path: string, grant: AuthGrant) {
  const { type, input, warnings } = await loginTokenInput(services, mount, path, grant)
  const { token, entry } = await services.tokens.issue(type, input)
  const auth = await withIdentityPolicies(
    services.identity,
    issuedAuth(token, entry, services.clock.now()),
    entry,
  )
  return { auth, warnings }
}

/**
 * Vault's refusals for a login's policies: an auth method never mints a root token (whoever configured its role
 * or user), nor one holding a policy only the server hands out.
 */
function refuseReservedPolicies(policies: readonly string[]): void {
  if (policies.includes(ROOT_POLICY_NAME))
    throw new InvalidRequestError('auth methods cannot create root tokens')
  const internal = policies.find((p) => NON_ASSIGNABLE_POLICIES.includes(p))
  if (internal !== undefined) throw new InvalidRequestError(`cannot assign policy "${internal}"`)
}

/**
 * Vault's display name of a login token: the auth mount's path (slashes as dashes) before the method's display
 * name, so two mounts of one method ("auth/cert/", "auth/cert-ops/") tell their tokens apart.
 */
function loginDisplayName(mount: MountEntry, displayName: string | undefined): string {
  const source = mount.path.replace(/^auth\//, '').replaceAll('/', '-')
  const name = `${source}${displayName ?? ''}`
  return name.endsWith('-') ? name.slice(0, -1) : name
}

/**
 * The token a login's AuthGrant asks for, bounded by the auth mount's TTLs, with the entity its alias finds (or
 * creates): what `mintLoginToken` issues, and what a login in place (login-in-place.ts) holds for one request.
 */
export async function loginTokenInput(
  services: Pick<GrantServices, 'mounts' | 'identity'>,
  mount: MountEntry,
  path: string,
  grant: AuthGrant,
): Promise<{ type: 'service' | 'batch'; input: CreateTokenInput; warnings: string[] }> {
  if (!Array.isArray(grant.policies)) throw new InvalidRequestError('auth method returned no policies')
  const { defaultLeaseTtl, maxLeaseTtl } = services.mounts.effectiveTtls(mount)
  const policies = [...new Set([...grant.policies, ...(grant.noDefaultPolicy ? [] : ['default'])])].sort()
  const maxTtl = grant.maxTtl ? Math.min(grant.maxTtl, maxLeaseTtl) : maxLeaseTtl
  const explicitMaxTtl = grant.explicitMaxTtl ?? 0
  // As Vault's CalculateTTL at login: a period longer than the max (the mount's, the role's or the explicit one,
  // whichever is least) is cut to it. The token stays periodic: only an explicit max ends it.
  const { period, warnings } = cappedPeriod(
    grant.period ?? 0,
    explicitMaxTtl > 0 ? Math.min(maxTtl, explicitMaxTtl) : maxTtl,
  )
  refuseReservedPolicies(policies)
  // The login's alias finds (or creates) its entity; its external groups follow the login's group names.
  const entityId = grant.alias
    ? await services.identity.login(mount.accessor, grant.alias, grant.groupAliases)
    : ''
  // As Vault: the entity's policies count too, so an identity policy cannot make a login a root login.
  if (entityId !== '') refuseReservedPolicies((await services.identity.resolve(entityId))?.policies ?? [])
  return {
    type: loginTokenType(mount.config.tokenType, grant.tokenType),
    input: {
      entityId,
      policies,
      parentHash: '',
      meta: grant.metadata ?? {},
      displayName: loginDisplayName(mount, grant.displayName),
      numUses: grant.numUses ?? 0,
      ttl: Math.min(grant.ttl || defaultLeaseTtl, maxTtl),
      maxTtl,
      explicitMaxTtl,
      period,
      renewable: grant.renewable ?? true,
      path,
      ...(grant.boundCidrs?.length ? { boundCidrs: grant.boundCidrs } : {}),
      login: { mountAccessor: mount.accessor, internal: grant.internal ?? {} },
    },
    warnings,
  }
}
