// Human-readable report: one block per finding, the secret masked.
import type { Finding } from '../types.ts'

export function renderText(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No secrets found.\n'
  const blocks = findings.map((f) => {
    const lines = [
      `${f.path}:${f.line}:${f.column}  ${f.ruleId}  ${f.description}`,
      `    secret: ${f.masked}`,
    ]
    if (f.commit) lines.push(`    commit: ${f.commit.slice(0, 12)}  ${f.author} <${f.email}>  ${f.date}`)
    return lines.join('\n')
  })
  return `${blocks.join('\n\n')}\n\n${findings.length} secret${findings.length === 1 ? '' : 's'} found.\n`
}
