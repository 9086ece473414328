// Pipeline stage "authenticate": the presented token's entry, the sdk Caller for engines, the token for core's own backends.
import type { LogicalRequest, RequestAuth } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import { type TokenEntry, tokenAddressAllowed } from '../token/token-entry.ts'
import type { Routed } from './route.ts'

export type AuthenticateServices = Pick<UnsealedServices, 'tokens' | 'mounts'>

/**
 * The caller's token, or undefined when none was sent or it is unknown, expired or bound to other addresses.
 * Answered without a turn of the event loop when the token's live entry is in memory (the read path's case); a
 * promise otherwise.
 */
export function authenticate(
  services: AuthenticateServices,
  req: LogicalRequest,
  routed: Routed,
): RequestAuth | undefined | Promise<RequestAuth | undefined> {
  if (req.token === '') return undefined
  const cached = services.tokens.lookupCached(req.token)
  if (cached) return withEntry(services, req, routed, cached)
  return services.tokens.lookup(req.token).then((entry) => withEntry(services, req, routed, entry))
}

/** The request's auth from a token entry it holds: checked against its bound CIDRs, and the backend told who calls. */
export function withEntry(
  services: AuthenticateServices,
  req: LogicalRequest,
  routed: Routed,
  tokenEntry: TokenEntry | undefined,
): RequestAuth | undefined {
  // A token bound to CIDRs is no token at all from any other address (Vault answers 403 the same way).
  if (!tokenEntry || !tokenAddressAllowed(tokenEntry, req.remoteAddress)) return undefined
  const auth: RequestAuth = { token: req.token, entry: tokenEntry }
  const { backendRequest, route } = routed
  // Core's own backends (auth/token, sys/, cubbyhole/) get the caller's token; engines never do.
  if (services.mounts.isBuiltin(route.backend)) backendRequest.auth = auth
  backendRequest.caller = {
    accessor: tokenEntry.accessor,
    policies: tokenEntry.policies,
    displayName: tokenEntry.displayName,
    entityId: tokenEntry.entityId,
    metadata: tokenEntry.meta,
  }
  return auth
}
