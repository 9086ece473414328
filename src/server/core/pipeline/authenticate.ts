// Pipeline stage "authenticate": the presented token's entry, the sdk Caller for engines, the token for core's own backends.
import { addressAllowed } from '../../../lib/cidr.ts'
import type { LogicalRequest, RequestAuth } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import type { Routed } from './route.ts'

export type AuthenticateServices = Pick<UnsealedServices, 'tokens' | 'mounts'>

/** The caller's token, or undefined when none was sent or it is unknown, expired or bound to other addresses. */
export async function authenticate(
  services: AuthenticateServices,
  req: LogicalRequest,
  routed: Routed,
): Promise<RequestAuth | undefined> {
  if (req.token === '') return undefined
  const tokenEntry = await services.tokens.lookup(req.token)
  // A token bound to CIDRs is no token at all from any other address (Vault answers 403 the same way).
  if (!tokenEntry || !addressAllowed(req.remoteAddress, tokenEntry.boundCidrs)) return undefined
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
