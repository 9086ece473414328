// One policy rule shown back as policy text, so a reviewer reads the grant as it would be written.
import type { PathRule } from '../../policy/policy.ts'

/** The capabilities access review reports, in the order answers list them. */
export const REVIEW_CAPABILITIES = [
  'create',
  'read',
  'update',
  'delete',
  'list',
  'sudo',
  'patch',
  'deny',
] as const
export type ReviewCapability = (typeof REVIEW_CAPABILITIES)[number]

/** The pattern as the policy wrote it (templates unfilled). */
export function writtenPattern(rule: PathRule): string {
  return (rule.written ?? rule.pattern).replace(/^\/+/, '')
}

function list(values: readonly unknown[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(', ')}]`
}

function parameters(name: string, record: Record<string, unknown[]> | undefined): string[] {
  if (!record || Object.keys(record).length === 0) return []
  const lines = Object.entries(record).map(([key, values]) => `    ${JSON.stringify(key)} = ${list(values)}`)
  return [`  ${name} = {`, ...lines, '  }']
}

/** `path "<pattern>" { capabilities = [...] ... }` in the order the policy language documents its keys. */
export function ruleText(rule: PathRule): string {
  const order: string[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe']
  const caps = order.filter((cap) => rule.capabilities.has(cap as never))
  const body = [`  capabilities = ${list(caps)}`]
  body.push(...parameters('allowed_parameters', rule.allowedParameters))
  body.push(...parameters('denied_parameters', rule.deniedParameters))
  if (rule.requiredParameters?.length) body.push(`  required_parameters = ${list(rule.requiredParameters)}`)
  if (rule.minWrappingTtl) body.push(`  min_wrapping_ttl = "${rule.minWrappingTtl}s"`)
  if (rule.maxWrappingTtl) body.push(`  max_wrapping_ttl = "${rule.maxWrappingTtl}s"`)
  return `path ${JSON.stringify(writtenPattern(rule))} {\n${body.join('\n')}\n}`
}
