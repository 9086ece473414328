// What a backend receives and returns: the logical request and response, free of HTTP and of tokens.

import type { BackendEvent, EventEmitter } from './events.ts'
import type { KeyService } from './key-service.ts'
import type { RotationListener, RotationRunner } from './rotation-runner.ts'
import type { Storage } from './storage.ts'

export type Operation = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list'

/** The caller as a backend may know it: never the token itself. */
export interface Caller {
  accessor: string
  policies: string[]
  displayName: string
  entityId: string
  metadata: Record<string, string>
}

export interface BackendRequest {
  id: string
  operation: Operation
  /** Path relative to the mount, without a leading slash. */
  path: string
  /** The mount's path with its trailing slash, e.g. "secret/". */
  mountPath: string
  /** JSON body (or query parameters for read, delete and list). */
  data: Record<string, unknown>
  /** Lower-cased request headers, without the token headers. */
  headers: Readonly<Record<string, string>>
  contentType: string
  remoteAddress: string
  /** The TLS connection the request came over; undefined on a plain-HTTP listener. */
  connection?: ConnectionInfo
  /** Undefined on unauthenticated paths such as login. */
  caller: Caller | undefined
}

/** What a TLS connection tells about the client (the cert auth method verifies it; the listener does not). */
export interface ConnectionInfo {
  /** The certificates the client presented, leaf first then its intermediates, as PEM; empty when it sent none. */
  peerCertificates: string[]
}

/** A lease request: core stores it and later calls the backend's secret `revoke`/`renew`. */
export interface SecretGrant {
  type: string
  ttl: number
  maxTtl?: number
  renewable: boolean
  internal: Record<string, unknown>
}

/** A login result: core mints the token; auth methods never see or create tokens. */
export interface AuthGrant {
  policies: string[]
  displayName?: string
  metadata?: Record<string, string>
  ttl?: number
  maxTtl?: number
  explicitMaxTtl?: number
  period?: number
  numUses?: number
  renewable?: boolean
  noDefaultPolicy?: boolean
  /** What the role asks for; the auth mount's tuned token_type has the last word (core's login-token-type.ts). */
  tokenType?: 'service' | 'batch' | 'default' | 'default-service' | 'default-batch'
  boundCidrs?: string[]
  /** Stored with the token and given back to the auth method's renew hook. */
  internal?: Record<string, unknown>
  /** Who logged in, as the auth source names them: core finds or creates the entity with this alias on the mount. */
  alias?: { name: string; metadata?: Record<string, string> }
  /** Group names from the auth source: matched to external groups through group aliases on the mount. */
  groupAliases?: string[]
}

export interface RawResponse {
  status: number
  contentType: string
  body: string | Uint8Array
}

export interface LogicalResponse {
  data?: Record<string, unknown> | null
  warnings?: string[]
  /** Override the status for a response that has a body (KV v2 answers 404 with metadata for a deleted version). */
  status?: number
  raw?: RawResponse
  /** An advisory lease_duration with no lease behind it (a KV v1 secret's "ttl" key). */
  leaseDuration?: number
  /**
   * `data` is deeply frozen and its content never changes for as long as this same object is handed out (KV's
   * shared read values): the HTTP adapter may then encode it once and reuse the text for every request that
   * answers with the same object. Never set it on data that is built or modified per request.
   */
  frozenData?: true
  secret?: SecretGrant
  auth?: AuthGrant
  /**
   * The accessor of what this response hands out when that is not a token (AppRole's secret_id_accessor): shown as
   * wrap_info.wrapped_accessor if the response is wrapped, so the holder of the wrapping token can manage it unread.
   */
  wrappedAccessor?: string
  /** Changes this request made: core publishes them after the request has succeeded (see sdk/events.ts). */
  events?: BackendEvent[]
}

/** The narrow, read-only view of core a backend may use. */
export interface SystemView {
  readonly defaultLeaseTtl: number
  readonly maxLeaseTtl: number
  readonly mount: MountInfo
  /** The mount's user lockout settings (sys/auth/<path>/tune `user_lockout_config`); absent means Vault's defaults. */
  readonly userLockout?: UserLockoutConfig
  now(): number
  /** A new password from the named sys/policies/password policy, or Vault's default (20 chars) when none is named. */
  generatePassword(policyName?: string): Promise<string>
  /** Runs Secrets Manager rotation steps with scoped credentials; absent where the server offers none (tests). */
  readonly rotation?: RotationRunner
  /** Told when a rotation starts, succeeds or fails; absent when nobody listens. */
  readonly rotationEvents?: RotationListener
  /** The server's KMS keys (its KMS mount), for engines that encrypt values under a caller's key; absent without one. */
  readonly keys?: KeyService
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>): void
  /** Reports changes made outside a request (rotations, background work), once they are stored. */
  readonly events: EventEmitter
}

/** Vault's user_lockout: after `threshold` failed logins within `counterReset` seconds, refuse for `duration` seconds. */
export interface UserLockoutConfig {
  threshold: number
  duration: number
  counterReset: number
  disable: boolean
}

export interface MountInfo {
  path: string
  type: string
  uuid: string
  accessor: string
  options: Record<string, string>
}

export interface BackendEnv {
  storage: Storage
  system: SystemView
}
