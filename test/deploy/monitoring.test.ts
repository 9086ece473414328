// The monitoring examples (deploy/monitoring/) parse, and every metric they name is one a running server exposes.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { familyNames, parsePrometheusText } from '../helpers/prometheus-text.ts'
import { runPython } from '../helpers/python.ts'
import { describeUnless, PYYAML, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'monitoring')

// biome-ignore lint/suspicious/noExplicitAny: YAML and dashboard documents, checked field by field
type Doc = Record<string, any>

async function yamlFile(name: string): Promise<Doc> {
  const script = 'import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))'
  const result = await runPython(['-c', script, join(DIR, name)], process.env)
  assert.equal(result.code, 0, `${name} does not parse as YAML:\n${result.stderr}`)
  return JSON.parse(result.stdout) as Doc
}

/** Metric names in a PromQL expression: Coffer's are all vault_* or coffer_*. */
function metricsIn(expr: string): string[] {
  return expr.match(/\b(?:vault|coffer)_[a-z0-9_]+\b/g) ?? []
}

describeUnless(await unmet(PYYAML), 'monitoring examples', () => {
  let t: TestServer
  let exposed: Set<string>
  let accessLabels: Set<string>
  before(async () => {
    t = await startDevServer({ storage: 'inmem' })
    // Some traffic of every kind the rules watch: writes, reads, a login, a token.
    await t.call('POST', 'secret/data/app/db', { body: { data: { password: 'p' } } })
    for (let i = 0; i < 3; i++) await t.call('GET', 'secret/data/app/db')
    await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await t.call('POST', 'auth/userpass/users/ann', { body: { password: 'pw-ann' } })
    await t.call('POST', 'auth/userpass/login/ann', { body: { password: 'pw-ann' }, token: '' })
    await t.call('POST', 'auth/token/create', { body: {} })
    const res = await fetch(`${t.address}/v1/sys/metrics?format=prometheus`, {
      headers: { 'x-vault-token': t.rootToken },
    })
    assert.equal(res.status, 200)
    const { samples, types } = parsePrometheusText(await res.text())
    exposed = familyNames(types, samples)
    accessLabels = new Set(
      samples.filter((s) => s.name === 'vault_secret_access_count').flatMap((s) => Object.keys(s.labels)),
    )
  })
  after(async () => {
    await t?.close()
  })

  it('alert rules: the expected alerts, each with an expression over exposed metrics and a severity', async () => {
    const doc = await yamlFile('prometheus-alerts.yaml')
    const rules: Doc[] = doc.groups.flatMap((group: Doc) => group.rules)
    const names = rules.map((rule) => rule.alert)
    for (const expected of [
      'VaultSealed',
      'VaultAuditLogFailures',
      'VaultSecretAccessAnomaly',
      'CofferRotationFailures',
      'CofferAccessAnomaly',
    ])
      assert.ok(names.includes(expected), `missing alert ${expected}`)
    for (const rule of rules) {
      assert.equal(typeof rule.expr, 'string', rule.alert)
      assert.ok(
        ['critical', 'warning', 'info'].includes(rule.labels?.severity),
        `${rule.alert} has a severity`,
      )
      const metrics = metricsIn(rule.expr)
      assert.ok(metrics.length > 0, `${rule.alert} names a metric`)
      for (const metric of metrics) assert.ok(exposed.has(metric), `${rule.alert}: ${metric} is not exposed`)
    }
    const anomaly = rules.find((rule) => rule.alert === 'VaultSecretAccessAnomaly')!
    assert.match(anomaly.expr, /rate\(vault_secret_access_count/)
    assert.ok(accessLabels.has('path'), 'vault_secret_access_count carries the path label the rule groups by')
  })

  it('the Grafana dashboard: every panel queries exposed metrics', () => {
    const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as Doc
    assert.equal(typeof dashboard.uid, 'string')
    const exprs: string[] = dashboard.panels.flatMap((panel: Doc) =>
      panel.targets.map((target: Doc) => target.expr),
    )
    assert.ok(exprs.length >= 10)
    for (const expr of exprs) {
      const metrics = metricsIn(expr)
      assert.ok(metrics.length > 0, `${expr} names a metric`)
      for (const metric of metrics) assert.ok(exposed.has(metric), `dashboard: ${metric} is not exposed`)
    }
  })

  it('the scrape job asks sys/metrics for Prometheus text', async () => {
    const doc = await yamlFile('prometheus-scrape.yaml')
    const [job] = doc.scrape_configs
    assert.equal(job.metrics_path, '/v1/sys/metrics')
    assert.deepEqual(job.params, { format: ['prometheus'] })
  })
})
