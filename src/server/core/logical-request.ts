// The request core receives from an adapter, and what core hands back to be rendered.
import type { ConnectionInfo, LogicalResponse, Operation } from '../../sdk/request.ts'
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

export interface CoreResponse extends Omit<LogicalResponse, 'auth' | 'secret'> {
  auth?: IssuedAuth
  /** The lease core registered for the response's secret. */
  lease?: { leaseId: string; ttl: number; renewable: boolean }
  /** Set when the response was wrapped: everything else is then empty. */
  wrapInfo?: WrapInfo
}

/** What core-internal backends (auth/token) may know about the request beyond the sdk's Caller. */
export interface RequestAuth {
  token: string
  entry: TokenEntry
  /** This request spent the token's last use: it is dead to everyone else and is revoked when the request ends. */
  lastUse?: boolean
}

/** Core-internal side channel: engines never see it because they cannot import core. */
export const requestAuth = new WeakMap<object, RequestAuth>()

/** A core-internal backend returns a minted token under this key; core renders it as the auth block. */
export const ISSUED = Symbol('issued-auth')

/** A core-internal backend (sys/leases/renew) returns lease details under this key; core renders them top-level. */
export const LEASE = Symbol('lease')

/** sys/wrapping/wrap and rewrap return a response they wrapped themselves under this key. */
export const WRAPPED = Symbol('wrapped')

export type ResponseWithIssued = LogicalResponse & {
  [ISSUED]?: IssuedAuth
  [LEASE]?: { leaseId: string; ttl: number; renewable: boolean }
  [WRAPPED]?: WrapInfo
}
