// Audit entries for one request: what the caller sent, who they were, and what they got back (Vault's layout).
import { rfc3339 } from '../../lib/time.ts'
import type { BackendRequest } from '../../sdk/request.ts'
import { elideDeniedData } from '../audit/elided-data.ts'
import { type AuditEntry, buildEntry, type JsonObject } from '../audit/entry.ts'
import type { CoreResponse, LogicalRequest, RequestAuth } from './logical-request.ts'
import type { MountEntry } from './mount-table.ts'
import { ttlSeconds } from './token/token-entry.ts'

export interface AuditContext {
  request: LogicalRequest
  backendRequest: BackendRequest | undefined
  mount: MountEntry | undefined
  auth: RequestAuth | undefined
  allowed: boolean
  now: number
  /** The operation to record when it is none a backend handles (Vault's "help"). */
  operation?: string
}

function authInput(ctx: AuditContext) {
  const auth = ctx.auth
  if (!auth) return undefined
  return {
    clientToken: auth.token,
    accessor: auth.entry.accessor,
    displayName: auth.entry.displayName,
    policies: auth.entry.policies,
    tokenPolicies: auth.entry.policies,
    metadata: auth.entry.meta,
    entityId: auth.entry.entityId,
    tokenType: auth.entry.type,
    tokenTtl: ttlSeconds(auth.entry, ctx.now),
    remainingUses: auth.entry.numUses,
    policyResults: { allowed: ctx.allowed },
  }
}

function requestInput(ctx: AuditContext) {
  const req = ctx.request
  const address = req.remoteAddress
  // Carrying no accepted token (refused, or a login and other unauthenticated paths): anyone can send this, so
  // its data is recorded only within a budget. A real login body is far below it.
  const elided = !ctx.auth ? elideDeniedData(req.data, declaredLength(req.headers)) : undefined
  return {
    id: req.id,
    operation: ctx.operation ?? ctx.backendRequest?.operation ?? req.operation,
    path: req.path,
    ...(elided ? { dataElided: elided } : { data: req.data as JsonObject }),
    remoteAddress: address,
    ...(ctx.mount
      ? { mountPoint: ctx.mount.path, mountType: ctx.mount.type, mountAccessor: ctx.mount.accessor }
      : {}),
    ...(ctx.auth ? { clientToken: ctx.auth.token, clientTokenAccessor: ctx.auth.entry.accessor } : {}),
  }
}

function declaredLength(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['content-length']
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

export function requestEntry(ctx: AuditContext, error?: string): AuditEntry {
  const auth = authInput(ctx)
  return buildEntry({
    type: 'request',
    time: rfc3339(ctx.now),
    ...(auth ? { auth } : {}),
    request: requestInput(ctx),
    ...(error ? { error } : {}),
  })
}

export function responseEntry(
  ctx: AuditContext,
  response: CoreResponse | undefined,
  error?: string,
): AuditEntry {
  const auth = authInput(ctx)
  const issued = response?.auth
  return buildEntry({
    type: 'response',
    time: rfc3339(ctx.now),
    ...(auth ? { auth } : {}),
    request: requestInput(ctx),
    response: {
      ...(response?.data ? { data: response.data as JsonObject } : {}),
      ...(response?.warnings?.length ? { warnings: response.warnings } : {}),
      ...(response?.lease ? { secret: { leaseId: response.lease.leaseId } } : {}),
      ...(response?.wrapInfo
        ? {
            wrapInfo: {
              ttl: response.wrapInfo.ttl,
              token: response.wrapInfo.token,
              accessor: response.wrapInfo.accessor,
              creationTime: response.wrapInfo.creation_time,
              creationPath: response.wrapInfo.creation_path,
              ...(response.wrapInfo.wrapped_accessor
                ? { wrappedAccessor: response.wrapInfo.wrapped_accessor }
                : {}),
            },
          }
        : {}),
      ...(issued
        ? {
            auth: {
              clientToken: issued.client_token,
              accessor: issued.accessor,
              policies: issued.policies,
              tokenPolicies: issued.token_policies,
              ...(issued.metadata ? { metadata: issued.metadata } : {}),
              tokenType: issued.token_type,
              tokenTtl: issued.lease_duration,
              numUses: issued.num_uses,
            },
          }
        : {}),
    },
    ...(error ? { error } : {}),
  })
}
