// Vault's audit-entry JSON layout (one object per request and per response) and a builder from camelCase input.

/**
 * Field order and omissions mirror Vault's classic formatter (audit/format.go, still OpenBao's): the Go
 * structs carry `omitempty` on every field, so "", 0, false, null, empty arrays and empty maps never
 * appear, and keys come out in struct order. SIEM parsers key on names, but humans diffing a Coffer line
 * against a Vault line should see the same shape.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export interface AuditPolicyInfo {
  name?: string
  namespace_id?: string
  namespace_path?: string
  type: string
}

export interface AuditPolicyResults {
  allowed: boolean
  granting_policies?: AuditPolicyInfo[]
}

export interface AuditAuth {
  client_token?: string
  accessor?: string
  display_name?: string
  policies?: string[]
  token_policies?: string[]
  identity_policies?: string[]
  no_default_policy?: boolean
  policy_results?: AuditPolicyResults
  metadata?: Record<string, string>
  num_uses?: number
  remaining_uses?: number
  entity_id?: string
  entity_created?: boolean
  token_type?: string
  token_ttl?: number
  token_issue_time?: string
}

export interface AuditNamespace {
  id: string
  path?: string
}

/**
 * Coffer's marker that `request.data` was left out (see elided-data.ts): why, how many top-level keys, and
 * how many bytes. Outside `data`, so it cannot collide with a client's own keys and is never HMAC'd.
 */
export interface AuditDataElided {
  reason: 'unauthenticated'
  keys: number
  bytes: number
}

export interface AuditRequest {
  id?: string
  client_id?: string
  operation?: string
  mount_point?: string
  mount_type?: string
  mount_accessor?: string
  client_token?: string
  client_token_accessor?: string
  namespace?: AuditNamespace
  path?: string
  data?: JsonObject
  data_elided?: AuditDataElided
  policy_override?: boolean
  remote_address?: string
  remote_port?: number
  wrap_ttl?: number
  headers?: Record<string, string[]>
}

export interface AuditSecret {
  lease_id?: string
}

export interface AuditWrapInfo {
  ttl?: number
  token?: string
  accessor?: string
  creation_time?: string
  creation_path?: string
  wrapped_accessor?: string
}

export interface AuditResponse {
  auth?: AuditAuth
  mount_point?: string
  mount_type?: string
  mount_accessor?: string
  secret?: AuditSecret
  data?: JsonObject
  warnings?: string[]
  redirect?: string
  wrap_info?: AuditWrapInfo
  headers?: Record<string, string[]>
}

export interface AuditEntry {
  time?: string
  type: 'request' | 'response'
  auth?: AuditAuth
  request?: AuditRequest
  response?: AuditResponse
  error?: string
}

/** The identity that made the request (or, in `response.auth`, the one a login minted). */
export interface AuditAuthInput {
  /** The raw token; hashEntry replaces it with its HMAC. */
  clientToken?: string
  accessor?: string
  displayName?: string
  /** All policies in effect (token + identity). */
  policies?: string[]
  tokenPolicies?: string[]
  identityPolicies?: string[]
  noDefaultPolicy?: boolean
  /** The ACL decision; set on request-side auth once the ACL has been checked. */
  policyResults?: {
    allowed: boolean
    grantingPolicies?: { name?: string; namespaceId?: string; type: string }[]
  }
  metadata?: Record<string, string>
  /** Use limit of a minted token (response auth). */
  numUses?: number
  /** Uses left on the calling token (request auth). */
  remainingUses?: number
  entityId?: string
  entityCreated?: boolean
  /** 'service' | 'batch'; Vault prints 'default' when there is no token (logins). */
  tokenType?: string
  /** Token TTL in whole seconds. */
  tokenTtl?: number
  /** RFC 3339 (seconds precision, as Vault formats it). */
  tokenIssueTime?: string
}

export interface AuditRequestInput {
  id: string
  clientId?: string
  /** Vault's logical operation: read, list, create, update, delete, patch, … */
  operation: string
  /** Mount path with trailing slash, e.g. "secret/". */
  mountPoint?: string
  mountType?: string
  mountAccessor?: string
  clientToken?: string
  clientTokenAccessor?: string
  /** Defaults to "root": Coffer has no namespaces, and Vault CE always prints {"id":"root"}. */
  namespaceId?: string
  path: string
  data?: JsonObject
  /** Set instead of `data` when the data is summarised rather than recorded. */
  dataElided?: AuditDataElided
  policyOverride?: boolean
  remoteAddress?: string
  remotePort?: number
  /** Requested response-wrapping TTL in seconds. */
  wrapTtl?: number
  headers?: Record<string, string[]>
}

export interface AuditResponseInput {
  auth?: AuditAuthInput
  secret?: { leaseId: string }
  data?: JsonObject
  warnings?: string[]
  redirect?: string
  wrapInfo?: {
    ttl: number
    token: string
    accessor: string
    creationTime: string
    creationPath: string
    wrappedAccessor?: string
  }
  headers?: Record<string, string[]>
}

export interface BuildEntryInput {
  type: 'request' | 'response'
  /** RFC3339Nano UTC, e.g. rfc3339() from src/lib/time.ts. Omitted from the line when empty. */
  time: string
  /** The caller's identity; absent for unauthenticated calls (logins). */
  auth?: AuditAuthInput
  /**
   * Or the caller's auth section already built by buildRequestAuth, used as it is (it may be frozen and shared
   * by many entries: core builds one per token entry). Takes precedence over `auth`.
   */
  builtAuth?: AuditAuth
  request: AuditRequestInput
  /**
   * Or the `request` section buildEntry made from `request` for another entry (a read's request entry, shared by
   * its response entry), used as it is; `request` still gives the response section its mount fields.
   */
  builtRequest?: AuditRequest
  /** Only read for type 'response'; a response entry always has a `response` object. */
  response?: AuditResponseInput
  /** The outer error message, if the request failed. */
  error?: string
}

/** Builds the wire object in Vault's key order with Go's omitempty rules applied. */
export function buildEntry(input: BuildEntryInput): AuditEntry {
  const req = input.request
  // compact's rule applied member by member, in this order: two entries are built per audited request, and this
  // makes neither the literal compact would copy from nor its loop.
  const entry = {} as AuditEntry
  if (present(input.time)) entry.time = input.time
  if (present(input.type)) entry.type = input.type
  // Vault always writes an auth object; without a token it is just {"token_type":"default"}.
  const auth = input.builtAuth ?? buildAuth(input.auth ?? {}, true)
  if (present(auth)) entry.auth = auth
  const request = input.builtRequest ?? buildRequest(req)
  if (present(request)) entry.request = request
  if (input.type === 'response') {
    const response = buildResponse(input.response ?? {}, req)
    if (present(response)) entry.response = response
  }
  if (present(input.error)) entry.error = input.error
  return entry
}

/**
 * The namespace of every request (Coffer has no others), one frozen object shared by the entries: a device that
 * remembers a request section's text then finds it the same object, not an equal one to compare member by member.
 */
const ROOT_NAMESPACE: AuditNamespace = Object.freeze({ id: 'root' })

function buildRequest(req: AuditRequestInput): AuditRequest {
  return compact({
    id: req.id,
    client_id: req.clientId,
    operation: req.operation,
    mount_point: req.mountPoint,
    mount_type: req.mountType,
    mount_accessor: req.mountAccessor,
    client_token: req.clientToken,
    client_token_accessor: req.clientTokenAccessor,
    namespace: req.namespaceId === undefined ? ROOT_NAMESPACE : { id: req.namespaceId },
    path: req.path,
    data: req.data,
    data_elided: req.dataElided,
    policy_override: req.policyOverride,
    remote_address: req.remoteAddress,
    remote_port: req.remotePort,
    wrap_ttl: req.wrapTtl,
    headers: req.headers,
  })
}

function buildResponse(res: AuditResponseInput, req: AuditRequestInput): AuditResponse {
  const wrap = res.wrapInfo
  // Vault copies the mount fields from the request into the response object.
  return compact({
    auth: res.auth === undefined ? undefined : buildAuth(res.auth, false),
    mount_point: req.mountPoint,
    mount_type: req.mountType,
    mount_accessor: req.mountAccessor,
    secret: res.secret === undefined ? undefined : compact({ lease_id: res.secret.leaseId }),
    data: res.data,
    warnings: res.warnings,
    redirect: res.redirect,
    wrap_info:
      wrap === undefined
        ? undefined
        : compact({
            ttl: wrap.ttl,
            token: wrap.token,
            accessor: wrap.accessor,
            creation_time: wrap.creationTime,
            creation_path: wrap.creationPath,
            wrapped_accessor: wrap.wrappedAccessor,
          }),
    headers: res.headers,
  })
}

/** The request-side `auth` section buildEntry would make from `auth`, for BuildEntryInput.builtAuth. */
export function buildRequestAuth(auth: AuditAuthInput): AuditAuth {
  return buildAuth(auth, true)
}

function buildAuth(auth: AuditAuthInput, requestSide: boolean): AuditAuth {
  const results = auth.policyResults
  return compact({
    client_token: auth.clientToken,
    accessor: auth.accessor,
    display_name: auth.displayName,
    policies: auth.policies,
    token_policies: auth.tokenPolicies,
    identity_policies: auth.identityPolicies,
    no_default_policy: auth.noDefaultPolicy,
    policy_results:
      results === undefined
        ? undefined
        : {
            // `allowed` has no omitempty in Vault: a denial prints "allowed":false.
            allowed: results.allowed,
            ...(results.grantingPolicies?.length
              ? {
                  granting_policies: results.grantingPolicies.map((p) =>
                    compact({ name: p.name, namespace_id: p.namespaceId, type: p.type }),
                  ),
                }
              : {}),
          },
    metadata: auth.metadata,
    num_uses: requestSide ? undefined : auth.numUses,
    remaining_uses: requestSide ? auth.remainingUses : undefined,
    entity_id: auth.entityId,
    entity_created: auth.entityCreated,
    token_type: auth.tokenType ?? 'default',
    token_ttl: auth.tokenTtl,
    token_issue_time: auth.tokenIssueTime,
  })
}

/** Go's `omitempty`: drops undefined, null, "", 0, false, empty arrays and empty plain objects. */
function compact<T extends object>(fields: T): T {
  // for-in over a fresh literal (own enumerable keys only): no entries array per call on this hot path.
  const out: Record<string, unknown> = {}
  const source = fields as Record<string, unknown>
  for (const key in source) {
    const value = source[key]
    if (present(value)) out[key] = value
  }
  return out as T
}

/** Whether Go's `omitempty` keeps `value`. */
function present(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return false
  if (typeof value !== 'object') return true
  return Array.isArray(value) ? value.length > 0 : !isEmptyObject(value)
}

function isEmptyObject(value: object): boolean {
  for (const _ in value) return false
  return true
}
