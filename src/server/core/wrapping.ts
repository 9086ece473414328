// Response wrapping: a response kept in a single-use token's cubbyhole, handed out as that token instead.
import { rfc3339Trimmed } from '../../lib/time.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'
import { RESPONSE_WRAPPING_POLICY_NAME } from '../policy/builtin-policies.ts'
import { cubbyholePrefix } from './cubbyhole/backend.ts'
import type { CoreResponse, WrapInfo } from './logical-request.ts'
import type { UnsealedServices } from './services.ts'
import type { TokenEntry } from './token/token-entry.ts'
import {
  carriedForm,
  decodeWrapped,
  encodeWrapped,
  type StoredWrapping,
  type UnwrappedResponse,
  type WrappedResponse,
} from './wrapped-response.ts'

/** The services this file uses. */
export type WrappingServices = Pick<UnsealedServices, 'maxLeaseTtl' | 'mounts' | 'tokens'>

/** A fallback for a wrap asked without a TTL (the Vault CLI's default for -wrap-ttl); sys/wrapping/wrap refuses one. */
const DEFAULT_WRAP_TTL = 300

type StoredResponse = WrappedResponse

function cubbyhole(services: WrappingServices): Storage {
  return services.mounts.router.get('cubbyhole/')!.backend.storage
}

function responseKey(idHash: string): string {
  return `${cubbyholePrefix(idHash)}response`
}

/** Parse X-Vault-Wrap-TTL or a wrap TTL field: seconds or a Go duration; 0/empty means "not wrapped". */
export function parseWrapTtl(raw: string, parseDuration: (text: string) => number): number {
  const text = raw.trim()
  if (text === '') return 0
  let seconds: number
  try {
    // Digits too go through parseDuration, so an absurd TTL is refused like any other too-long duration.
    seconds = parseDuration(text)
  } catch {
    throw new InvalidRequestError(`invalid wrap TTL "${text}"`)
  }
  if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidRequestError(`invalid wrap TTL "${text}"`)
  return seconds
}

/** Replace `response` by a wrapping token whose cubbyhole holds it, rendered as the request `requestId` answered it. */
export function wrapResponse(
  services: WrappingServices,
  response: StoredResponse,
  options: { ttl: number; creationPath: string; requestId: string },
): Promise<CoreResponse> {
  const wrappedAccessor = response.auth?.accessor ?? response.wrappedAccessor
  return wrapStored(services, encodeWrapped(response, options.requestId), {
    ...options,
    ...(wrappedAccessor ? { wrappedAccessor } : {}),
  })
}

/** A new wrapping token whose cubbyhole/response holds `stored`, verbatim. */
async function wrapStored(
  services: WrappingServices,
  stored: StoredWrapping,
  options: { ttl: number; creationPath: string; wrappedAccessor?: string },
): Promise<CoreResponse> {
  const ttl = Math.min(options.ttl > 0 ? options.ttl : DEFAULT_WRAP_TTL, services.maxLeaseTtl)
  const { token, entry } = await services.tokens.create({
    policies: [RESPONSE_WRAPPING_POLICY_NAME],
    parentHash: '',
    displayName: 'response-wrapping',
    numUses: 1,
    ttl,
    maxTtl: ttl,
    renewable: false,
    path: options.creationPath,
  })
  await putJson(cubbyhole(services), responseKey(entry.idHash), stored)
  const wrapInfo: WrapInfo = {
    token,
    accessor: entry.accessor,
    ttl,
    creation_time: wrapCreationTime(entry),
    creation_path: options.creationPath,
    ...(options.wrappedAccessor ? { wrapped_accessor: options.wrappedAccessor } : {}),
  }
  return { wrapInfo }
}

/**
 * When a wrapping token was made, to the millisecond, as Vault's wrap_info and sys/wrapping/lookup give it (to the
 * nanosecond there). The entry keeps its creation in whole seconds, but its expiry in milliseconds: a wrapping
 * token is never renewed, so its expiry less its TTL is the moment it was made.
 */
function wrapCreationTime(entry: TokenEntry): string {
  const ms = entry.expireTime > 0 ? entry.expireTime - entry.creationTtl * 1000 : entry.creationTime * 1000
  return rfc3339Trimmed(ms)
}

/** Whether a token is a wrapping token: one holding the built-in response-wrapping policy. */
export function isWrappingToken(entry: TokenEntry): boolean {
  return entry.policies.includes(RESPONSE_WRAPPING_POLICY_NAME)
}

/** A live wrapping token's entry, or a 400 that does not say which of "unknown", "used" or "not wrapping" it was. */
export async function wrappingEntry(services: WrappingServices, token: string): Promise<TokenEntry> {
  const entry = await services.tokens.lookup(token)
  if (!entry || !isWrappingToken(entry))
    throw new InvalidRequestError('wrapping token is not valid or does not exist')
  return entry
}

/** Where the wrapping token comes from: the request body, or the caller's own token (with its use spent). */
export interface WrappingTokenSource {
  token: string
  /** The caller's entry when the request itself spent the wrapping token's single use in the pipeline. */
  spent?: TokenEntry
}

/**
 * Take a wrapping token for redemption: exactly one caller gets it, however many present it at once. When the
 * request's own token is the wrapping token, the pipeline already spent its single use for this request.
 */
async function redeem(services: WrappingServices, source: WrappingTokenSource): Promise<TokenEntry> {
  const entry = source.spent ?? (await services.tokens.claim(source.token, isWrappingToken))
  if (!entry || !isWrappingToken(entry))
    throw new InvalidRequestError('wrapping token is not valid or does not exist')
  return entry
}

/** Read and consume a wrapped response: the wrapping token is revoked, so a second unwrap fails. */
export async function unwrap(
  services: WrappingServices,
  source: WrappingTokenSource,
): Promise<UnwrappedResponse> {
  const entry = await redeem(services, source)
  const stored = decodeWrapped(await getJson(cubbyhole(services), responseKey(entry.idHash)))
  await services.tokens.revokeTree(entry.idHash)
  if (!stored) throw new InvalidRequestError('wrapping token is not valid or does not exist')
  return stored
}

export async function lookupWrapping(
  services: WrappingServices,
  token: string,
): Promise<Record<string, unknown>> {
  const entry = await wrappingEntry(services, token)
  return {
    creation_path: entry.path,
    creation_time: wrapCreationTime(entry),
    creation_ttl: entry.creationTtl,
  }
}

/** A new wrapping token for the same response and TTL; the old token stops working. */
export async function rewrap(services: WrappingServices, source: WrappingTokenSource): Promise<CoreResponse> {
  const entry = await redeem(services, source)
  const raw = await getJson(cubbyhole(services), responseKey(entry.idHash))
  const stored = decodeWrapped(raw)
  if (!stored) {
    await services.tokens.revokeTree(entry.idHash)
    throw new InvalidRequestError('wrapping token is not valid or does not exist')
  }
  // The response is carried over as it was stored (its original request id included), as Vault's rewrap does. Like
  // Vault's, the new wrap_info names no wrapped_accessor: the rewrap's own answer carries no token.
  const kept = carriedForm(raw)!
  const wrapped = await wrapStored(services, kept, { ttl: entry.creationTtl, creationPath: entry.path })
  await services.tokens.revokeTree(entry.idHash)
  return wrapped
}
