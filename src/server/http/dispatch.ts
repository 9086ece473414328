// One HTTP request through the Vault-compatible adapter: parse, hand to core, render the envelope or errors.
import { parseDuration } from '../../lib/duration.ts'
import type { JsonLimits } from '../../lib/json-limits.ts'
import type { Logger } from '../../lib/logger.ts'
import { uuid } from '../../lib/random.ts'
import { COFFER_VERSION } from '../../lib/version.ts'
import {
  InvalidRequestError,
  isAppError,
  NotFoundError,
  RateLimitedError,
  SealedError,
  StandbyError,
} from '../../sdk/errors.ts'
import type { Core } from '../core/core.ts'
import { handleHelp } from '../core/handle-help.ts'
import { handleRequest, type RequestCore } from '../core/handle-request.ts'
import type { CoreResponse, LogicalRequest } from '../core/logical-request.ts'
import { renderMetrics } from '../core/metrics/render-metrics.ts'
import { checkQuota, rateLimitHeaders } from '../core/pipeline/rate-limit.ts'
import type { MetricsExposition, UnsealedServices } from '../core/services.ts'
import { parseWrapTtl } from '../core/wrapping.ts'
import { handleAwsJson, isAwsJsonRequest } from './aws/aws-json.ts'
import { handleAwsQuery, isAwsQueryRequest } from './aws/aws-query.ts'
import { corsSettingsOf, withCors } from './cors.ts'
import {
  acceptForwarded,
  forwardTo,
  redirectTo,
  STANDBY_LOCAL_PATHS,
  UNREACHABLE,
  unreachable,
  wantsRedirect,
} from './forward.ts'
import { emptyResult, type HttpRequest, type HttpResult, jsonResult, textResult } from './http-types.ts'
import { clientToken, header, operationFor, parseTarget, plainHeaders, requestData } from './parse-request.ts'
import { CEREMONY_PATHS, type CeremonyCore, handleCeremony } from './sys-ceremony.ts'
import { handleRawSys, RAW_SYS_PATHS, type RawSysCore } from './sys-raw.ts'

/** Legacy sys routes whose JSON repeats every `data` key at the top level, as Vault does for old clients. */
const TOP_LEVEL_DATA = [
  'sys/auth',
  'sys/mounts',
  'sys/policy',
  'sys/capabilities',
  'sys/config/cors',
  'sys/capabilities-self',
  'sys/capabilities-accessor',
  'sys/key-status',
  'sys/rotate',
  'sys/audit',
  'sys/audit-hash/',
  'sys/wrapping/wrap',
  'sys/rekey/backup',
]
/**
 * Paths whose POST/PUT body is a snapshot file, not JSON: handed to core raw (LogicalRequest.body) with empty data,
 * so the bytes are never parsed as fields and never reach the audit log.
 */
const SNAPSHOT_BODY_PATHS = new Set([
  'sys/storage/raft/snapshot',
  'sys/storage/raft/snapshot-force',
  'sys/storage/snapshot',
  'sys/storage/snapshot-force',
])

/** Likewise, but for the path itself only: Vault's list has sys/remount and not its status path. */
const TOP_LEVEL_DATA_EXACT = ['sys/remount']

/**
 * What the adapter reaches of the core: the seal lifecycle for the raw sys/ endpoints, the key ceremonies, and the
 * unsealed services record for the pipeline and help. Each handler is given only its own part of this.
 */
export type DispatchCore = RequestCore &
  RawSysCore &
  CeremonyCore &
  Pick<Core, 'ha' | 'standby' | 'barrier' | 'forwarding' | 'standbyReader' | 'subscriptions' | 'inFlight'>

export interface DispatchContext {
  core: DispatchCore
  logger: Logger
  /** The listener's JSON limits (max_json_depth and the rest); a request body past one is refused with 400. */
  jsonLimits?: JsonLimits
  /** The listener serves sys/metrics without a token (telemetry.unauthenticated_metrics_access). */
  unauthenticatedMetrics?: MetricsExposition
}

/**
 * Not an async function: a request without an Origin header (every CLI and SDK) goes straight to dispatchRequest,
 * whose promise is returned as it is. A wrapper awaiting it cost every request a promise and a turn of the
 * microtask queue (a third of an in-process read's CPU).
 */
export function dispatch(ctx: DispatchContext, req: HttpRequest): Promise<HttpResult> {
  if (req.headers.origin === undefined) return dispatchRequest(ctx, req)
  return dispatchWithCors(ctx, req)
}

async function dispatchWithCors(ctx: DispatchContext, req: HttpRequest): Promise<HttpResult> {
  try {
    return await withCors(await corsSettingsOf(ctx.core), req, () => dispatchRequest(ctx, req))
  } catch (error) {
    return renderError(ctx, '', error)
  }
}

async function dispatchRequest(ctx: DispatchContext, req: HttpRequest): Promise<HttpResult> {
  const requestId = uuid()
  try {
    // STS speaks the Query protocol: a form POST to the root path naming an Action.
    if (isAwsQueryRequest(req)) {
      if (ctx.core.ha !== undefined) {
        // Without a query the standby serves nothing itself: AWS calls go to the active node.
        const elsewhere = await throughHa(ctx.core, req, '')
        if (elsewhere !== undefined && !('local' in elsewhere)) return elsewhere
      }
      return await handleAwsQuery(ctx.core, req)
    }
    // AWS SDKs post to the root path with X-Amz-Target: the AWS front door, on the same listener.
    if (isAwsJsonRequest(req)) {
      if (ctx.core.ha !== undefined) {
        // Without a query the standby serves nothing itself: AWS calls go to the active node.
        const elsewhere = await throughHa(ctx.core, req, '')
        if (elsewhere !== undefined && !('local' in elsewhere)) return elsewhere
      }
      return await handleAwsJson(ctx.core, req, ctx.logger, ctx.jsonLimits)
    }
    const target = parseTarget(req.url)
    if (!target) throw new NotFoundError()
    const { path, query } = target
    // As Vault: with the listener option, this node's metrics answer here, without a token and even while sealed.
    if (ctx.unauthenticatedMetrics && path === 'sys/metrics' && req.method === 'GET') {
      const { status, contentType, body } = await renderMetrics(
        ctx.unauthenticatedMetrics,
        query.get('format') ?? '',
      )
      return { status, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body }
    }
    /** Set when this standby answers a read from its own services. */
    let local: UnsealedServices | undefined
    if (ctx.core.ha !== undefined) {
      const elsewhere = await throughHa(ctx.core, req, path, query)
      if (elsewhere !== undefined && 'local' in elsewhere) local = elsewhere.local
      else if (elsewhere !== undefined) return elsewhere
    }
    const contentType = header(req, 'content-type')
    // Vault's HTTP layer turns any request with a non-empty `help` query parameter into a help operation.
    if (query.get('help')) {
      refuseUnsupportedHeaders(req)
      // Help is counted like any request to its path (it is answered outside the pipeline).
      const limitedHelp = limitOutsidePipeline(ctx, path, req)
      if (limitedHelp) return limitedHelp
      // The services record is a 503 while sealed.
      const body = await handleHelp(
        ctx.core.services,
        {
          id: requestId,
          path,
          data: {},
          token: clientToken(req),
          headers: plainHeaders(req),
          contentType,
          remoteAddress: req.remoteAddress,
          connection: req.connection,
        },
        COFFER_VERSION,
      )
      return jsonResult(200, body)
    }
    // sys/health, sys/unseal and the ceremonies answer outside the pipeline; they are exempt from rate limits
    // by default, and limited like any path once an operator takes them off sys/quotas/config's list.
    const limited =
      (RAW_SYS_PATHS.has(path) || CEREMONY_PATHS.has(path)) && limitOutsidePipeline(ctx, path, req)
    if (limited) return limited
    if (RAW_SYS_PATHS.has(path)) {
      const data = req.body.length > 0 ? requestData(req, 'update', query, ctx.jsonLimits) : {}
      return await handleRawSys(ctx.core, path, req.method, data, query)
    }
    if (CEREMONY_PATHS.has(path)) {
      const data = req.body.length > 0 ? requestData(req, 'update', query, ctx.jsonLimits) : {}
      const headers = plainHeaders(req)
      return await handleCeremony(ctx.core, {
        id: requestId,
        path,
        method: req.method,
        data,
        headers,
        remoteAddress: req.remoteAddress,
      })
    }
    if (req.method === 'HEAD') return emptyResult(405)
    refuseUnsupportedHeaders(req)
    const operation = operationFor(req.method, query, contentType)
    const rawBody = operation === 'update' && SNAPSHOT_BODY_PATHS.has(path)
    const requestCore: RequestCore = local ? standbyCore(local) : ctx.core
    let response: Awaited<ReturnType<typeof handleRequest>>
    let logical: LogicalRequest | undefined
    try {
      logical = {
        id: requestId,
        operation,
        path,
        data: rawBody ? {} : requestData(req, operation, query, ctx.jsonLimits),
        ...(rawBody ? { body: req.body } : {}),
        token: clientToken(req),
        headers: plainHeaders(req),
        contentType,
        remoteAddress: req.remoteAddress,
        connection: req.connection,
        wrapTtl: parseWrapTtl(header(req, 'x-vault-wrap-ttl'), parseDuration),
      }
      response = await handleRequest(requestCore, logical)
    } catch (error) {
      // Served here, it tried to write after all: the storage fence refused it, so the active node answers.
      if (local && error instanceof StandbyError) {
        const key = await ctx.core.forwarding.get(false).catch(() => undefined)
        return await forwardToActive(ctx.core, req, key)
      }
      // The rate-limit headers go on every answer the quota covered, a refusal included.
      if (logical?.rateLimitHeaders) throw new WithHeaders(error, logical.rateLimitHeaders)
      throw error
    }
    const result = render(requestId, path, operation, response)
    return logical.rateLimitHeaders ? withHeaders(result, logical.rateLimitHeaders) : result
  } catch (error) {
    if (error instanceof WithHeaders)
      return withHeaders(renderError(ctx, requestId, error.cause), error.headers)
    return renderError(ctx, requestId, error)
  }
}

/**
 * A raw sys/, ceremony or help request against the quotas: the 429 (with the rate-limit headers when enabled) when
 * refused, undefined to go on. The quotas live behind the barrier, in the unsealed services: a sealed node, or an HA
 * standby (which has no services record of its own), applies none, so sys/health and unsealing always answer there.
 */
function limitOutsidePipeline(ctx: DispatchContext, path: string, req: HttpRequest): HttpResult | undefined {
  if (ctx.core.sealed || ctx.core.standby) return undefined
  let services: UnsealedServices
  try {
    services = ctx.core.services
  } catch {
    // No services record (being sealed or restored right now): nothing to count against.
    return undefined
  }
  if (services.quotas.empty) return undefined
  const decision = checkQuota(services, path, req.remoteAddress)
  if (decision === undefined || decision.verdict.allowed) return undefined
  const refused = renderError(ctx, '', new RateLimitedError(path))
  const headers = rateLimitHeaders(services, decision)
  return headers ? withHeaders(refused, headers) : refused
}

/** A failed request's error, with the rate-limit headers its answer must carry. */
class WithHeaders extends Error {
  readonly headers: Record<string, string>
  constructor(cause: unknown, headers: Record<string, string>) {
    super('rate-limited request failed', { cause })
    this.headers = headers
  }
}

function withHeaders(result: HttpResult, headers: Record<string, string>): HttpResult {
  return { ...result, headers: { ...result.headers, ...headers } }
}

/**
 * With HA: believe what a forwarding node of this cluster vouches for (the client's address and certificate), and
 * send anything a standby does not answer itself to the active node. Undefined: this node handles the request.
 */
async function throughHa(
  core: DispatchCore,
  req: HttpRequest,
  path: string,
  query?: URLSearchParams,
): Promise<HttpResult | { local: UnsealedServices } | undefined> {
  const key = core.barrier.sealed ? undefined : await core.forwarding.get(false).catch(() => undefined)
  const forwarded = acceptForwarded(req, key)
  if (!core.standby || STANDBY_LOCAL_PATHS.has(path)) return undefined
  if (path === 'sys/seal')
    throw new InvalidRequestError(
      'a standby node cannot be sealed through the API; seal the active node or restart this one',
    )
  // Never forward twice: during a failover two nodes that each think the other active would bounce it.
  if (forwarded) return unreachable()
  const reader = core.standbyReader
  if (reader?.services && query && mayServeLocally(req, query)) {
    try {
      // Every write acknowledged before this request arrived is reflected in the caches (and the mount table)
      // before the request is looked at, let alone read.
      await reader.sync()
      const services = reader.services
      if (services && servesLocally(services, path)) return { local: services }
    } catch {
      // The change log could not be read: the active node answers instead.
    }
  }
  return forwardToActive(core, req, key)
}

/** Send the request on to the active node (or 307 to it when the client asked); 503 when there is none. */
async function forwardToActive(
  core: DispatchCore,
  req: HttpRequest,
  key: Buffer | undefined,
): Promise<HttpResult> {
  const ha = core.ha!
  const leader = await ha.knownLeader().catch(() => undefined)
  if (leader === undefined || leader.nodeId === ha.nodeId) {
    ha.forgetLeader()
    return unreachable()
  }
  if (wantsRedirect(req)) return redirectTo(leader.apiAddr, req)
  if (key === undefined) return unreachable()
  const answer = await forwardTo(leader.apiAddr, req, key)
  if (answer === UNREACHABLE || answer.status === 503) ha.forgetLeader()
  return answer
}

/**
 * What a standby answers itself: reads of KV secrets, of policies and of the caller's own token. Anything that may
 * write (a lease, a wrapping token, a use-limited token's use, help that reads mounts) goes to the active node;
 * a read that turns out to write anyway is refused by the storage fence and forwarded then.
 */
function mayServeLocally(req: HttpRequest, query: URLSearchParams): boolean {
  const operation = operationFor(req.method, query, header(req, 'content-type'))
  if (operation !== 'read' && operation !== 'list') return false
  return req.headers['x-vault-wrap-ttl'] === undefined && !query.get('help')
}

function servesLocally(services: UnsealedServices, path: string): boolean {
  if (path === 'auth/token/lookup-self') return true
  if (path.startsWith('sys/policy') || path.startsWith('sys/policies/acl')) return true
  return services.mounts.router.match(path)?.entry.type === 'kv'
}

/** The pipeline's view of a standby's read-only services. */
function standbyCore(services: UnsealedServices): RequestCore {
  return { sealed: false, services, settleRestore: (request) => request }
}

/** A client asking for a namespace must not silently get the root namespace instead. */
function refuseUnsupportedHeaders(req: HttpRequest): void {
  if (req.headers['x-vault-namespace'] === undefined) return
  const namespace = header(req, 'x-vault-namespace').replace(/^\/+|\/+$/g, '')
  if (namespace !== '' && namespace !== 'root') {
    throw new InvalidRequestError('namespaces (X-Vault-Namespace) are not supported by Coffer yet')
  }
}

function render(
  ownRequestId: string,
  path: string,
  operation: string,
  response: CoreResponse | undefined,
): HttpResult {
  // An unwrapped response shows the id of the request that first answered it, as Vault's unwrap does.
  const requestId = response?.requestId ?? ownRequestId
  if (!response) {
    // A missing read or an empty list is Vault's 404 with an empty error list; writes without a body are 204.
    return operation === 'read' || operation === 'list' ? jsonResult(404, { errors: [] }) : emptyResult(204)
  }
  if (response.raw) {
    const { status, contentType, body } = response.raw
    return { status, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body }
  }
  if (response.frozenData && response.data) {
    const shared = sharedEnvelope(path, response, response.data)
    if (shared !== undefined) {
      const result = textResult(response.status ?? 200, `${REQUEST_ID_OPENING}${requestId}${shared.text}`)
      // The request id is a UUID: ASCII, one byte per character.
      result.byteLength = REQUEST_ID_OPENING.length + requestId.length + shared.bytes
      return result
    }
  } else if (response.data && dataOnly(path, response)) {
    // The same text as the envelope below, with only the data serialised (a KV write's version summary): the
    // envelope's constant fields are written once here instead of by JSON.stringify for every answer.
    const data = JSON.stringify(response.data) as string | undefined
    if (data !== undefined)
      return textResult(
        response.status ?? 200,
        `${REQUEST_ID_OPENING}${requestId}${DATA_OPENING}${data}${DATA_CLOSING}`,
      )
  }
  const hasBody =
    response.data != null ||
    response.auth !== undefined ||
    response.lease !== undefined ||
    response.wrapInfo !== undefined ||
    (response.warnings?.length ?? 0) > 0
  if (!hasBody && response.status === undefined) return emptyResult(204)
  const envelope: Record<string, unknown> = {
    request_id: requestId,
    lease_id: response.lease?.leaseId ?? '',
    renewable: response.lease?.renewable ?? false,
    lease_duration: response.lease?.ttl ?? response.leaseDuration ?? 0,
    data: response.data ?? null,
    wrap_info: response.wrapInfo ?? null,
    warnings: response.warnings && response.warnings.length > 0 ? response.warnings : null,
    auth: response.auth ?? null,
  }
  if (
    response.data &&
    path.startsWith('sys/') &&
    (TOP_LEVEL_DATA.some(
      (prefix) =>
        path === prefix || path.startsWith(`${prefix}/`) || (prefix.endsWith('/') && path.startsWith(prefix)),
    ) ||
      TOP_LEVEL_DATA_EXACT.includes(path))
  ) {
    for (const [key, value] of Object.entries(response.data)) if (!(key in envelope)) envelope[key] = value
  }
  return jsonResult(response.status ?? 200, envelope)
}

/**
 * The envelope of an answer whose `data` is deeply frozen and shared (a KV read of an unchanged version), after its
 * request id: encoded once per data object, so a hot secret is not serialised again for every read. Only answers
 * that carry nothing but that data (no lease, auth, wrapping, warnings, no sys/ top-level copy) take this path.
 * The text is exactly what JSON.stringify of the full envelope gives (tested in dispatch.test.ts).
 */
const sharedEnvelopes = new WeakMap<object, { text: string; bytes: number }>()
const REQUEST_ID_OPENING = '{"request_id":"'

/** The envelope around the data of an answer that carries nothing else, after the request id. */
const DATA_OPENING = '","lease_id":"","renewable":false,"lease_duration":0,"data":'
const DATA_CLOSING = ',"wrap_info":null,"warnings":null,"auth":null}\n'

/** An answer with data and nothing else (no lease, auth, wrapping or warnings), outside sys/ and its top-level copies. */
function dataOnly(path: string, response: CoreResponse): boolean {
  return !(
    response.lease !== undefined ||
    response.auth !== undefined ||
    response.wrapInfo !== undefined ||
    response.leaseDuration !== undefined ||
    (response.warnings?.length ?? 0) > 0 ||
    path.startsWith('sys/')
  )
}

function sharedEnvelope(
  path: string,
  response: CoreResponse,
  data: object,
): { text: string; bytes: number } | undefined {
  if (!dataOnly(path, response)) return undefined
  let shared = sharedEnvelopes.get(data)
  if (shared === undefined) {
    const text = `${DATA_OPENING}${JSON.stringify(data)}${DATA_CLOSING}`
    shared = { text, bytes: Buffer.byteLength(text) }
    sharedEnvelopes.set(data, shared)
  }
  return shared
}

export function renderError(ctx: DispatchContext, requestId: string, error: unknown): HttpResult {
  if (isAppError(error)) {
    if (error.status >= 500 && !(error instanceof SealedError)) {
      ctx.logger.log('error', 'request failed upstream', { request_id: requestId, error: describe(error) })
    }
    return jsonResult(error.status, {
      errors: error.errors,
      ...(error.data === undefined ? {} : { data: error.data }),
    })
  }
  ctx.logger.log('error', 'internal error', { request_id: requestId, error: describe(error) })
  return jsonResult(500, { errors: [`internal error; request id: ${requestId}`] })
}

/** Error text for the operational log: the message and stack, never request data. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : ''
    return `${error.stack ?? error.message}${cause}`
  }
  return String(error)
}
