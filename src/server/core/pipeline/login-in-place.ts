// Pipeline stage "authenticate" for a request carrying its own credentials: the auth method's login runs in place.
import { PermissionDeniedError } from '../../../sdk/errors.ts'
import type { LogicalRequest, RequestAuth } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import { inPlaceEntry } from '../token/in-place-entry.ts'
import { requestAudit } from './audit.ts'
import { withEntry } from './authenticate.ts'
import { loginTokenInput } from './grant.ts'
import { type Routed, routeRequest, taintedRoute } from './route.ts'

export type LoginInPlaceServices = Pick<
  UnsealedServices,
  'mounts' | 'identity' | 'clock' | 'audit' | 'auditedHeaders' | 'logger' | 'tokens'
>

/**
 * The auth of a request that carries credentials instead of a token (an AWS call's SigV4 signature): the auth
 * method's login handler verifies them, and the token its grant describes is held in memory for this request only
 * (in-place-entry.ts). It is the same check, against the same stored state, as a login through the pipeline: the
 * access key, session and role are read on every request, so a revoked key or an expired session is refused by
 * the next request; the entity is looked up as a login's is, so a disabled entity is refused too. What is saved is
 * the second trip (routing, audit and grant of the login, a sealed batch token minted and then opened again).
 *
 * A refusal is recorded as this request's refusal (with the login's reason: "InvalidSignatureException: …"), so
 * the audit trail keeps every attempt, and thrown as the login threw it.
 */
export async function authenticateByLogin(
  services: LoginInPlaceServices,
  req: LogicalRequest,
  routed: Routed,
): Promise<RequestAuth> {
  const login = req.login!
  try {
    const loginRouted = routeRequest(services, {
      ...req,
      operation: 'update',
      path: login.path,
      data: login.data,
      token: '',
    })
    const { route } = loginRouted
    // Only an auth method's unauthenticated login may stand in for a token.
    if (route.entry.table !== 'auth' || !loginRouted.unauthenticated) throw new PermissionDeniedError()
    const response = await route.backend.handle(loginRouted.backendRequest)
    const grant = response?.auth
    if (!grant) throw new PermissionDeniedError()
    const mountPath = loginRouted.backendRequest.mountPath
    const { input } = await loginTokenInput(
      services,
      route.entry,
      mountPath + loginRouted.backendRequest.path,
      grant,
    )
    // Disabling or moving the auth method revokes its tokens after tainting it: a login finishing meanwhile is refused.
    if (services.mounts.routeStale(route.entry, mountPath)) throw taintedRoute(login.path)
    const entry = inPlaceEntry(req.id, input, services.clock.now())
    const auth = withEntry(services, req, routed, entry)
    if (!auth) throw new PermissionDeniedError()
    return auth
  } catch (error) {
    if (services.audit.enabled)
      await requestAudit(services, req, routed, undefined).refuse(
        (error as Error).message || 'permission denied',
      )
    throw error
  }
}
