// The policies a created token gets: the request's, the role's or the parent's, within what the caller may grant.
import { globListMatch } from '../../../lib/glob.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { TokenRole } from './token-roles.ts'

/** Whether `policy` is named in `exact` or matched by one of `globs`. */
function listed(policy: string, exact: readonly string[], globs: readonly string[] | undefined): boolean {
  // Lower-cased here too: roles written before their lists were stored lower-cased may hold "Admin".
  return (
    exact.some((name) => name.toLowerCase() === policy) ||
    globListMatch(
      (globs ?? []).map((glob) => glob.toLowerCase()),
      policy,
    )
  )
}

/**
 * Vault's rule, before `default` is added. A role that names allowed or disallowed policies (exactly or by glob)
 * decides on its own: requested policies must be allowed and none disallowed, and with no request the role's
 * allowed policies (else the parent's) are used. Otherwise — no role, or a role that names none — a caller
 * without root or sudo may only pass on a subset of its own policies.
 */
export function createPolicies(
  requested: string[] | undefined,
  role: TokenRole | undefined,
  parentPolicies: readonly string[],
  privileged: boolean,
): string[] {
  const allowsSome =
    role !== undefined && (role.allowedPolicies.length > 0 || !!role.allowedPoliciesGlob?.length)
  const deniesSome =
    role !== undefined && (role.disallowedPolicies.length > 0 || !!role.disallowedPoliciesGlob?.length)
  if (role && (allowsSome || deniesSome)) {
    const policies = (requested ?? (allowsSome ? role.allowedPolicies : parentPolicies)).map((p) =>
      p.trim().toLowerCase(),
    )
    const disallowed = policies.filter((p) => listed(p, role.disallowedPolicies, role.disallowedPoliciesGlob))
    if (disallowed.length > 0)
      throw new InvalidRequestError(`token policies (${disallowed.join(', ')}) are disallowed by the role`)
    if (allowsSome) {
      const outside = policies.filter(
        (p) => p !== 'default' && !listed(p, role.allowedPolicies, role.allowedPoliciesGlob),
      )
      if (outside.length > 0)
        throw new InvalidRequestError(
          `token policies (${outside.join(', ')}) must be subset of the role's allowed policies`,
        )
    }
    return policies
  }
  const policies = (requested ?? parentPolicies).map((p) => p.trim().toLowerCase())
  if (!privileged) {
    const outside = policies.filter((p) => p !== 'default' && !parentPolicies.includes(p))
    if (outside.length > 0) throw new InvalidRequestError('child policies must be subset of parent')
  }
  return policies
}
