// A token's effective policies: its own, plus its entity's and its entity's groups', resolved at request time.
import { NON_ASSIGNABLE_POLICIES, ROOT_POLICY_NAME } from '../../policy/builtin-policies.ts'
import type { TemplateIdentity } from '../../policy/template.ts'
import type { IssuedAuth } from '../logical-request.ts'
import type { TokenEntry } from '../token/token-entry.ts'
import type { IdentityStore } from './identity-store.ts'

export interface EffectivePolicies {
  /** Token policies merged with the identity policies: what the ACL is built from. */
  names: string[]
  /** The entity's own and group policies (empty without an entity). */
  identityPolicies: string[]
  /** What templated policy paths are filled from; undefined without an entity. */
  identity: TemplateIdentity | undefined
}

const NONE: readonly string[] = Object.freeze([])

/**
 * An entity's or group's policies as they may act: never root or a server-only policy. Logins refuse such an
 * entity, and an entity given one later must not turn its existing tokens into root tokens either.
 */
function grantable(policies: string[]): string[] {
  return policies.some((p) => p === ROOT_POLICY_NAME || NON_ASSIGNABLE_POLICIES.includes(p))
    ? policies.filter((p) => p !== ROOT_POLICY_NAME && !NON_ASSIGNABLE_POLICIES.includes(p))
    : policies
}

/**
 * Undefined when the token's entity is disabled: its tokens are refused, not revoked. A token whose entity was
 * deleted keeps its own policies, as in Vault. Entity and group edits apply to existing tokens at once.
 */
export async function effectivePolicies(
  store: IdentityStore,
  entry: TokenEntry,
): Promise<EffectivePolicies | undefined> {
  if (entry.entityId === '')
    return { names: entry.policies, identityPolicies: NONE as string[], identity: undefined }
  const resolved = await store.resolve(entry.entityId)
  if (!resolved) return { names: entry.policies, identityPolicies: NONE as string[], identity: undefined }
  if (resolved.disabled) return undefined
  const identityPolicies = grantable(resolved.policies)
  const key = entry.policies.join('\n')
  let names = resolved.merged.get(key)
  if (!names) {
    names =
      identityPolicies.length === 0
        ? entry.policies
        : [...new Set([...entry.policies, ...identityPolicies])].sort()
    resolved.merged.set(key, names)
  }
  return { names, identityPolicies, identity: resolved.template }
}

/** A minted token's auth block as Vault shows it: `policies` holds both sets, `identity_policies` the entity's. */
export async function withIdentityPolicies(
  store: IdentityStore,
  auth: IssuedAuth,
  entry: TokenEntry,
): Promise<IssuedAuth> {
  if (entry.entityId === '') return auth
  const effective = await effectivePolicies(store, entry)
  if (!effective || effective.identityPolicies.length === 0) return auth
  return { ...auth, policies: effective.names, identity_policies: effective.identityPolicies }
}
