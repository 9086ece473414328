// what-can: for one identity (entity, group, token accessor, auth role, user or access key), what its policies grant.
import { ROOT_POLICY_NAME } from '../../policy/builtin-policies.ts'
import type { PathRule } from '../../policy/policy.ts'
import { effectivePolicies } from '../identity/effective.ts'
import type { UnsealedServices } from '../services.ts'
import { collectHolders, type Holder, type HolderRef, holderRef } from './holders.ts'
import { ruleText, writtenPattern } from './rule-text.ts'
import type { AccessServices } from './who-can.ts'

/** what-can also looks tokens up by accessor. */
export type WhatCanServices = AccessServices & Pick<UnsealedServices, 'tokens'>

const CAPABILITY_ORDER = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe']

export interface RuleGrant {
  policy: string
  /** The path as the policy wrote it. */
  pattern: string
  /** The path this identity's templates fill it in to, when it is templated. */
  resolved_pattern?: string
  capabilities: string[]
  rule: string
}

export interface PathGrant {
  pattern: string
  /** The capabilities of every held rule on this pattern merged; ['deny'] when one of them denies. */
  capabilities: string[]
  policies: string[]
}

export interface IdentityAccess extends HolderRef {
  disabled: boolean
  /** Holds the root policy: everything everywhere. */
  root: boolean
  policies: string[]
  via: Record<string, string[]>
  /** Policies it is given that do not exist (they grant nothing). */
  missing_policies: string[]
  grants: RuleGrant[]
  paths: PathGrant[]
}

export interface WhatCanAnswer {
  identity: string
  type?: string
  matches: IdentityAccess[]
}

function capabilityNames(rule: PathRule): string[] {
  return CAPABILITY_ORDER.filter((cap) => rule.capabilities.has(cap as never))
}

/** Whether the holder is the one named: by ID, name, or `<mount>/<name>`; `type` narrows it (approle, entity...). */
function named(holder: Holder, identity: string, type: string | undefined): boolean {
  if (type !== undefined) {
    const t = type.toLowerCase()
    // `approle` names a method's holders, `access_key` a kind; `token` means tokens only, not token roles.
    const prefix = t !== 'token' && holder.type.startsWith(`${t}_`)
    if (holder.type !== t && !prefix && !holder.type.endsWith(`_${t}`)) return false
  }
  if (holder.id === identity) return true
  const lower = identity.toLowerCase().replace(/^\/+/, '')
  if (holder.name.toLowerCase() === lower) return true
  if (holder.mount === undefined) return false
  const full = `${holder.mount}${holder.name}`.toLowerCase()
  return full === lower || full.replace(/^auth\//, '') === lower
}

/** A token found by its accessor, as a holder of its effective policies (its entity's and groups' included). */
async function tokenHolder(services: WhatCanServices, accessor: string): Promise<Holder | undefined> {
  const entry = await services.tokens.lookupByAccessor(accessor)
  if (!entry) return undefined
  const effective = await effectivePolicies(services.identity, entry)
  const holder: Holder = {
    type: 'token',
    name: entry.displayName,
    id: entry.accessor,
    policies: effective?.names ?? entry.policies,
    via: {},
  }
  for (const policy of effective?.identityPolicies ?? [])
    if (!entry.policies.includes(policy)) holder.via[policy] = [`entity/${entry.entityId}`]
  if (effective?.identity) holder.identity = effective.identity
  if (!effective) holder.disabled = true
  return holder
}

/** The rules of every policy the holder holds, and the same merged per path. */
export async function accessOf(services: AccessServices, holder: Holder): Promise<IdentityAccess> {
  const policies = await services.policies.policiesFor(holder.policies, holder.identity)
  const found = new Set(policies.map((p) => p.name))
  const grants: RuleGrant[] = []
  const merged = new Map<string, { caps: Set<string>; policies: Set<string> }>()
  for (const policy of policies) {
    if (policy.name === ROOT_POLICY_NAME) continue
    for (const rule of policy.rules) {
      const capabilities = capabilityNames(rule)
      const grant: RuleGrant = {
        policy: policy.name,
        pattern: writtenPattern(rule),
        capabilities,
        rule: ruleText(rule),
      }
      if (rule.written !== undefined) grant.resolved_pattern = rule.pattern
      grants.push(grant)
      const at = merged.get(rule.pattern) ?? { caps: new Set<string>(), policies: new Set<string>() }
      for (const cap of capabilities) at.caps.add(cap)
      at.policies.add(policy.name)
      merged.set(rule.pattern, at)
    }
  }
  const paths = [...merged]
    .map(([pattern, at]) => ({
      pattern,
      capabilities: at.caps.has('deny') ? ['deny'] : CAPABILITY_ORDER.filter((cap) => at.caps.has(cap)),
      policies: [...at.policies].sort(),
    }))
    .sort((a, b) => a.pattern.localeCompare(b.pattern))
  return {
    ...holderRef(holder),
    disabled: holder.disabled === true,
    root: holder.policies.includes(ROOT_POLICY_NAME),
    policies: holder.policies,
    via: holder.via,
    missing_policies: holder.policies.filter((name) => !found.has(name)),
    grants,
    paths,
  }
}

/** Every holder the identity names (an ID, a name, a token accessor), with what it can do. */
export async function whatCan(
  services: WhatCanServices,
  identity: string,
  type?: string,
): Promise<WhatCanAnswer> {
  const holders = (await collectHolders(services)).filter((holder) => named(holder, identity, type))
  if (type === undefined || type.toLowerCase() === 'token') {
    const token = await tokenHolder(services, identity)
    if (token) holders.push(token)
  }
  const matches: IdentityAccess[] = []
  for (const holder of holders) matches.push(await accessOf(services, holder))
  return { identity, ...(type === undefined ? {} : { type }), matches }
}
