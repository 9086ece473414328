// The request pipeline, as named stages in order: rate limit, route, authenticate, authorise, handle, lease, filter, wrap, audit.
import { PermissionDeniedError, SealedError } from '../../sdk/errors.ts'
import type { BackendEvent } from '../../sdk/events.ts'
import type { LogicalResponse } from '../../sdk/request.ts'
import type { Core } from './core.ts'
import { originOf } from './events/event-origin.ts'
import type { CoreResponse, LogicalRequest } from './logical-request.ts'
import type { MountEntry } from './mount-table.ts'
import { type RequestAudit, requestAudit } from './pipeline/audit.ts'
import { authenticate } from './pipeline/authenticate.ts'
import { authorise } from './pipeline/authorise.ts'
import { filterList } from './pipeline/filter-list.ts'
import { grant, needsGrant, ungranted } from './pipeline/grant.ts'
import { runHandler } from './pipeline/handle.ts'
import { authenticateByLogin } from './pipeline/login-in-place.ts'
import { limitRate } from './pipeline/rate-limit.ts'
import { rememberAcl } from './pipeline/request-acl.ts'
import { routeRequest } from './pipeline/route.ts'
import { wrapIfAsked } from './pipeline/wrap.ts'
import type { UnsealedServices } from './services.ts'

/**
 * The audit stage of a request made while no audit device is enabled, which is what `requestAudit` does then:
 * nothing is recorded and a refusal is still a 403. Shared by every such request, so none builds an audit context;
 * whether a device is enabled is read when the request reaches the stage, as `requestAudit` reads it.
 */
const UNAUDITED: RequestAudit = {
  refuse: async () => {},
  deny: async () => {
    throw new PermissionDeniedError()
  },
  beforeHandle: async () => {},
  outcome: () => undefined,
}

/** What the adapter's entry point needs of the core: whether it is sealed, and the services record once it is not. */
export type RequestCore = Pick<Core, 'sealed' | 'services' | 'settleRestore'>

export function handleRequest(core: RequestCore, req: LogicalRequest): Promise<CoreResponse | undefined> {
  if (core.sealed) return Promise.reject(new SealedError())
  // A binary body is a snapshot restore: once it is answered, the core reloads from the restored storage.
  if (req.body !== undefined) return core.settleRestore(runPipeline(core.services, req))
  return runPipeline(core.services, req)
}

/**
 * One request through the stages. Parsing happened in the adapter and rendering happens there too; the order here
 * is what the concurrency guarantees in docs/security.md rest on: the token's use is spent (authorise) before the
 * handler runs, the grant stage re-checks the token and the mount after registering a lease or minting a token,
 * and a token whose last use this request spent is revoked in the finally, before the answer goes out.
 */
export async function runPipeline(
  services: UnsealedServices,
  req: LogicalRequest,
): Promise<CoreResponse | undefined> {
  const started = performance.now()
  // A login (unauthenticated path or in-place AWS signature) is timed apart, as Vault's handle_login_request is.
  let login = req.login !== undefined
  // One try around the whole pipeline, not a wrapping async function: that would cost every request a promise.
  try {
    const limited = limitRate(services, req)
    if (limited) await limited
    const routed = routeRequest(services, req)
    if (routed.unauthenticated) login = true
    // Stages with nothing to do for this request are skipped rather than awaited: each await is a turn of the
    // event loop, and a read needs none of grant, filter or wrap. What runs, and in which order, is unchanged.
    // A request carrying its own credentials (an AWS signature) logs in in place; any other presents a token.
    const authenticated = req.login
      ? authenticateByLogin(services, req, routed)
      : authenticate(services, req, routed)
    const auth = authenticated instanceof Promise ? await authenticated : authenticated
    const audited = services.audit.enabled
    const audit = audited ? requestAudit(services, req, routed, auth) : UNAUDITED
    const authorised = authorise(services, req, routed, auth, audit)
    const acl = authorised instanceof Promise ? await authorised : authorised
    // Kept for the key service, which checks a caller's KMS key permissions against it; only for the engines
    // that use it, so no other request pays for the entry.
    if (acl && routed.route.backend.definition.usesKeyService) rememberAcl(routed.backendRequest, acl)
    // Counted once access is granted: what vault_secret_access_count's alert watches is reads that succeed.
    services.metrics.secretAccess.count(routed.route.entry.path, routed.path)
    try {
      if (audited) await audit.beforeHandle()
      const response = await runHandler(routed, audit)
      let out =
        response && needsGrant(response) ? await grant(services, routed, response, auth) : ungranted(response)
      const { entry } = routed.route
      const mount_point = routed.backendRequest.mountPath
      // An unwrapped login's token was counted when it was minted; sys/wrapping/unwrap only hands it over.
      if (out?.auth && entry.type !== 'system')
        services.metrics.tokenCreation.count(
          { auth_method: entry.type, mount_point, token_type: out.auth.token_type },
          out.auth.lease_duration,
        )
      if (response?.secret && out?.lease)
        services.metrics.leaseCreation.count({ secret_engine: entry.type, mount_point }, out.lease.ttl)
      if (routed.backendRequest.operation === 'list') out = await filterList(services, routed, out, acl, auth)
      if (req.wrapTtl) out = await wrapIfAsked(services, req, routed.path, out)
      // The response is recorded before it is released: if no device can record it, the caller gets a 500.
      const recorded = audit.outcome(out)
      if (recorded) await recorded
      // Published only now: the change is stored and the request has succeeded (a refusal or failure threw above).
      if (response?.events) publishEvents(services, routed, response.events)
      return out
    } finally {
      // The last use revokes the token (and with it any lease this request created) before the answer goes out.
      if (auth?.lastUse) await services.tokens.revokeTree(auth.entry.idHash)
    }
  } finally {
    // Every request is timed, refused and failed ones too, as Vault's vault.core.handle_request is.
    const ms = performance.now() - started
    if (login) services.metrics.handleLoginRequest.record(ms)
    else services.metrics.handleRequest.record(ms)
  }
}

/** The events a backend returned, from the mount the request was routed to. */
function publishEvents(
  services: UnsealedServices,
  routed: { route: { entry: MountEntry } },
  events: BackendEvent[],
) {
  // Nobody listening (no subscriber, no sink): nothing to build on the write path.
  if (services.events.subscriberCount === 0) return
  const origin = originOf(routed.route.entry)
  for (const event of events) services.events.publishFrom(origin, event)
}

export type { LogicalResponse }
