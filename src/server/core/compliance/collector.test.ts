// The compliance report built in process: inventory without values, max-age and policy rotation, leak incidents, audit scan, providers.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runPipeline } from '../handle-request.ts'
import { request, type TestCore, unsealedCore } from '../pipeline/test-helpers.ts'
import { type ComplianceServices, collectComplianceReport } from './collector.ts'
import type { AccessReview, Anomaly, ComplianceProviders } from './providers.ts'
import type { ComplianceReport } from './report.ts'

const DAY = 86_400
const VALUE = 'Pw-3f9c1e7a-report-fixture'

class StepClock {
  at = Date.UTC(2026, 0, 1, 12)
  now() {
    return this.at
  }
  advance(seconds: number) {
    this.at += seconds * 1000
  }
}

const review = (over: Partial<AccessReview>): AccessReview => ({
  id: 'r1',
  name: 'Quarterly prod access',
  status: 'closed',
  scope: { paths: ['secret/'], policies: [] },
  reviewer: 'alice',
  started_at: '2026-04-01T00:00:00Z',
  closed_at: '2026-04-02T00:00:00Z',
  decisions: [
    {
      subject: 'bob',
      grant: 'policy:prod-read',
      decision: 'revoke',
      note: '',
      decided_by: 'alice',
      decided_at: '2026-04-02T00:00:00Z',
    },
  ],
  evidence: {},
  ...over,
})

const anomaly = (over: Partial<Anomaly>): Anomaly => ({
  id: 'a1',
  type: 'unusual_hour',
  score: 0.9,
  explanation: 'read at 03:00',
  time: '2026-04-10T03:00:00Z',
  identity: { entity_id: 'e1', display_name: 'token-ci', auth_method: 'token' },
  path: 'secret/data/app/db',
  remote_address: '10.0.0.9',
  acknowledged: false,
  acknowledged_by: null,
  acknowledged_at: null,
  note: null,
  ...over,
})

describe('compliance report collector', () => {
  let t: TestCore
  const clock = new StepClock()
  const dir = mkdtempSync(join(tmpdir(), 'coffer-compliance-'))
  const call = (op: Parameters<typeof request>[0], path: string, data?: Record<string, unknown>) =>
    runPipeline(t.services, request(op, path, t.rootToken, data))
  const report = (providers?: ComplianceProviders, maxAge = 90 * DAY): Promise<ComplianceReport> => {
    const services: ComplianceServices = {
      ...t.services,
      barrier: t.core.barrier,
      ...(providers ? { compliance: providers } : {}),
    }
    return collectComplianceReport(services, {
      windowSeconds: 120 * DAY,
      maxAgeSeconds: maxAge,
      version: 'test',
    })
  }

  before(async () => {
    t = await unsealedCore({ clock })
    await call('update', 'sys/audit/file', { type: 'file', options: { file_path: join(dir, 'audit.log') } })
    await t.services.mounts.mount('secret', { path: 'sm/', type: 'secretsmanager', options: {} })
    await t.services.mounts.mount('secret', { path: 'transit/', type: 'transit', options: {} })
    await call('update', 'secret/data/app/db', { data: { password: VALUE } })
    await call('update', 'secret/metadata/app/db', { custom_metadata: { owner: 'team-a' } })
    await call('update', 'sm/secrets/billing', { secret_string: 'sm-value-not-in-report' })
    await call('update', 'transit/keys/orders', { auto_rotate_period: '720h' })
    clock.advance(100 * DAY)
    await call('update', 'secret/data/app/fresh', { data: { token: 'fresh-value-not-in-report' } })
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists every secret with dates and metadata keys, never a value', async () => {
    const r = await report()
    const paths = r.sections.inventory.items.map((i) => i.path)
    for (const path of [
      'secret/data/app/db',
      'secret/data/app/fresh',
      'sm/secrets/billing',
      'transit/keys/orders',
    ])
      assert.ok(paths.includes(path), path)
    const db = r.sections.inventory.items.find((i) => i.path === 'secret/data/app/db')!
    assert.deepEqual(db.metadata_keys, ['owner'])
    assert.equal(db.created, '2026-01-01T12:00:00.000000000Z')
    const sm = r.sections.inventory.items.find((i) => i.path === 'sm/secrets/billing')!
    assert.match(String(sm.details['arn']), /^arn:aws:secretsmanager:us-east-1:000000000000:secret:billing-/)
    const text = JSON.stringify(r)
    for (const value of [VALUE, 'sm-value-not-in-report', 'fresh-value-not-in-report', 'team-a'])
      assert.ok(!text.includes(value), `the report holds ${value}`)
  })

  it('holds secrets without a policy to the maximum age, and transit keys to their auto-rotation period', async () => {
    const r = await report()
    const by = (path: string) => r.sections.rotation.secrets.find((s) => s.path === path)!
    assert.equal(by('secret/data/app/db').basis, 'max_age')
    assert.equal(by('secret/data/app/db').compliant, false)
    assert.match(by('secret/data/app/db').reason, /older than the maximum age: 100d/)
    assert.equal(by('secret/data/app/fresh').compliant, true)
    const key = by('transit/keys/orders')
    assert.equal(key.basis, 'policy')
    assert.equal(key.period_seconds, 30 * DAY)
    assert.equal(key.compliant, false, 'a 30-day key unrotated for 100 days is overdue')
    // With a generous max age only the transit key is out of line.
    const lenient = await report(undefined, 365 * DAY)
    assert.deepEqual(
      lenient.sections.rotation.secrets.filter((s) => !s.compliant).map((s) => s.path),
      ['transit/keys/orders'],
    )
    const bars = r.sections.rotation.age_histogram
    assert.equal(
      bars.reduce((n, b) => n + b.count, 0),
      r.sections.rotation.secrets.length,
    )
    const failing = r.summary.checks.find((c) => c.section === 'rotation' && c.status === 'fail')
    assert.ok(failing)
  })

  it('records a leak as an incident, open until the secret changes', async () => {
    const digest = createHash('sha256').update(VALUE).digest('hex')
    const found = await call('update', 'sys/leak/fingerprints', { digests: [digest] })
    assert.equal((found?.data?.['matches'] as unknown[] | undefined)?.length, 1)
    let r = await report()
    assert.equal(r.sections.leak_incidents.total, 1)
    assert.equal(r.sections.leak_incidents.incidents[0]!.matches[0]!.response, 'open')
    assert.equal(r.sections.leak_incidents.open, 1)
    clock.advance(60)
    await call('update', 'secret/data/app/db', { data: { password: 'rotated-after-leak' } })
    r = await report()
    const match = r.sections.leak_incidents.incidents[0]!.matches[0]!
    assert.equal(match.response, 'rotated')
    assert.equal(r.sections.leak_incidents.open, 0)
    assert.ok(!JSON.stringify(r).includes(digest), 'the digest the caller sent is not kept')
  })

  it('reads root-token use and daily activity from the file audit log', async () => {
    await call('read', 'sys/mounts')
    const r = await report()
    const root = r.sections.root_token_use
    assert.ok(root.audit, root.audit_unavailable_reason)
    assert.ok(root.audit.root_token_requests > 0)
    assert.equal(root.audit.recent_root_requests.at(-1)?.path, 'sys/mounts')
    assert.equal(root.active_root_tokens.length, 1)
    const activity = r.sections.access_activity
    assert.ok(activity.available)
    assert.equal(activity.requests_by_day.length, 121)
    assert.equal(
      activity.requests_by_day.reduce((n, b) => n + b.count, 0),
      activity.requests,
    )
  })

  it('reports reviews and anomalies as unavailable without providers, and from them when registered', async () => {
    let r = await report()
    assert.deepEqual(r.sections.access_reviews, {
      available: false,
      reason: 'access reviews are not kept by this server',
    })
    assert.equal(r.sections.anomalies.available, false)
    assert.equal(r.summary.unavailable, 2)
    r = await report({
      reviews: { list: async () => [review({}), review({ id: 'r2', status: 'open', closed_at: null })] },
      anomalies: {
        list: async () => [
          anomaly({}),
          anomaly({ id: 'a2', type: 'new_source', acknowledged: true, acknowledged_by: 'ops' }),
          anomaly({ id: 'old', time: '2025-01-01T00:00:00Z' }),
        ],
      },
    })
    const reviews = r.sections.access_reviews
    assert.ok(reviews.available)
    assert.equal(reviews.open, 1)
    assert.equal(reviews.closed_in_window, 1)
    assert.deepEqual(reviews.decisions, [{ label: 'revoke', count: 2 }])
    assert.equal(reviews.last_closed_at, '2026-04-02T00:00:00Z')
    assert.equal(r.summary.checks.find((c) => c.section === 'access_reviews')?.status, 'pass')
    const stale = await report({
      reviews: { list: async () => [review({ closed_at: '2025-06-01T00:00:00Z' })] },
    })
    assert.equal(
      stale.summary.checks.find((c) => c.section === 'access_reviews')?.status,
      'fail',
      'the last review closed more than six months ago',
    )
    const anomalies = r.sections.anomalies
    assert.ok(anomalies.available)
    assert.equal(anomalies.total, 2, 'an anomaly before the window is left out')
    assert.equal(anomalies.unacknowledged, 1)
    assert.equal(r.summary.unavailable, 0)
    assert.equal(r.summary.checks.find((c) => c.section === 'anomalies')?.status, 'fail')
  })
})
