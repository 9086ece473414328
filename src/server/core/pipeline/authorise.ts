// Pipeline stage "authorise": wrapping-token check, create-vs-update, the ACL decision (with sudo) and one use of the token.
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import type { Acl } from '../../policy/acl.ts'
import { effectivePolicies } from '../identity/effective.ts'
import type { LogicalRequest, RequestAuth } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import { isWrappingToken } from '../wrapping.ts'
import type { RequestAudit } from './audit.ts'
import type { Routed } from './route.ts'

export type AuthoriseServices = Pick<UnsealedServices, 'tokens' | 'identity' | 'policies'>

/** Paths whose handlers do their own authorization against the caller's ACL. */
const SELF_AUTHORIZED = ['sys/internal/ui/mounts/', 'sys/internal/ui/mounts']

/**
 * Vault checks the wrapping token of these paths before the caller's token (Core.handleCancelableRequest calls
 * validateWrappingToken), so an unknown or already used wrapping token is a 400 "not valid or does not exist",
 * not the 403 the token check would give. Only a check: redeeming it stays the handler's, exactly once.
 */
const WRAPPING_TOKEN_PATHS = new Set(['sys/wrapping/unwrap', 'sys/wrapping/rewrap', 'sys/wrapping/lookup'])
export const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist'

/** The wrapping token is the body's `token` when the body has one (Vault's third-party case), else X-Vault-Token. */
export async function presentedWrappingToken(
  services: Pick<UnsealedServices, 'tokens'>,
  req: LogicalRequest,
): Promise<'valid' | 'invalid' | { missing: string }> {
  const fromBody = req.data['token']
  if (fromBody !== undefined && fromBody !== null) {
    // Vault's validateWrappingToken words these two; both are its 403.
    if (typeof fromBody !== 'string') return { missing: 'could not decode token in request body' }
    if (fromBody === '') return { missing: 'empty token in request body' }
  }
  const token = fromBody !== undefined && fromBody !== null ? fromBody : req.token
  if (typeof token !== 'string' || token === '') return { missing: 'token is empty' }
  const entry = await services.tokens.lookup(token)
  return entry !== undefined && isWrappingToken(entry) ? 'valid' : 'invalid'
}

/**
 * Decide whether the request may run; a refusal is audited and thrown. Returns the caller's ACL (undefined on an
 * unauthenticated path). When it returns, an authenticated request has spent one use of its token: with
 * `auth.lastUse` set the caller must revoke the token once the request is done (in a finally).
 */
export function authorise(
  services: AuthoriseServices,
  req: LogicalRequest,
  routed: Routed,
  auth: RequestAuth | undefined,
  audit: RequestAudit,
): Acl | undefined | Promise<Acl | undefined> {
  return allowedAtOnce(services, req, routed, auth) ?? decide(services, req, routed, auth, audit)
}

/**
 * The common read's decision without a turn of the event loop: an authenticated request that is not a write
 * (no existence check), by a token without an entity or a use limit, whose ACL is cached and allows the path. It
 * makes exactly the checks `decide` makes, in the same order, and answers only a plain allow; anything else (a
 * refusal, which must be audited, or anything needing a lookup) is undefined and goes to `decide`, which checks
 * everything again from the start. Nothing here changes state, so the second look is safe.
 */
function allowedAtOnce(
  services: AuthoriseServices,
  req: LogicalRequest,
  routed: Routed,
  auth: RequestAuth | undefined,
): Acl | undefined {
  const { path, route, unauthenticated, backendRequest } = routed
  if (!auth || unauthenticated || req.operation === 'update' || WRAPPING_TOKEN_PATHS.has(path))
    return undefined
  const entry = auth.entry
  if (entry.entityId !== '' || entry.numUses !== 0) return undefined
  if (SELF_AUTHORIZED.some((prefix) => path === prefix || path.startsWith(prefix))) return undefined
  const acl = services.policies.cachedAcl(entry.policies, undefined)
  if (!acl) return undefined
  const decision = acl.authorize({
    path,
    operation: backendRequest.operation,
    data: req.data,
    ...(req.wrapTtl ? { wrapTtl: req.wrapTtl } : {}),
  })
  if (!decision.allowed) return undefined
  if (!decision.sudo && route.backend.isSpecial('root', route.relativePath)) return undefined
  return services.tokens.unlimitedUse(entry) === 'unlimited' ? acl : undefined
}

async function decide(
  services: AuthoriseServices,
  req: LogicalRequest,
  routed: Routed,
  auth: RequestAuth | undefined,
  audit: RequestAudit,
): Promise<Acl | undefined> {
  const { path, route, unauthenticated, backendRequest } = routed
  const { backend, relativePath } = route
  if (WRAPPING_TOKEN_PATHS.has(path)) {
    const presented = await presentedWrappingToken(services, req)
    // No token at all (or a body `token` that is not one) is an error validating it, which Vault answers with a 403.
    if (typeof presented === 'object') {
      const message = `error validating wrapping token: ${presented.missing}`
      await audit.refuse(message)
      throw new PermissionDeniedError(message)
    }
    if (presented === 'invalid') {
      await audit.refuse(INVALID_WRAPPING_TOKEN)
      throw new InvalidRequestError(INVALID_WRAPPING_TOKEN)
    }
  }
  if (!unauthenticated && !auth) await audit.deny()

  if (req.operation === 'update' && (await backend.exists(backendRequest)) === false)
    backendRequest.operation = 'create'

  let acl: Acl | undefined
  if (!unauthenticated && auth) {
    // Token policies plus the entity's and its groups'; a disabled entity's tokens are refused.
    // A token without an entity has just its own policies (what effectivePolicies answers), with no await.
    const effective =
      auth.entry.entityId === ''
        ? { names: auth.entry.policies, identity: undefined }
        : await effectivePolicies(services.identity, auth.entry)
    if (!effective) return audit.deny()
    acl =
      services.policies.cachedAcl(effective.names, effective.identity) ??
      (await services.policies.acl(effective.names, effective.identity))
    if (!SELF_AUTHORIZED.some((prefix) => path === prefix || path.startsWith(prefix))) {
      // The wrap TTL asked for goes in, so a path's min_wrapping_ttl/max_wrapping_ttl window can be checked.
      const decision = acl.authorize({
        path,
        operation: backendRequest.operation,
        data: req.data,
        ...(req.wrapTtl ? { wrapTtl: req.wrapTtl } : {}),
      })
      if (!decision.allowed || (backend.isSpecial('root', relativePath) && !decision.sudo)) {
        await spendRefusedUse(services, auth)
        await audit.deny()
      }
    }
    // Counted one request at a time: with num_uses=N exactly N requests get past this line, however many race.
    const use =
      auth.entry.numUses === 0
        ? services.tokens.unlimitedUse(auth.entry)
        : await services.tokens.useOnce(auth.entry)
    if (use === 'gone') await audit.deny()
    if (use === 'last') auth.lastUse = true
  }
  return acl
}

/**
 * A request its policies refuse still spends a use of a use-limited token, as Vault's does (it counts the use
 * before acting on the ACL's answer); a refused last use revokes the token there, as the request goes no further.
 */
async function spendRefusedUse(services: AuthoriseServices, auth: RequestAuth): Promise<void> {
  if (auth.entry.numUses === 0) return
  if ((await services.tokens.useOnce(auth.entry)) === 'last')
    await services.tokens.revokeTree(auth.entry.idHash)
}
