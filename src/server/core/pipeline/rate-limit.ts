// Pipeline stage "rate limit": the request against the rate-limit quotas, before any token is looked up.
import { RateLimitedError } from '../../../sdk/errors.ts'
import type { LogicalRequest } from '../logical-request.ts'
import type { QuotaDecision } from '../quotas/quota-manager.ts'
import type { RouteMatch } from '../router.ts'
import type { UnsealedServices } from '../services.ts'
import { requestAudit } from './audit.ts'
import { routeRequest } from './route.ts'

export type RateLimitServices = Pick<
  UnsealedServices,
  'quotas' | 'mounts' | 'clock' | 'audit' | 'auditedHeaders' | 'logger'
>

/**
 * Refuses (429) a request over the most specific quota that covers it. With no quota at all this is one field
 * read. Runs before routing so that a global quota also covers paths no mount serves, and before the token is
 * looked up so that a flood is refused at the least cost. A refusal is audited only when sys/quotas/config asks.
 */
export function limitRate(services: RateLimitServices, req: LogicalRequest): void | Promise<void> {
  if (services.quotas.empty || req.quotaChecked) return
  const decision = checkQuota(services, req.path, req.remoteAddress, req.data)
  if (decision === undefined) return
  const headers = rateLimitHeaders(services, decision)
  if (headers) req.rateLimitHeaders = headers
  if (decision.verdict.allowed) return
  const refusal = new RateLimitedError(req.path)
  if (!services.quotas.config.enable_rate_limit_audit_logging || !services.audit.enabled) throw refusal
  return auditRefusal(services, req, refusal.message).then(() => {
    throw refusal
  })
}

/**
 * One request of `path` from `client` against the quotas; undefined when none covers it. The AWS front door calls
 * this once per call (and marks the call's pipeline requests `quotaChecked`).
 */
export function checkQuota(
  services: Pick<RateLimitServices, 'quotas' | 'mounts' | 'clock'>,
  path: string,
  client: string,
  data: Record<string, unknown> = {},
): QuotaDecision | undefined {
  const route = services.mounts.router.match(path)
  return services.quotas.check(
    { path, mount: route?.entry.path, role: () => loginRole(route, data), client },
    services.clock.now(),
  )
}

/** The role a login to an auth method names, for a role quota; only logins (unauthenticated paths) have one. */
function loginRole(route: RouteMatch | undefined, data: Record<string, unknown>): string | undefined {
  if (route === undefined || route.entry.table !== 'auth') return undefined
  const { backend, relativePath } = route
  if (!backend.isSpecial('unauthenticated', relativePath)) return undefined
  return backend.definition.loginRole?.({ path: relativePath, data, state: backend.state })
}

/**
 * Vault's rate-limit headers, when sys/quotas/config enables them: the limit, what is left of the window and the
 * seconds until it resets; a refusal adds Retry-After with the same number of seconds.
 */
export function rateLimitHeaders(
  services: Pick<RateLimitServices, 'quotas' | 'clock'>,
  { verdict }: QuotaDecision,
): Record<string, string> | undefined {
  if (!services.quotas.config.enable_rate_limit_response_headers) return undefined
  const reset = String(Math.max(0, Math.ceil((verdict.resetAt - services.clock.now()) / 1000)))
  const headers: Record<string, string> = {
    'X-Ratelimit-Limit': String(verdict.limit),
    'X-Ratelimit-Remaining': String(verdict.remaining),
    'X-Ratelimit-Reset': reset,
  }
  if (!verdict.allowed) headers['Retry-After'] = reset
  return headers
}

/** The refused request on record, as Vault records it when enable_rate_limit_audit_logging is set. */
async function auditRefusal(services: RateLimitServices, req: LogicalRequest, reason: string): Promise<void> {
  let routed: ReturnType<typeof routeRequest>
  try {
    routed = routeRequest(services, req)
  } catch {
    // A path no mount serves has no mount to record it under; the refusal stands without an entry.
    return
  }
  await requestAudit(services, req, routed, undefined).refuse(reason)
}
