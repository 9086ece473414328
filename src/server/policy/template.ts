// Identity templating in policy paths: `{{identity.entity.id}}` and friends, resolved per token against its entity.
import type { PathRule, Policy } from './policy.ts'

/** What a template may name: the token's entity, its aliases and the groups it belongs to (directly or not). */
export interface TemplateIdentity {
  entity: {
    id: string
    name: string
    metadata: Record<string, string>
    aliases: {
      mountAccessor: string
      id: string
      name: string
      metadata: Record<string, string>
      customMetadata: Record<string, string>
    }[]
  }
  groups: { id: string; name: string; metadata: Record<string, string> }[]
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g

const templatedPolicies = new WeakMap<Policy, boolean>()

/** True when some path of the policy holds a template (memoised per parsed policy). */
export function hasTemplates(policy: Policy): boolean {
  let known = templatedPolicies.get(policy)
  if (known === undefined) {
    known = policy.rules.some((rule) => rule.pattern.includes('{{'))
    templatedPolicies.set(policy, known)
  }
  return known
}

/** A metadata value by the key after `prefix`, when `rest` starts with it. */
function metadataValue(rest: string, prefix: string, metadata: Record<string, string>): string | undefined {
  if (!rest.startsWith(prefix)) return undefined
  const key = rest.slice(prefix.length)
  return Object.hasOwn(metadata, key) ? metadata[key] : undefined
}

/** A group's `id`, `name` or `metadata.<key>`, as Vault's templates name them whether the group was found by id or name. */
function groupField(group: TemplateIdentity['groups'][number], field: string): string | undefined {
  if (field === 'id') return group.id
  if (field === 'name') return group.name === '' ? undefined : group.name
  return metadataValue(field, 'metadata.', group.metadata)
}

/** The value one template expression names, or undefined when it names nothing this identity has. */
export function templateValue(
  expression: string,
  identity: TemplateIdentity | undefined,
): string | undefined {
  if (!identity) return undefined
  const { entity, groups } = identity
  if (expression === 'identity.entity.id') return entity.id
  if (expression === 'identity.entity.name') return entity.name
  if (expression.startsWith('identity.entity.metadata.'))
    return metadataValue(expression, 'identity.entity.metadata.', entity.metadata)
  if (expression.startsWith('identity.entity.aliases.')) {
    const rest = expression.slice('identity.entity.aliases.'.length)
    const dot = rest.indexOf('.')
    if (dot <= 0) return undefined
    // Mount accessors hold no dots, so the first one ends the accessor.
    const alias = entity.aliases.find((a) => a.mountAccessor === rest.slice(0, dot))
    if (!alias) return undefined
    const field = rest.slice(dot + 1)
    if (field === 'id') return alias.id
    if (field === 'name') return alias.name
    return (
      metadataValue(field, 'metadata.', alias.metadata) ??
      metadataValue(field, 'custom_metadata.', alias.customMetadata)
    )
  }
  if (expression.startsWith('identity.groups.ids.')) {
    const rest = expression.slice('identity.groups.ids.'.length)
    const dot = rest.indexOf('.')
    const group = dot > 0 ? groups.find((g) => g.id === rest.slice(0, dot)) : undefined
    return group && groupField(group, rest.slice(dot + 1))
  }
  if (expression.startsWith('identity.groups.names.')) {
    // Group names may hold dots, so the field is found from the end.
    const rest = expression.slice('identity.groups.names.'.length)
    for (const field of ['.id', '.name']) {
      if (rest.endsWith(field)) {
        const group = groups.find((g) => g.name === rest.slice(0, -field.length))
        if (group) return groupField(group, field.slice(1))
      }
    }
    const at = rest.lastIndexOf('.metadata.')
    if (at <= 0) return undefined
    const group = groups.find((g) => g.name === rest.slice(0, at))
    return group && groupField(group, rest.slice(at + 1))
  }
  return undefined
}

/**
 * A value is only ever a literal part of a path: one that would act as a glob ('*', a '+' segment), climb
 * ('.', '..') or be empty could widen the rule beyond the identity it names, so it makes the rule match nothing.
 */
function safeForPath(value: string): boolean {
  if (value === '' || value.includes('*') || value.includes('{') || value.includes('}')) return false
  return value
    .split('/')
    .every((segment) => segment !== '' && segment !== '+' && segment !== '.' && segment !== '..')
}

/** The path with every template filled in, or undefined when one cannot be (the rule then matches nothing). */
export function resolvePattern(pattern: string, identity: TemplateIdentity | undefined): string | undefined {
  let failed = false
  const out = pattern.replace(TEMPLATE, (_whole, expression: string) => {
    const value = templateValue(expression, identity)
    if (value === undefined || !safeForPath(value)) failed = true
    return value ?? ''
  })
  return failed || out.includes('{{') || out.includes('}}') ? undefined : out
}

/** The policy as it applies to one identity: templated paths filled in, unresolvable ones dropped (as Vault does). */
export function resolvePolicyTemplates(policy: Policy, identity: TemplateIdentity | undefined): Policy {
  if (!hasTemplates(policy)) return policy
  const rules: PathRule[] = []
  for (const rule of policy.rules) {
    if (!rule.pattern.includes('{{')) {
      rules.push(rule)
      continue
    }
    const pattern = resolvePattern(rule.pattern, identity)
    if (pattern !== undefined) rules.push({ ...rule, pattern, written: rule.pattern })
  }
  return { ...policy, rules }
}
