// SARIF 2.1.0 report for GitHub code scanning: one run, the rules that fired, one result per finding.
import type { Finding } from '../types.ts'

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

function buildSarif(
  findings: readonly Finding[],
  version: string,
  describe: (ruleId: string) => string,
): object {
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort()
  const index = new Map(ruleIds.map((id, i) => [id, i]))
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'coffer-scan',
            informationUri: 'https://github.com/coffer/coffer/blob/main/docs/scanner.md',
            version,
            rules: ruleIds.map((id) => ({
              id,
              name: id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: describe(id) },
              fullDescription: { text: `${describe(id)} committed to the repository.` },
              defaultConfiguration: { level: 'error' },
              help: {
                text: 'Revoke the credential, rotate it, and remove it from the repository and its history.',
              },
              properties: { tags: ['security', 'secret'], 'security-severity': '9.0' },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId),
          level: 'error',
          message: {
            text: `${f.description || describe(f.ruleId)}: ${f.masked}${f.commit ? ` (introduced in ${f.commit.slice(0, 12)} by ${f.author} on ${f.date})` : ''}`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.path === '-' ? 'stdin' : f.path) },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
          partialFingerprints: { 'cofferSecret/v1': f.fingerprint },
          ...(f.commit ? { properties: { commit: f.commit, author: f.author, date: f.date } } : {}),
        })),
      },
    ],
  }
}

export function renderSarif(
  findings: readonly Finding[],
  version: string,
  describe: (id: string) => string,
): string {
  return `${JSON.stringify(buildSarif(findings, version, describe), null, 2)}\n`
}
