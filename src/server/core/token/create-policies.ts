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
 * Vault's SanitizePolicies: trimmed, lower-cased, blanks dropped, `root` standing alone when present, `default`
 * added when asked (never beside root), duplicates removed, sorted.
 */
function sanitize(policies: readonly string[], addDefault: boolean): string[] {
  const names = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '')
  if (names.includes('root')) return ['root']
  if (addDefault) names.push('default')
  return [...new Set(names)].sort()
}

/**
 * Vault's rule (resolveTokenPolicies), `default` included. A role that names allowed or disallowed policies (exactly
 * or by glob) decides on its own: it adds `default` unless told not to or it disallows `default`; the request's
 * policies must all be allowed, else the role's allowed ones (or the parent's) are used, and none may be
 * disallowed, `default` included. Otherwise a request naming no policies inherits the parent's as they are (so
 * `default` only if the parent has it); a caller without root or sudo may pass on only a subset of its own, with
 * `default` added only if the parent has it; root or sudo may name any, `default` added. `noDefault` (the request's
 * no_default_policy, or the role's token_no_default_policy) removes `default` from the result in every case.
 */
export function createPolicies(
  requested: string[] | undefined,
  role: TokenRole | undefined,
  parentPolicies: readonly string[],
  privileged: boolean,
  noDefault: boolean,
): string[] {
  const asked = requested !== undefined && requested.length > 0 ? requested : undefined
  const allowsSome =
    role !== undefined && (role.allowedPolicies.length > 0 || !!role.allowedPoliciesGlob?.length)
  const deniesSome =
    role !== undefined && (role.disallowedPolicies.length > 0 || !!role.disallowedPoliciesGlob?.length)
  let policies: string[]
  if (role && (allowsSome || deniesSome)) {
    const addDefault = !noDefault && !listed('default', role.disallowedPolicies, role.disallowedPoliciesGlob)
    if (allowsSome) {
      if (asked === undefined) policies = sanitize(role.allowedPolicies, addDefault)
      else {
        policies = sanitize(asked, addDefault)
        // The `default` the role adds itself counts as allowed; one asked for while it is not added must be listed.
        const outside = policies.filter(
          (p) =>
            !(addDefault && p === 'default') && !listed(p, role.allowedPolicies, role.allowedPoliciesGlob),
        )
        if (outside.length > 0)
          throw new InvalidRequestError(
            `token policies (${outside.join(', ')}) must be subset of the role's allowed policies`,
          )
      }
    } else policies = sanitize(asked ?? parentPolicies, addDefault)
    const disallowed = policies.find((p) => listed(p, role.disallowedPolicies, role.disallowedPoliciesGlob))
    if (disallowed !== undefined)
      throw new InvalidRequestError(`token policy "${disallowed}" is disallowed by this role`)
  } else if (asked === undefined) {
    policies = sanitize(parentPolicies, false)
  } else if (!privileged) {
    policies = sanitize(asked, false)
    const own = sanitize(parentPolicies, false)
    if (policies.some((p) => !own.includes(p)))
      throw new InvalidRequestError('child policies must be subset of parent')
    policies = sanitize(policies, !noDefault && parentPolicies.includes('default'))
  } else {
    policies = sanitize(asked, !noDefault)
  }
  return noDefault ? policies.filter((p) => p !== 'default') : policies
}
