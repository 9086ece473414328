// Vault's audit HMAC ("hmac-sha256:<hex>") and the rules for which entry fields it replaces.
import type { KeyObject } from 'node:crypto'
import { hmacSha256Hex } from '../../lib/hash.ts'
import { copyData, type DataMemo } from './audit-data.ts'
import type { AuditAuth, AuditEntry, AuditRequest, AuditResponse, AuditWrapInfo } from './entry.ts'
import { hashHeaders } from './request-headers.ts'

/**
 * Vault's Salt.GetIdentifiedHMAC: HMAC-SHA256 keyed with the device's salt bytes directly (no
 * derivation), hex-encoded, prefixed with the type. Keeping this exact is what makes `sys/audit-hash`
 * answers searchable in the log. Pass a KeyObject on the hot path.
 */
export function auditHmac(salt: Uint8Array | KeyObject, value: string): string {
  return `hmac-sha256:${hmacSha256Hex(salt, value)}`
}

export interface HashOptions {
  /** Vault's `hmac_accessor` (default true there): when false, accessors stay in clear. */
  hmacAccessor: boolean
  /** Vault's `log_raw`: nothing is hashed. */
  logRaw: boolean
  /** Keys in request.data whose string values stay in clear (a backend's AuditNonHMACRequestKeys). */
  nonHmacRequestKeys?: string[]
  /** Keys in response.data whose string values stay in clear (AuditNonHMACResponseKeys). */
  nonHmacResponseKeys?: string[]
  /** Vault's `elide_list_responses`: on list responses, `keys` and `key_info` become their counts. */
  elideListResponses?: boolean
  /** Audited request headers configured with hmac false: their values stay in clear; every other one is HMAC'd. */
  clearHeaders?: ReadonlySet<string>
}

/**
 * A hashed deep copy of `entry`, following Vault's audit/hashstructure.go:
 * - auth and response.auth: client_token always, accessor when hmacAccessor; the other auth fields
 *   (display_name, policies, metadata, entity_id…) stay in clear, as in Vault.
 * - request: client_token always, client_token_accessor when hmacAccessor.
 * - request.data and response.data: see copyData (audit-data.ts) for which values are HMAC'd; keys never are.
 * - response.wrap_info: token always, accessor and wrapped_accessor when hmacAccessor.
 * - request.headers (the audited request headers): every value but those of clearHeaders, even under log_raw, as
 *   in Vault, which hashes them before the formatter log_raw turns off.
 * - response.secret (lease_id only) stays in clear, as in Vault: a lease id is not a credential.
 * - error, path, remote_address and the rest of request/response are never hashed.
 * The input is never mutated.
 */
/** `salt` may also be a function giving auditHmac's answer for a value (the broker passes a memoised one). */
export function hashEntry(
  entry: AuditEntry,
  salt: Uint8Array | KeyObject | ((value: string) => string),
  options: HashOptions,
): AuditEntry {
  const hmac = typeof salt === 'function' ? salt : (value: string) => auditHmac(salt, value)
  // Copy-on-write: the parts that get rewritten (auth blocks, request and response, their data and wrap_info)
  // are copied; everything else is shared with the input, which is never mutated.
  const out: AuditEntry = { ...entry }
  if (entry.auth) out.auth = hashAuthSection(entry.auth, hmac, options)
  if (entry.request) out.request = hashRequestSection(entry.request, hmac, options)
  if (entry.response)
    out.response = hashResponseSection(entry.response, entry.request?.operation, hmac, options)
  return out
}

/** hashEntry's rules for an entry's `auth` section alone: a hashed copy. */
export function hashAuthSection(auth: AuditAuth, hmac: Hasher, options: HashOptions): AuditAuth {
  const out = { ...auth }
  if (options.logRaw !== true) hashAuth(out, hmac, options.hmacAccessor)
  return out
}

/** hashEntry's rules for an entry's `request` section alone: a hashed copy. */
export function hashRequestSection(
  request: AuditRequest,
  hmac: Hasher,
  options: HashOptions,
  memo?: DataMemo,
): AuditRequest {
  const raw = options.logRaw === true
  // log_raw still copies data: the copy is what bounds depth and keeps `__proto__` keys (copyData).
  const req = { ...request }
  if (req.data)
    req.data = copyData(req.data, raw ? undefined : hmac, keySet(options.nonHmacRequestKeys), false, memo)
  if (!raw) {
    if (req.client_token) req.client_token = hmac(req.client_token)
    if (options.hmacAccessor && req.client_token_accessor) {
      req.client_token_accessor = hmac(req.client_token_accessor)
    }
  }
  if (req.headers) req.headers = hashHeaders(req.headers, hmac, options.clearHeaders)
  return req
}

/** hashEntry's rules for an entry's `response` section alone (`operation` decides list elision): a hashed copy. */
export function hashResponseSection(
  response: AuditResponse,
  operation: string | undefined,
  hmac: Hasher,
  options: HashOptions,
  memo?: DataMemo,
): AuditResponse {
  const raw = options.logRaw === true
  const res = { ...response }
  if (res.auth) res.auth = { ...res.auth }
  if (res.wrap_info) res.wrap_info = { ...res.wrap_info }
  const elide = options.elideListResponses === true && operation === 'list'
  if (res.data)
    res.data = copyData(res.data, raw ? undefined : hmac, keySet(options.nonHmacResponseKeys), elide, memo)
  if (!raw) {
    if (res.auth) hashAuth(res.auth, hmac, options.hmacAccessor)
    if (res.wrap_info) hashWrapInfo(res.wrap_info, hmac, options.hmacAccessor)
  }
  return res
}

/**
 * What one request's entries keep in clear beyond the device's rules: the mount's data keys (its
 * audit_non_hmac_request_keys and _response_keys) and the audited request headers configured with hmac false.
 */
export interface AuditExemptions {
  request: readonly string[]
  response: readonly string[]
  /** The header set's `clear` (see request-headers.ts); absent while no header is audited. */
  clearHeaders?: ReadonlySet<string>
}

/** The device's options plus a request's exemptions; the device's own object when they add none. */
export function withExemptions(options: HashOptions, exempt: AuditExemptions | undefined): HashOptions {
  if (!exempt) return options
  const keyed = withKeys(options, exempt)
  const headers = exempt.clearHeaders
  if (headers === undefined) return keyed
  // The header set is replaced whole on a change, so its clear set is a stable key while it is in force.
  let byHeaders = clearHeaderOptions.get(keyed)
  if (!byHeaders) {
    byHeaders = new WeakMap()
    clearHeaderOptions.set(keyed, byHeaders)
  }
  let merged = byHeaders.get(headers)
  if (!merged) {
    merged = { ...keyed, clearHeaders: headers }
    byHeaders.set(headers, merged)
  }
  return merged
}

const clearHeaderOptions = new WeakMap<HashOptions, WeakMap<ReadonlySet<string>, HashOptions>>()

/** The device's options plus the mount's data-key exemptions. */
function withKeys(options: HashOptions, exempt: AuditExemptions): HashOptions {
  if (exempt.request.length === 0 && exempt.response.length === 0) return options
  // One merged object per (device options, mount's two arrays): the key sets and the data memo are keyed by
  // these objects, so building them afresh per request would defeat both. A tune replaces the arrays.
  let byRequest = mergedOptions.get(options)
  if (!byRequest) {
    byRequest = new WeakMap()
    mergedOptions.set(options, byRequest)
  }
  let byResponse = byRequest.get(exempt.request)
  if (!byResponse) {
    byResponse = new WeakMap()
    byRequest.set(exempt.request, byResponse)
  }
  let merged = byResponse.get(exempt.response)
  if (!merged) {
    merged = {
      ...options,
      nonHmacRequestKeys: [...(options.nonHmacRequestKeys ?? []), ...exempt.request],
      nonHmacResponseKeys: [...(options.nonHmacResponseKeys ?? []), ...exempt.response],
    }
    byResponse.set(exempt.response, merged)
  }
  return merged
}

const mergedOptions = new WeakMap<
  HashOptions,
  WeakMap<readonly string[], WeakMap<readonly string[], HashOptions>>
>()

export type Hasher = (value: string) => string

const NO_KEYS: ReadonlySet<string> = new Set()
/** The exemption sets, built once per options array rather than per entry. */
const keySets = new WeakMap<readonly string[], ReadonlySet<string>>()

function keySet(keys: readonly string[] | undefined): ReadonlySet<string> {
  if (!keys || keys.length === 0) return NO_KEYS
  let set = keySets.get(keys)
  if (!set) {
    set = new Set(keys)
    keySets.set(keys, set)
  }
  return set
}

function hashAuth(auth: AuditAuth, hash: Hasher, hmacAccessor: boolean): void {
  if (auth.client_token) auth.client_token = hash(auth.client_token)
  if (hmacAccessor && auth.accessor) auth.accessor = hash(auth.accessor)
}

function hashWrapInfo(wrap: AuditWrapInfo, hash: Hasher, hmacAccessor: boolean): void {
  if (wrap.token) wrap.token = hash(wrap.token)
  if (!hmacAccessor) return
  if (wrap.accessor) wrap.accessor = hash(wrap.accessor)
  if (wrap.wrapped_accessor) wrap.wrapped_accessor = hash(wrap.wrapped_accessor)
}

/** Values up to 4 KiB are remembered, 4,096 at a time; the memo holds what the barrier cache holds anyway. */
export function memoisedHmac(salt: KeyObject): (value: string) => string {
  const memo = new Map<string, string>()
  return (value) => {
    let hashed = memo.get(value)
    if (hashed === undefined) {
      hashed = auditHmac(salt, value)
      if (value.length <= 4096) {
        if (memo.size >= 4096) memo.clear()
        memo.set(value, hashed)
      }
    }
    return hashed
  }
}
