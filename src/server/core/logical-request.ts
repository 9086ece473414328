// The request core receives from an adapter, and what core hands back to be rendered.
import type { BackendRequest, ConnectionInfo, LogicalResponse, Operation } from '../../sdk/request.ts'
import type { TokenEntry } from './token/token-entry.ts'

export interface LogicalRequest {
  id: string
  /** POST and PUT arrive as 'update'; core turns them into 'create' when the target does not exist. */
  operation: Operation
  /** Without /v1/ and without a leading slash. */
  path: string
  data: Record<string, unknown>
  token: string
  headers: Record<string, string>
  contentType: string
  remoteAddress: string
  /** The TLS connection, for auth methods that read the client certificate (cert). */
  connection?: ConnectionInfo
  /** X-Vault-Wrap-TTL in seconds; 0 when the response is not to be wrapped. */
  wrapTtl?: number
  /**
   * The raw request body, set by the adapter only for core paths that take a binary body (a snapshot restore);
   * `data` is then empty, so the bytes reach neither the audit log nor an engine.
   */
  body?: Uint8Array
  /**
   * Set by a front door that has already checked this call against the rate-limit quotas (an AWS call, which
   * runs several requests through the pipeline but counts once): the rate-limit stage lets it through.
   */
  quotaChecked?: boolean
  /**
   * Set by the rate-limit stage when sys/quotas/config enables the response headers: the X-Ratelimit-* (and, on a
   * refusal, Retry-After) headers the adapter adds to the answer, whatever it is.
   */
  rateLimitHeaders?: Record<string, string>
  /**
   * Credentials that log in in place of a token (a SigV4-signed AWS call): the auth method's unauthenticated login
   * path and what it takes. The authenticate stage runs that login for this request alone (see
   * pipeline/login-in-place.ts): no token is issued, stored or sent, and `token` is ''.
   */
  login?: { path: string; data: Record<string, unknown> }
}

/** A wrapped response's `wrap_info`, in Vault's wire names. */
export interface WrapInfo {
  token: string
  accessor: string
  ttl: number
  creation_time: string
  creation_path: string
  wrapped_accessor?: string
}

/** The auth block of a response that minted a token, in Vault's wire names. */
export interface IssuedAuth {
  client_token: string
  accessor: string
  policies: string[]
  token_policies: string[]
  metadata: Record<string, string> | null
  lease_duration: number
  renewable: boolean
  entity_id: string
  /** Policies the token's entity and its groups add (absent when there are none), as Vault shows them. */
  identity_policies?: string[]
  token_type: 'service' | 'batch'
  orphan: boolean
  mfa_requirement: null
  num_uses: number
}

/** A lease as core renders it: the id, its TTL and whether it may be renewed. */
export interface LeaseInfo {
  leaseId: string
  ttl: number
  renewable: boolean
}

export interface CoreResponse extends Omit<LogicalResponse, 'auth' | 'secret'> {
  auth?: IssuedAuth
  /** The lease core registered for the response's secret. */
  lease?: LeaseInfo
  /** Set when the response was wrapped: everything else is then empty. */
  wrapInfo?: WrapInfo
  /** The request_id the envelope shows instead of this request's: an unwrapped response's original one. */
  requestId?: string
}

/** What core-internal backends (auth/token, sys/, cubbyhole/) may know about the request beyond the sdk's Caller. */
export interface RequestAuth {
  token: string
  entry: TokenEntry
  /** This request spent the token's last use: it is dead to everyone else and is revoked when the request ends. */
  lastUse?: boolean
}

/**
 * The request core hands its own backends (the built-in mounts): the sdk's request plus the caller's token in
 * `auth`. Engines get the sdk's request without it, so they never see a raw token.
 */
export interface CoreBackendRequest extends BackendRequest {
  auth?: RequestAuth
  /** The raw request body of a binary-body path (see LogicalRequest.body). */
  rawBody?: Uint8Array
}

/** The raw body core passed to one of its own backends; undefined elsewhere. */
export function rawBodyOf(request: BackendRequest): Uint8Array | undefined {
  return (request as CoreBackendRequest).rawBody
}

/** The caller's token as core passed it to one of its own backends; undefined on an engine's request. */
export function authOf(request: BackendRequest): RequestAuth | undefined {
  return (request as CoreBackendRequest).auth
}

/**
 * What core's own backends may answer beyond an engine's response. Core honours these fields only from the
 * built-in mounts; an engine's answer cannot carry them.
 */
export interface CoreHandlerResponse extends LogicalResponse {
  /** A token the backend minted or renewed itself (auth/token create and renew; an unwrapped login). */
  issuedAuth?: IssuedAuth
  /** A lease the backend renewed, or an unwrapped response's lease; rendered at the top level. */
  leaseInfo?: LeaseInfo
  /** A response the backend wrapped itself (sys/wrapping/wrap and rewrap): only its wrap_info is returned. */
  wrapped?: WrapInfo
  /** An unwrapped response: the id of the request that first answered it, which its envelope shows (as Vault's). */
  unwrappedRequestId?: string
}
