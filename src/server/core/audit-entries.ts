// Audit entries for one request: what the caller sent, who they were, and what they got back (Vault's layout).
import { rfc3339 } from '../../lib/time.ts'
import type { BackendRequest } from '../../sdk/request.ts'
import { elideDeniedData } from '../audit/elided-data.ts'
import {
  type AuditAuth,
  type AuditEntry,
  type AuditRequestInput,
  type AuditResponseInput,
  buildEntry,
  buildRequestAuth,
  type JsonObject,
} from '../audit/entry.ts'
import { type AuditedHeaderSet, selectHeaders } from '../audit/request-headers.ts'
import type { CoreResponse, LogicalRequest, RequestAuth } from './logical-request.ts'
import type { MountEntry } from './mount-table.ts'
import { type TokenEntry, ttlSeconds } from './token/token-entry.ts'

export interface AuditContext {
  request: LogicalRequest
  backendRequest: BackendRequest | undefined
  mount: MountEntry | undefined
  auth: RequestAuth | undefined
  allowed: boolean
  now: number
  /** The operation to record when it is none a backend handles (Vault's "help"). */
  operation?: string
  /**
   * The audited request headers in force when the request arrived (sys/config/auditing/request-headers); absent
   * while none is configured. The devices HMAC their values as they write (AuditExemptions.clearHeaders).
   */
  auditedHeaders?: AuditedHeaderSet
}

/** What a request-side auth section was built from, to tell whether it still describes the token entry. */
interface AuthMemo {
  readonly token: string
  readonly accessor: string
  readonly displayName: string
  readonly policies: readonly string[]
  readonly meta: Readonly<Record<string, string>> | undefined
  readonly entityId: string
  readonly type: string
  readonly ttl: number
  readonly numUses: number
  readonly allowed: boolean
  readonly auth: AuditAuth
}

/**
 * The auth section of a token's entries, built once and shared while nothing it records changes: a token's
 * requests all carry the same section but for token_ttl, which moves once a second. It is deeply frozen, so the
 * broker may remember its hashed text per device. Every field is compared by value on each use (policies and
 * metadata element by element), so a token entry changed in place or replaced (renewal, a spent use, new
 * policies) gets a fresh section.
 */
const authMemo = new WeakMap<TokenEntry, AuthMemo>()

function auditAuth(ctx: AuditContext): AuditAuth | undefined {
  const auth = ctx.auth
  if (!auth) return undefined
  const entry = auth.entry
  const ttl = ttlSeconds(entry, ctx.now)
  const memo = authMemo.get(entry)
  if (
    memo !== undefined &&
    memo.ttl === ttl &&
    memo.allowed === ctx.allowed &&
    memo.token === auth.token &&
    memo.accessor === entry.accessor &&
    memo.displayName === entry.displayName &&
    memo.entityId === entry.entityId &&
    memo.type === entry.type &&
    memo.numUses === entry.numUses &&
    sameList(memo.policies, entry.policies) &&
    sameRecord(memo.meta, entry.meta)
  )
    return memo.auth
  const policies = Object.freeze([...entry.policies])
  const meta = entry.meta === undefined ? undefined : Object.freeze({ ...entry.meta })
  const built = buildRequestAuth({
    clientToken: auth.token,
    accessor: entry.accessor,
    displayName: entry.displayName,
    policies: policies as string[],
    tokenPolicies: policies as string[],
    metadata: meta,
    entityId: entry.entityId,
    tokenType: entry.type,
    tokenTtl: ttl,
    remainingUses: entry.numUses,
    policyResults: { allowed: ctx.allowed },
  })
  if (built.policy_results) Object.freeze(built.policy_results)
  Object.freeze(built)
  authMemo.set(entry, {
    token: auth.token,
    accessor: entry.accessor,
    displayName: entry.displayName,
    policies,
    meta,
    entityId: entry.entityId,
    type: entry.type,
    ttl,
    numUses: entry.numUses,
    allowed: ctx.allowed,
    auth: built,
  })
  return built
}

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sameRecord(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b
  let count = 0
  for (const key in b) {
    if (!Object.hasOwn(a, key) || a[key] !== b[key]) return false
    count++
  }
  return count === Object.keys(a).length
}

function requestInput(ctx: AuditContext): AuditRequestInput {
  const req = ctx.request
  // Carrying no accepted token (refused, or a login and other unauthenticated paths): anyone can send this, so
  // its data is recorded only within a budget. A real login body is far below it.
  const elided = !ctx.auth ? elideDeniedData(req.data, declaredLength(req.headers)) : undefined
  // Assigned member by member (buildEntry fixes the order): this runs twice per audited request.
  const input: AuditRequestInput = {
    id: req.id,
    operation: ctx.operation ?? ctx.backendRequest?.operation ?? req.operation,
    path: req.path,
    remoteAddress: req.remoteAddress,
  }
  if (elided) input.dataElided = elided
  else input.data = req.data as JsonObject
  // Vault records the X-Vault-Wrap-TTL a caller asked for, so a wrapped answer can be told from its request.
  if (req.wrapTtl) input.wrapTtl = req.wrapTtl
  // With no header audited, this one check is all the header work a request does.
  if (ctx.auditedHeaders !== undefined) {
    const headers = selectHeaders(ctx.auditedHeaders, req.headers)
    if (headers !== undefined) input.headers = headers
  }
  if (ctx.mount) {
    input.mountPoint = ctx.mount.path
    input.mountType = ctx.mount.type
    input.mountAccessor = ctx.mount.accessor
  }
  if (ctx.auth) {
    input.clientToken = ctx.auth.token
    input.clientTokenAccessor = ctx.auth.entry.accessor
  } else if (req.token !== '') {
    // A token that did not resolve (revoked, expired, unknown) is still recorded, HMAC'd by the device as Vault
    // does, so the use of a revoked credential can be seen and traced in the audit log.
    input.clientToken = req.token
  }
  return input
}

function declaredLength(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['content-length']
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

/**
 * A read's request and response entries (for AuditBroker.logPair): built together, the response entry takes the
 * request entry's time, auth and request sections rather than building equal ones again.
 */
export function entryPair(
  ctx: AuditContext,
  response: CoreResponse | undefined,
  error?: string,
): [AuditEntry, AuditEntry] {
  const input = requestInput(ctx)
  const request = requestEntry(ctx, undefined, input)
  return [request, responseEntry(ctx, response, error, request, input)]
}

/** `input` is this context's request input when the caller already made it (entryPair). */
export function requestEntry(
  ctx: AuditContext,
  error?: string,
  input: AuditRequestInput = requestInput(ctx),
): AuditEntry {
  // Members left undefined are omitted by buildEntry: no spread copies on this per-request path.
  return buildEntry({
    type: 'request',
    time: rfc3339(ctx.now),
    builtAuth: auditAuth(ctx),
    request: input,
    error,
  })
}

export function responseEntry(
  ctx: AuditContext,
  response: CoreResponse | undefined,
  error?: string,
  shared?: AuditEntry,
  input: AuditRequestInput = requestInput(ctx),
): AuditEntry {
  return buildEntry({
    type: 'response',
    time: shared?.time ?? rfc3339(ctx.now),
    builtAuth: shared ? shared.auth : auditAuth(ctx),
    request: input,
    builtRequest: shared?.request,
    response: response === undefined ? {} : responseInput(response),
    error,
  })
}

/** The response section's input; buildEntry omits the members left undefined or empty. */
function responseInput(response: CoreResponse): AuditResponseInput {
  const wrap = response.wrapInfo
  const issued = response.auth
  return {
    data: response.data ? (response.data as JsonObject) : undefined,
    warnings: response.warnings?.length ? response.warnings : undefined,
    secret: response.lease ? { leaseId: response.lease.leaseId } : undefined,
    wrapInfo: wrap
      ? {
          ttl: wrap.ttl,
          token: wrap.token,
          accessor: wrap.accessor,
          creationTime: wrap.creation_time,
          creationPath: wrap.creation_path,
          wrappedAccessor: wrap.wrapped_accessor ? wrap.wrapped_accessor : undefined,
        }
      : undefined,
    auth: issued
      ? {
          clientToken: issued.client_token,
          accessor: issued.accessor,
          policies: issued.policies,
          tokenPolicies: issued.token_policies,
          identityPolicies: issued.identity_policies,
          metadata: issued.metadata ? issued.metadata : undefined,
          // Vault records whom a login resolved to: the entity ties the minted token to the identity.
          entityId: issued.entity_id,
          tokenType: issued.token_type,
          tokenTtl: issued.lease_duration,
          numUses: issued.num_uses,
        }
      : undefined,
  }
}
