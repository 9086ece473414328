// who-can: for one path, every capability granted there, the policy rule granting it and who holds that rule.
import type { Acl, GoverningRule, RuleSource } from '../../policy/acl.ts'
import { Acl as CompiledAcl } from '../../policy/acl.ts'
import { ROOT_POLICY_NAME } from '../../policy/builtin-policies.ts'
import type { PathRule } from '../../policy/policy.ts'
import type { UnsealedServices } from '../services.ts'
import {
  collectHolders,
  compareHolders,
  type Holder,
  type HolderRef,
  type HolderServices,
  holderRef,
  sortHolders,
} from './holders.ts'
import { REVIEW_CAPABILITIES, type ReviewCapability, ruleText, writtenPattern } from './rule-text.ts'

/** The services the analysis reads: holders, and the policy store for the rules. */
export type AccessServices = HolderServices & Pick<UnsealedServices, 'policies'>

/** What stood in the way for a holder of the policy: the rule that governs the path for it instead. */
export interface Override {
  holder: HolderRef
  by: { pattern: string; policies: string[]; capabilities: string[] }
}

export interface GrantEntry {
  policy: string
  /** The rule's path as written in the policy. */
  pattern: string
  /** The rule as policy text. */
  rule: string
  /** Who this rule grants the capability to, after every policy they hold is merged (real authorisation). */
  holders: HolderRef[]
  /** Holders of the policy for whom another rule governs the path (a more specific pattern, a deny). */
  overridden: Override[]
}

export interface WhoCanAnswer {
  path: string
  capabilities: Record<ReviewCapability, GrantEntry[]>
}

const ROOT_RULE = 'the root policy: every capability on every path'

/** One capability an ACL grants (or, for deny, refuses) at a path, and the policy rule behind it. */
export interface Attributed {
  capability: ReviewCapability
  policy: string
  rule: PathRule | undefined
}

/** The rules the ACL decides `path` by, per lookup: a list looks the path up as a list does. */
export function governing(acl: Acl, path: string): { other?: GoverningRule; list?: GoverningRule } {
  return { other: acl.governingRule(path, false), list: acl.governingRule(path, true) }
}

function sourceGrants(gov: GoverningRule, caps: readonly ReviewCapability[]): Attributed[] {
  const out: Attributed[] = []
  const has = (source: RuleSource, cap: string) => source.rule.capabilities.has(cap as never)
  for (const source of gov.sources) {
    if (gov.denied) {
      if (has(source, 'deny')) out.push({ capability: 'deny', policy: source.policy, rule: source.rule })
      continue
    }
    for (const cap of caps)
      if (has(source, cap)) out.push({ capability: cap, policy: source.policy, rule: source.rule })
  }
  return out
}

const NOT_LIST = REVIEW_CAPABILITIES.filter((cap) => cap !== 'list' && cap !== 'deny')

/**
 * What the ACL grants at `path`, capability by capability, with the rule each comes from: the rule authorisation
 * would pick (most specific wins, a deny merged into it wins over everything). A root ACL grants all through root.
 */
export function attribute(acl: Acl, path: string): Attributed[] {
  if (acl.isRoot)
    return REVIEW_CAPABILITIES.filter((cap) => cap !== 'deny').map((capability) => ({
      capability,
      policy: ROOT_POLICY_NAME,
      rule: undefined,
    }))
  const { other, list } = governing(acl, path)
  const out: Attributed[] = []
  const seen = new Set<string>()
  const add = (items: Attributed[]) => {
    for (const item of items) {
      const key = `${item.capability}\0${item.policy}\0${item.rule ? writtenPattern(item.rule) : ''}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push(item)
    }
  }
  if (other) add(sourceGrants(other, NOT_LIST))
  if (list) add(sourceGrants(list, ['list']))
  return out
}

export function normalizeAccessPath(path: string): string {
  return path.trim().replace(/^\/+/, '')
}

function entryKey(item: Attributed): string {
  return `${item.capability}\0${item.policy}\0${item.rule ? writtenPattern(item.rule) : ''}`
}

function newEntry(item: Attributed): GrantEntry {
  return {
    policy: item.policy,
    pattern: item.rule ? writtenPattern(item.rule) : '*',
    rule: item.rule ? ruleText(item.rule) : ROOT_RULE,
    holders: [],
    overridden: [],
  }
}

/** The ACL a holder's tokens get: its policies with its identity's templates filled in. */
export function holderAcl(services: Pick<AccessServices, 'policies'>, holder: Holder): Promise<Acl> {
  return services.policies.acl(holder.policies, holder.identity)
}

/** who-can for `rawPath`, over every stored policy and every holder the server knows of. */
export async function whoCan(services: AccessServices, rawPath: string): Promise<WhoCanAnswer> {
  const path = normalizeAccessPath(rawPath)
  const entries = new Map<string, GrantEntry & { capability: ReviewCapability }>()
  const byPolicy = new Map<string, string[]>()
  // Each policy alone first: a grant nobody holds is still reported, with no holders.
  const names = (await services.policies.list()).filter((name) => name !== ROOT_POLICY_NAME)
  for (const policy of await services.policies.policiesFor(names)) {
    for (const item of attribute(new CompiledAcl([policy]), path)) {
      const key = entryKey(item)
      if (entries.has(key)) continue
      entries.set(key, { ...newEntry(item), capability: item.capability })
      const list = byPolicy.get(item.policy) ?? []
      list.push(key)
      byPolicy.set(item.policy, list)
    }
  }
  for (const holder of await collectHolders(services)) {
    if (holder.disabled) continue
    const acl = await holderAcl(services, holder)
    const granted = new Set<string>()
    for (const item of attribute(acl, path)) {
      const key = entryKey(item)
      let entry = entries.get(key)
      if (!entry) {
        entry = { ...newEntry(item), capability: item.capability }
        entries.set(key, entry)
      }
      entry.holders.push(holderRef(holder))
      granted.add(key)
    }
    if (acl.isRoot) continue
    const gov = governing(acl, path)
    for (const policy of holder.policies) {
      for (const key of byPolicy.get(policy) ?? []) {
        if (granted.has(key)) continue
        const entry = entries.get(key)!
        const rule = entry.capability === 'list' ? gov.list : gov.other
        entry.overridden.push({
          holder: holderRef(holder),
          by: {
            pattern: rule?.pattern ?? '',
            policies: [...new Set(rule?.sources.map((s) => s.policy) ?? [])].sort(),
            capabilities: rule?.capabilities ?? [],
          },
        })
      }
    }
  }
  const capabilities = Object.fromEntries(
    REVIEW_CAPABILITIES.map((cap) => [cap, [] as GrantEntry[]]),
  ) as Record<ReviewCapability, GrantEntry[]>
  for (const { capability, ...entry } of entries.values()) {
    sortHolders(entry.holders)
    entry.overridden.sort((a, b) => compareHolders(a.holder, b.holder))
    capabilities[capability].push(entry)
  }
  for (const list of Object.values(capabilities))
    list.sort((a, b) => a.policy.localeCompare(b.policy) || a.pattern.localeCompare(b.pattern))
  return { path, capabilities }
}
