// The stored form of a wrapped response: Vault's `{"response": "<the HTTP envelope as a JSON string>"}` in cubbyhole/response.
import type { CoreResponse, IssuedAuth } from './logical-request.ts'

/** A response as it is wrapped: anything core renders except a wrap_info of its own. */
export type WrappedResponse = Omit<CoreResponse, 'wrapInfo'>

/** The cubbyhole entry of a wrapping token, exactly what a read of cubbyhole/response with it shows. */
export interface StoredWrapping {
  response: string
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
  return { response: JSON.stringify(envelope) }
}

/**
 * The stored entry as the response to hand back, or undefined when it holds none. Entries written before the
 * envelope form (the response object itself) are still read, so tokens wrapped before an upgrade still unwrap.
 */
export function decodeWrapped(stored: unknown): WrappedResponse | undefined {
  if (!isObject(stored)) return undefined
  if (typeof stored['response'] !== 'string') return legacy(stored)
  let envelope: unknown
  try {
    envelope = JSON.parse(stored['response'])
  } catch {
    return undefined
  }
  if (!isObject(envelope)) return undefined
  const out: WrappedResponse = {}
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
