// JSON report: every finding without the secret itself (masked value and fingerprint only).
import type { Finding } from '../types.ts'

function publicFinding(f: Finding): Record<string, unknown> {
  const { secret: _secret, ...rest } = f
  return rest
}

export function renderJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ findings: findings.map(publicFinding), count: findings.length }, null, 2)}\n`
}
