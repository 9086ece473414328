// A digest of what a token may do now (its effective policies, as stored, template-filled): event streams compare it.
import { createHash } from 'node:crypto'
import type { Policy } from '../../policy/policy.ts'
import { effectivePolicies } from '../identity/effective.ts'
import type { UnsealedServices } from '../services.ts'
import type { TokenEntry } from '../token/token-entry.ts'

/**
 * Per parsed policy object: the policy store keeps one per policy until it is written, deleted or reloaded, and
 * filling templates makes a new one, so a rewritten policy is hashed afresh and an untemplated one only once.
 */
const digests = new WeakMap<Policy, string>()

function policyDigest(policy: Policy): string {
  let digest = digests.get(policy)
  if (digest === undefined) {
    const shape = [policy.name, policy.raw, policy.rules.map((rule) => rule.pattern)]
    digest = createHash('sha256').update(JSON.stringify(shape)).digest('base64')
    digests.set(policy, digest)
  }
  return digest
}

export interface TokenAccess {
  /** Equal digests mean the same ACL. */
  digest: string
  /** The effective policy names it was read from (a policy change concerns only tokens holding it). */
  names: readonly string[]
}

/**
 * Names, stored text and template-filled paths of the token's effective policies; undefined when its entity is
 * disabled. Any edit of one of those policies or of the identity data they are filled from changes the digest (a
 * widening too: whether an edit narrows what a client relied on is not decided here).
 */
export async function tokenAccess(
  services: Pick<UnsealedServices, 'identity' | 'policies'>,
  entry: TokenEntry,
): Promise<TokenAccess | undefined> {
  const effective = await effectivePolicies(services.identity, entry)
  if (!effective) return undefined
  const policies = await services.policies.policiesFor(effective.names, effective.identity)
  return {
    digest: `${effective.names.join('\n')}\n${policies.map(policyDigest).join(',')}`,
    names: effective.names,
  }
}
