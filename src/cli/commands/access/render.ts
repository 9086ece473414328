// Table renderings of the sys/access answers: who-can by capability, what-can by path, unused grants, a review.
import { renderColumns, renderKeyValueTable } from '../../format.ts'

type Json = Record<string, unknown>

interface Holder {
  type: string
  name: string
  mount?: string
  id?: string
}

interface Grant {
  policy: string
  pattern: string
  holders: Holder[]
  overridden: { holder: Holder; by: { pattern: string; policies: string[] } }[]
}

/** `approle_role auth/approle/web`, `entity alice`: how a holder reads in a table. */
export function holderLabel(holder: Holder): string {
  return `${holder.type} ${holder.mount ?? ''}${holder.name}`
}

const array = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : [])

export function renderWhoCan(data: Json): string {
  const capabilities = (data['capabilities'] ?? {}) as Record<string, Grant[]>
  const rows: string[][] = []
  const overridden: string[] = []
  for (const [capability, grants] of Object.entries(capabilities)) {
    for (const grant of grants) {
      rows.push([
        capability,
        grant.policy,
        grant.pattern,
        grant.holders.length === 0 ? '(no holder)' : grant.holders.map(holderLabel).join(', '),
      ])
      for (const o of array<Grant['overridden'][number]>(grant.overridden))
        overridden.push(
          `  ${capability} of ${grant.policy} (${grant.pattern}) for ${holderLabel(o.holder)}: ` +
            `${o.by.pattern} in ${o.by.policies.join(', ')} governs instead`,
        )
    }
  }
  const head = `Path: ${String(data['path'])}`
  if (rows.length === 0) return `${head}\nNo policy grants anything on this path.`
  const table = renderColumns(['Capability', 'Policy', 'Rule path', 'Holders'], rows)
  const notes = overridden.length > 0 ? `\n\nOverridden for some holders:\n${overridden.join('\n')}` : ''
  return `${head}\n\n${table}${notes}`
}

export function renderWhatCan(data: Json): string {
  const matches = array<Json>(data['matches'])
  if (matches.length === 0) return `No identity matches ${JSON.stringify(data['identity'])}.`
  const blocks = matches.map((match) => {
    const label = holderLabel(match as unknown as Holder) + (match['id'] ? ` (${String(match['id'])})` : '')
    const lines = [`${label}${match['disabled'] ? ' [disabled]' : ''}`]
    lines.push(`Policies: ${array<string>(match['policies']).join(', ') || '(none)'}`)
    const missing = array<string>(match['missing_policies'])
    if (missing.length > 0) lines.push(`Missing policies (grant nothing): ${missing.join(', ')}`)
    if (match['root']) lines.push('Holds the root policy: every capability on every path.')
    const paths = array<{ pattern: string; capabilities: string[]; policies: string[] }>(match['paths'])
    if (paths.length > 0)
      lines.push(
        '',
        renderColumns(
          ['Path', 'Capabilities', 'Policies'],
          paths.map((p) => [p.pattern, p.capabilities.join(', '), p.policies.join(', ')]),
        ),
      )
    return lines.join('\n')
  })
  return blocks.join('\n\n')
}

export function renderUnused(data: Json): string {
  const unused = array<{ policy: string; pattern: string; capability: string }>(data['unused'])
  const files = array<string>(data['files'])
  const head =
    `Scanned ${String(data['scanned'])} entries (${String(data['lines'])} lines) in ${files.length} audit file(s) ` +
    `since ${String(data['since'])}: ${unused.length} of ${String(data['grants'])} grants unused.`
  if (files.length === 0) return `${head}\nNo file audit device is enabled: every grant counts as unused.`
  if (unused.length === 0) return head
  return `${head}\n\n${renderColumns(
    ['Policy', 'Rule path', 'Capability'],
    unused.map((g) => [g.policy, g.pattern, g.capability]),
  )}`
}

export function renderReview(data: Json): string {
  const scope = (data['scope'] ?? {}) as { paths?: string[]; policies?: string[] }
  const table = renderKeyValueTable([
    ['id', data['id']],
    ['name', data['name']],
    ['status', data['status']],
    ['reviewer', data['reviewer']],
    ['started_at', data['started_at']],
    ['closed_at', data['closed_at'] ?? 'n/a'],
    ['scope paths', (scope.paths ?? []).join(', ') || 'n/a'],
    ['scope policies', (scope.policies ?? []).join(', ') || 'n/a'],
  ])
  const decisions = array<Record<string, string>>(data['decisions'])
  if (decisions.length === 0) return `${table}\n\nNo decisions yet.`
  return `${table}\n\n${renderColumns(
    ['Subject', 'Grant', 'Decision', 'Note', 'Decided by', 'Decided at'],
    decisions.map((d) => [
      d['subject'] ?? '',
      d['grant'] ?? '',
      d['decision'] ?? '',
      d['note'] ?? '',
      d['decided_by'] ?? '',
      d['decided_at'] ?? '',
    ]),
  )}`
}
