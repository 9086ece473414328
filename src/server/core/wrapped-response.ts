// The stored form of a wrapped response: Vault's `{"response": "<the HTTP envelope as a JSON string>"}` in cubbyhole/response.
import type { CoreResponse, IssuedAuth } from './logical-request.ts'

/** A response as it is wrapped: anything core renders except a wrap_info of its own. */
export type WrappedResponse = Omit<CoreResponse, 'wrapInfo'>

/** A wrapped response as unwrap hands it back: with the id of the request that first answered it, as Vault does. */
export type UnwrappedResponse = WrappedResponse & { requestId?: string }

/** The cubbyhole entry of a wrapping token, exactly what a read of cubbyhole/response with it shows. */
export interface StoredWrapping {
  response: string
  /**
   * The status the response was answered with, when not 200 (KV v2's 404 with a deleted version's metadata): unwrap
   * answers with it, as Vault's does. Kept beside the envelope, never inside it, so no wrapped data (a KV v1 secret
   * with keys of Vault's raw-response form) can pass for a status, an auth block or a lease of the server's making.
   */
  status?: number
}

/**
 * The response rendered as Vault's HTTP envelope, with the id of the request that made it. Vault keeps it as a JSON
 * string (wrapInCubbyhole marshals logical.HTTPResponse) so a client reading cubbyhole/response can parse it as is;
 * only the envelope's fields are kept, so nothing internal to core (shared-data flags, events) is ever stored.
 */
export function encodeWrapped(response: WrappedResponse, requestId: string): StoredWrapping {
  const envelope = {
    request_id: requestId,
    lease_id: response.lease?.leaseId ?? '',
    renewable: response.lease?.renewable ?? false,
    lease_duration: response.lease?.ttl ?? response.leaseDuration ?? 0,
    data: response.data ?? null,
    wrap_info: null,
    warnings: response.warnings && response.warnings.length > 0 ? response.warnings : null,
    auth: response.auth ?? null,
  }
  const status = response.status
  return status === undefined || status === 200
    ? { response: JSON.stringify(envelope) }
    : { response: JSON.stringify(envelope), status }
}

/**
 * The stored entry as the response to hand back, or undefined when it holds none. Entries written before the
 * envelope form (the response object itself) are still read, so tokens wrapped before an upgrade still unwrap.
 */
export function decodeWrapped(stored: unknown): UnwrappedResponse | undefined {
  if (!isObject(stored)) return undefined
  if (typeof stored['response'] !== 'string') return legacy(stored)
  const envelope = parseObject(stored['response'])
  if (envelope === undefined) return undefined
  const out = fromEnvelope(envelope)
  const status = stored['status']
  if (typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599)
    out.status = status
  return out
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return isObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

function fromEnvelope(envelope: Record<string, unknown>): UnwrappedResponse {
  const out: UnwrappedResponse = {}
  if (typeof envelope['request_id'] === 'string' && envelope['request_id'] !== '')
    out.requestId = envelope['request_id']
  if (isObject(envelope['data'])) out.data = envelope['data']
  const warnings = envelope['warnings']
  if (Array.isArray(warnings) && warnings.length > 0) out.warnings = warnings.map(String)
  if (isObject(envelope['auth'])) out.auth = envelope['auth'] as unknown as IssuedAuth
  const leaseId = typeof envelope['lease_id'] === 'string' ? envelope['lease_id'] : ''
  const duration = typeof envelope['lease_duration'] === 'number' ? envelope['lease_duration'] : 0
  if (leaseId !== '') out.lease = { leaseId, ttl: duration, renewable: envelope['renewable'] === true }
  else if (duration > 0) out.leaseDuration = duration
  return out
}

/** The stored entry in the form a cubbyhole/response read shows, legacy entries included. */
export function storedForm(stored: unknown): StoredWrapping | undefined {
  if (isObject(stored) && typeof stored['response'] === 'string') return { response: stored['response'] }
  const response = decodeWrapped(stored)
  return response === undefined ? undefined : encodeWrapped(response, '')
}

/** The stored entry as a rewrap carries it over: the envelope, and the status it was answered with. */
export function carriedForm(stored: unknown): StoredWrapping | undefined {
  const shown = storedForm(stored)
  const status = decodeWrapped(stored)?.status
  return shown === undefined || status === undefined ? shown : { ...shown, status }
}

/** An entry of the older form: the response object, of which only the fields core renders are taken. */
function legacy(stored: Record<string, unknown>): WrappedResponse {
  const out: WrappedResponse = {}
  if (isObject(stored['data'])) out.data = stored['data']
  if (Array.isArray(stored['warnings']) && stored['warnings'].length > 0)
    out.warnings = stored['warnings'].map(String)
  if (isObject(stored['auth'])) out.auth = stored['auth'] as unknown as IssuedAuth
  const lease = stored['lease']
  if (isObject(lease) && typeof lease['leaseId'] === 'string')
    out.lease = {
      leaseId: lease['leaseId'],
      ttl: Number(lease['ttl']) || 0,
      renewable: lease['renewable'] === true,
    }
  if (typeof stored['leaseDuration'] === 'number') out.leaseDuration = stored['leaseDuration']
  return out
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
