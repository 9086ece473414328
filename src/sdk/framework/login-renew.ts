// Shared checks for auth methods' renewLogin hooks: what must still hold for a login token to be renewed.
import { InvalidRequestError } from '../errors.ts'
import type { LoginRenewalVerdict } from './backend.ts'
import type { TokenParams } from './token-params.ts'

/** Policy sets compared as Vault does: order and the implicit "default" policy do not matter. */
export function equivalentPolicies(a: readonly string[], b: readonly string[]): boolean {
  const norm = (list: readonly string[]) =>
    [...new Set(list.filter((p) => p !== 'default'))].sort().join('\n')
  return norm(a) === norm(b)
}

/** Refuse a renewal whose source (user, role, certificate entry) no longer exists. */
export function requireStillExists<T>(entry: T | undefined, what: string): T {
  if (entry === undefined)
    throw new InvalidRequestError(`${what} no longer exists; the token cannot be renewed`)
  return entry
}

/** Refuse a renewal when the source's policies changed since the login, as Vault's userpass and cert do. */
export function requireSamePolicies(current: readonly string[], tokenPolicies: readonly string[]): void {
  if (!equivalentPolicies(current, tokenPolicies))
    throw new InvalidRequestError('policies have changed since login; the token cannot be renewed')
}

/** A string field of a login's `internal`, or a refusal when the token predates it. */
export function internalString(internal: Record<string, unknown>, key: string): string {
  const value = internal[key]
  if (typeof value !== 'string' || value === '')
    throw new InvalidRequestError('the token carries no login details to check; log in again')
  return value
}

/**
 * The verdict that hands the role's current token_ttl, token_max_ttl and token_period back to the renewal, as
 * Vault's login renew handlers set them on the renewed auth.
 */
export function underCurrentTokenSettings(
  params: Pick<TokenParams, 'tokenTtl' | 'tokenMaxTtl' | 'tokenPeriod'>,
): LoginRenewalVerdict {
  return { tokenTtl: params.tokenTtl, maxTtl: params.tokenMaxTtl, period: params.tokenPeriod }
}
