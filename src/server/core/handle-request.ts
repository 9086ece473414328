// The request pipeline, in order: seal check, route, token, create-vs-update, ACL, handler, token minting, list filtering.
import { addressAllowed } from '../../lib/cidr.ts'
import { InvalidRequestError, NotFoundError, PermissionDeniedError, SealedError } from '../../sdk/errors.ts'
import type { AuthGrant, BackendRequest, LogicalResponse } from '../../sdk/request.ts'
import type { AuditEntry } from '../audit/entry.ts'
import type { Acl } from '../policy/acl.ts'
import { type AuditContext, requestEntry, responseEntry } from './audit-entries.ts'
import type { Core } from './core.ts'
import { effectivePolicies, withIdentityPolicies } from './identity/effective.ts'
import { filterListByTemplate, filterListKeys } from './list-filter.ts'
import type {
  CoreBackendRequest,
  CoreHandlerResponse,
  CoreResponse,
  LogicalRequest,
  RequestAuth,
} from './logical-request.ts'
import type { MountEntry } from './mount-table.ts'
import type { RouteMatch } from './router.ts'
import { issuedAuth } from './token/issued-auth.ts'
import { type TokenEntry, ttlSeconds } from './token/token-entry.ts'
import { isWrappingToken, wrapResponse } from './wrapping.ts'

/** Paths whose handlers do their own authorization against the caller's ACL. */
const SELF_AUTHORIZED = ['sys/internal/ui/mounts/', 'sys/internal/ui/mounts']

export async function handleRequest(core: Core, req: LogicalRequest): Promise<CoreResponse | undefined> {
  if (core.sealed) throw new SealedError()
  let path = req.path
  if (req.operation === 'list' && !path.endsWith('/')) path += '/'
  const route = core.mounts.router.match(path)
  if (!route) throw new NotFoundError(`no handler for route "${path}". route entry not found.`)
  const { backend, entry, relativePath } = route
  if (core.mounts.isTainted(entry)) throw taintedRoute(path)
  const unauthenticated = backend.isSpecial('unauthenticated', relativePath)

  const backendRequest: CoreBackendRequest = {
    id: req.id,
    operation: req.operation,
    path: relativePath,
    mountPath: entry.path,
    data: req.data,
    headers: req.headers,
    contentType: req.contentType,
    remoteAddress: req.remoteAddress,
    connection: req.connection,
    caller: undefined,
  }

  let auth: RequestAuth | undefined
  if (req.token !== '') {
    const tokenEntry = await core.tokens.lookup(req.token)
    // A token bound to CIDRs is no token at all from any other address (Vault answers 403 the same way).
    if (tokenEntry && addressAllowed(req.remoteAddress, tokenEntry.boundCidrs)) {
      auth = { token: req.token, entry: tokenEntry }
      // Core's own backends (auth/token, sys/, cubbyhole/) get the caller's token; engines never do.
      if (core.mounts.isBuiltin(backend)) backendRequest.auth = auth
      backendRequest.caller = {
        accessor: tokenEntry.accessor,
        policies: tokenEntry.policies,
        displayName: tokenEntry.displayName,
        entityId: tokenEntry.entityId,
        metadata: tokenEntry.meta,
      }
    }
  }
  // Audit is fail-closed and costs nothing when no device is enabled. One exception: disabling an audit
  // device must work when no device can record, or a broken device would lock every operator out.
  const broker = core.audit.enabled ? core.audit : undefined
  // The mount's tuned audit_non_hmac_request_keys and _response_keys stay in clear in its entries, as in Vault.
  const exempt = {
    request: entry.config.auditNonHmacRequestKeys,
    response: entry.config.auditNonHmacResponseKeys,
  }
  const escapeHatch = req.operation === 'delete' && path.startsWith('sys/audit/')
  const audit = broker && {
    log: (auditEntry: AuditEntry) =>
      escapeHatch
        ? broker.log(auditEntry, exempt).catch((error: unknown) => {
            core.logger.log('warn', 'audit device disabled without an audit record', { error: String(error) })
          })
        : broker.log(auditEntry, exempt),
  }
  const auditCtx: AuditContext = {
    request: req,
    backendRequest,
    mount: entry,
    auth,
    allowed: true,
    now: core.clock.now(),
  }
  const deny = async (): Promise<never> => {
    if (audit) await audit.log(requestEntry({ ...auditCtx, allowed: false }, 'permission denied'))
    throw new PermissionDeniedError()
  }
  if (WRAPPING_TOKEN_PATHS.has(path)) {
    const presented = await presentedWrappingToken(core, req)
    // No token at all is an error validating it, which Vault answers with a 403.
    if (presented === 'missing') await deny()
    if (presented === 'invalid') {
      if (audit) await audit.log(requestEntry({ ...auditCtx, allowed: false }, INVALID_WRAPPING_TOKEN))
      throw new InvalidRequestError(INVALID_WRAPPING_TOKEN)
    }
  }
  if (!unauthenticated && !auth) await deny()

  if (req.operation === 'update' && (await backend.exists(backendRequest)) === false)
    backendRequest.operation = 'create'

  let acl: Acl | undefined
  if (!unauthenticated && auth) {
    // Token policies plus the entity's and its groups'; a disabled entity's tokens are refused.
    const effective = await effectivePolicies(core.identity, auth.entry)
    if (!effective) return deny()
    acl = await core.policies.acl(effective.names, effective.identity)
    if (!SELF_AUTHORIZED.some((prefix) => path === prefix || path.startsWith(prefix))) {
      // The wrap TTL asked for goes in, so a path's min_wrapping_ttl/max_wrapping_ttl window can be checked.
      const decision = acl.authorize({
        path,
        operation: backendRequest.operation,
        data: req.data,
        ...(req.wrapTtl ? { wrapTtl: req.wrapTtl } : {}),
      })
      if (!decision.allowed) await deny()
      if (backend.isSpecial('root', relativePath) && !decision.sudo) await deny()
    }
    // Counted one request at a time: with num_uses=N exactly N requests get past this line, however many race.
    const use = await core.tokens.useOnce(auth.entry)
    if (use === 'gone') await deny()
    if (use === 'last') auth.lastUse = true
  }
  try {
    // A change is made only once its request is on record. A read has no effect to undo, so its request entry is
    // recorded together with its response entry, in one device write; the response is still withheld until both
    // are on record, so a read fails closed exactly like a write.
    const isRead = backendRequest.operation === 'read' || backendRequest.operation === 'list'
    const requestLogged = audit && !isRead ? audit.log(requestEntry(auditCtx)) : undefined
    if (requestLogged) await requestLogged
    const logOutcome = (out: CoreResponse | undefined, error?: string) => {
      if (!broker) return undefined
      // A read's two entries share their auth and request sections; the broker writes them as one pair.
      if (isRead) return broker.logPair(requestEntry(auditCtx), responseEntry(auditCtx, out, error), exempt)
      return audit!.log(responseEntry(auditCtx, out, error))
    }

    let response: CoreHandlerResponse | undefined
    try {
      response = await backend.handle(backendRequest)
    } catch (error) {
      await logOutcome(undefined, (error as Error).message)
      throw error
    }
    let out = await finish(core, route, response, backendRequest, acl, auth, path)
    // A wrapped response is replaced by a single-use token holding it; only the token is returned (and audited).
    if (req.wrapTtl && out && !out.wrapInfo && !out.raw)
      out = await wrapResponse(core, out, { ttl: req.wrapTtl, creationPath: path.replace(/\/$/, '') })
    // The response is recorded before it is released: if no device can record it, the caller gets a 500.
    await logOutcome(out)
    return out
  } finally {
    // The last use revokes the token (and with it any lease this request created) before the answer goes out.
    if (auth?.lastUse) await core.tokens.revokeTree(auth.entry.idHash)
  }
}

/**
 * Vault checks the wrapping token of these paths before the caller's token (Core.handleCancelableRequest calls
 * validateWrappingToken), so an unknown or already used wrapping token is a 400 "not valid or does not exist",
 * not the 403 the token check would give. Only a check: redeeming it stays the handler's, exactly once.
 */
const WRAPPING_TOKEN_PATHS = new Set(['sys/wrapping/unwrap', 'sys/wrapping/rewrap', 'sys/wrapping/lookup'])
const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist'

/** The wrapping token is the body's `token` when the body has one (Vault's third-party case), else X-Vault-Token. */
async function presentedWrappingToken(
  core: Core,
  req: LogicalRequest,
): Promise<'valid' | 'invalid' | 'missing'> {
  const fromBody = req.data['token']
  const token = fromBody !== undefined && fromBody !== null ? fromBody : req.token
  if (typeof token !== 'string' || token === '') return 'missing'
  const entry = await core.tokens.lookup(token)
  return entry !== undefined && isWrappingToken(entry) ? 'valid' : 'invalid'
}

/** A request for a mount that is being disabled or moved, answered as Vault answers a tainted route. */
function taintedRoute(path: string): NotFoundError {
  return new NotFoundError(`no handler for route "${path}". route entry is tainted.`)
}

/** Turn a backend's answer into core's: mint a login token, filter a LIST by the caller's policies. */
async function finish(
  core: Core,
  route: RouteMatch,
  response: CoreHandlerResponse | undefined,
  backendRequest: BackendRequest,
  acl: Acl | undefined,
  auth: RequestAuth | undefined,
  path: string,
): Promise<CoreResponse | undefined> {
  if (!response) return undefined
  const { backend, entry } = route

  const { auth: grant, issuedAuth: issued, leaseInfo: lease, wrapped, secret, ...rest } = response
  // Only core's own backends may answer with a minted token, a lease or a wrapped response of their own.
  const own = core.mounts.isBuiltin(backend)
  if (own && wrapped) return { wrapInfo: wrapped }
  const out: CoreResponse = rest
  if (own && lease) out.lease = lease
  // A secret with a lease: core stores it; the backend's `internal` never leaves the server.
  if (secret) {
    // A batch token's leases belong to its parent (and go with it); an orphan batch token's to nobody.
    const tokenHash = auth ? (auth.entry.type === 'batch' ? auth.entry.parentHash : auth.entry.idHash) : ''
    out.lease = await core.expiration.register({
      path: backendRequest.mountPath + backendRequest.path,
      // The path the request was routed by, not entry.path: a move may have changed that since.
      mountPath: backendRequest.mountPath,
      mountUuid: entry.uuid,
      secret,
      tokenHash,
      ...leaseTtls(core, entry, auth?.entry),
    })
    // The token may have been revoked while the secret was being made. Its revocation lists its leases only after
    // marking it dead, so either that listing saw this lease, or this check sees the token gone and revokes it.
    // (A request spending the token's last use keeps its lease until the token is revoked as the request ends.)
    if (tokenHash !== '' && !auth?.lastUse && !(await core.tokens.lookupByHash(tokenHash))) {
      await core.expiration.revoke(out.lease.leaseId)
      throw new PermissionDeniedError()
    }
    // Likewise the mount may have begun disabling or moving, which revoke its leases only after tainting it, or have
    // moved already: no lease outlives either under the old path (the mount's UUID finds the backend to revoke it).
    if (core.mounts.routeStale(entry, backendRequest.mountPath)) {
      await core.expiration.revoke(out.lease.leaseId)
      throw taintedRoute(path)
    }
  }
  if (own && issued) out.auth = issued
  else if (grant) {
    out.auth = await mintLoginToken(core, entry, backendRequest.mountPath + backendRequest.path, grant)
    // Disabling or moving an auth method revokes its tokens after tainting it: a login that finished meanwhile (or
    // after the move) is undone.
    if (core.mounts.routeStale(entry, backendRequest.mountPath)) {
      if (out.auth.client_token && out.auth.token_type !== 'batch') {
        const minted = await core.tokens.lookup(out.auth.client_token)
        if (minted) await core.tokens.revokeTree(minted.idHash)
      }
      throw taintedRoute(path)
    }
  }

  if (backendRequest.operation === 'list' && acl && !acl.isRoot && out.data) {
    const keys = out.data['keys']
    const template = acl.listKeysFilterPath(path)
    if (template !== undefined) {
      // A policy's list_scan_response_keys_filter_path decides alone, in either list_filter mode (OpenBao's filter).
      out.data = filterListByTemplate(
        acl,
        template,
        path,
        out.data,
        (checkPath) => isRootPath(core, checkPath),
        core.clock.now(),
      )
      if ((out.data['keys'] as unknown[]).length === 0) return undefined
    } else if (
      Array.isArray(keys) &&
      core.listFilter === 'policy' &&
      backend.listKeys(route.relativePath) === 'paths'
    ) {
      const effective = await effectivePolicies(core.identity, auth!.entry)
      const policies = await core.policies.policiesFor(effective?.names ?? [], effective?.identity)
      const aliases = backend.definition.visibilityPaths
      const filtered = filterListKeys(acl, policies, path, keys, (full) =>
        aliases
          ? aliases(full.slice(entry.path.length), backend.system.mount).map((rel) => entry.path + rel)
          : [],
      )
      if (filtered.length === 0) return undefined
      out.data = { ...out.data, keys: filtered }
    }
  }
  return out
}

/** Whether `path` is one of its backend's root paths, which need sudo besides the operation's capability. */
function isRootPath(core: Core, path: string): boolean {
  const route = core.mounts.router.match(path)
  return route?.backend.isSpecial('root', route.relativePath) === true
}

/** The mount's lease TTLs; a batch token's leases also end no later than the token does, as in Vault. */
function leaseTtls(core: Core, mount: MountEntry, token: TokenEntry | undefined) {
  const { defaultLeaseTtl, maxLeaseTtl } = core.mounts.effectiveTtls(mount)
  if (token?.type !== 'batch') return { defaultTtl: defaultLeaseTtl, maxTtl: maxLeaseTtl }
  const left = Math.max(1, ttlSeconds(token, core.clock.now()))
  return {
    defaultTtl: Math.min(defaultLeaseTtl, left),
    maxTtl: maxLeaseTtl > 0 ? Math.min(maxLeaseTtl, left) : left,
  }
}

/** A login's AuthGrant becomes an orphan service token bounded by the auth mount's TTLs. */
async function mintLoginToken(core: Core, mount: MountEntry, path: string, grant: AuthGrant) {
  if (!Array.isArray(grant.policies)) throw new InvalidRequestError('auth method returned no policies')
  const { defaultLeaseTtl, maxLeaseTtl } = core.mounts.effectiveTtls(mount)
  const policies = [...new Set([...grant.policies, ...(grant.noDefaultPolicy ? [] : ['default'])])].sort()
  const maxTtl = grant.maxTtl ? Math.min(grant.maxTtl, maxLeaseTtl) : maxLeaseTtl
  // The login's alias finds (or creates) its entity; its external groups follow the login's group names.
  const entityId = grant.alias
    ? await core.identity.login(mount.accessor, grant.alias, grant.groupAliases)
    : ''
  const { token, entry } = await core.tokens.issue(grant.tokenType === 'batch' ? 'batch' : 'service', {
    entityId,
    policies,
    parentHash: '',
    meta: grant.metadata ?? {},
    displayName: `${mount.type}${grant.displayName ? `-${grant.displayName}` : ''}`,
    numUses: grant.numUses ?? 0,
    ttl: Math.min(grant.ttl || defaultLeaseTtl, maxTtl),
    maxTtl,
    explicitMaxTtl: grant.explicitMaxTtl ?? 0,
    period: grant.period ?? 0,
    renewable: grant.renewable ?? true,
    path,
    ...(grant.boundCidrs?.length ? { boundCidrs: grant.boundCidrs } : {}),
    login: { mountAccessor: mount.accessor, internal: grant.internal ?? {} },
  })
  return withIdentityPolicies(core.identity, issuedAuth(token, entry, core.clock.now()), entry)
}

export type { LogicalResponse }
