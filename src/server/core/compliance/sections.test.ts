// The report's sections as pure functions: rotation standing, the age histogram, leases by role, audit entries folded in.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addEntry, emptyFindings } from './audit-scan.ts'
import { ageHistogram, type MountedItem, rotationEntry, WINDOW_GRACE_SECONDS } from './inventory-section.ts'
import { leakSection } from './leak-section.ts'
import { leaseSection, mountOf } from './lease-section.ts'

const DAY = 86_400
const NOW = Date.UTC(2026, 5, 1)
const ago = (days: number) => NOW - days * DAY * 1000

const item = (over: Partial<MountedItem>): MountedItem => ({
  kind: 'secretsmanager',
  path: 'sm/secrets/x',
  name: 'x',
  mount: 'sm/',
  created: ago(200),
  updated: ago(200),
  ...over,
})

describe('rotation standing', () => {
  it('a secret with a policy is held to its period (plus the rotation window), not to the max age', () => {
    const within = rotationEntry(
      item({
        rotation: { policy: 'every 30 days', periodSeconds: 30 * DAY, enabled: true, lastRotated: ago(20) },
      }),
      NOW,
      10 * DAY,
    )
    assert.equal(within.basis, 'policy')
    assert.equal(within.compliant, true)
    assert.equal(within.age_seconds, 20 * DAY)
    const edge = rotationEntry(
      item({
        rotation: {
          policy: 'every 30 days',
          periodSeconds: 30 * DAY,
          enabled: true,
          lastRotated: NOW - (30 * DAY + WINDOW_GRACE_SECONDS) * 1000,
        },
      }),
      NOW,
      90 * DAY,
    )
    assert.equal(edge.compliant, true, 'a rotation may start anywhere in its window')
    const overdue = rotationEntry(
      item({
        rotation: { policy: 'every 30 days', periodSeconds: 30 * DAY, enabled: true, lastRotated: ago(45) },
      }),
      NOW,
      90 * DAY,
    )
    assert.equal(overdue.compliant, false)
    assert.match(overdue.reason, /^overdue: 45d/)
  })

  it('a failing rotation is non-compliant even when the secret is young', () => {
    const entry = rotationEntry(
      item({
        rotation: {
          policy: 'rate(10 days)',
          periodSeconds: 10 * DAY,
          enabled: true,
          lastRotated: ago(2),
          failures: 3,
          lastFailure: { time: ago(1), message: 'connection refused' },
        },
      }),
      NOW,
      90 * DAY,
    )
    assert.equal(entry.compliant, false)
    assert.equal(entry.last_failure?.message, 'connection refused')
    assert.match(entry.reason, /failing \(3 failed attempts\)/)
  })

  it('a disabled or unscheduled rotation, or none, falls back to the max age from the last change', () => {
    const disabled = rotationEntry(
      item({ rotation: { policy: 'every 30 days', periodSeconds: 30 * DAY, enabled: false } }),
      NOW,
      90 * DAY,
    )
    assert.equal(disabled.basis, 'max_age')
    assert.match(disabled.policy, /\(disabled\); max age 90d/)
    assert.equal(disabled.compliant, false)
    const young = rotationEntry(item({ kind: 'ssm', updated: ago(3) }), NOW, 90 * DAY)
    assert.deepEqual([young.basis, young.compliant, young.period_seconds], ['max_age', true, 90 * DAY])
  })

  it('KV v1 keeps no dates: its age cannot be shown, so it is not compliant', () => {
    const { created: _c, updated: _u, ...bare } = item({ kind: 'kv' })
    const entry = rotationEntry(bare, NOW, 90 * DAY)
    assert.equal(entry.age_seconds, null)
    assert.equal(entry.compliant, false)
  })

  it('dynamic roles are compliant and left out of ages', () => {
    const entry = rotationEntry(item({ kind: 'database-role', dynamic: true }), NOW, 90 * DAY)
    assert.deepEqual([entry.basis, entry.compliant, entry.age_seconds], ['none', true, null])
  })

  it('the age histogram puts each age in one bar, unknown ages in their own', () => {
    const bars = ageHistogram([0, 7 * DAY, 7 * DAY + 1, 400 * DAY, null])
    assert.deepEqual(
      bars.map((b) => b.count),
      [2, 1, 0, 0, 0, 1, 1],
    )
    assert.equal(bars.at(-1)?.label, 'unknown')
    assert.equal(ageHistogram([1]).length, 6)
  })
})

describe('dynamic credentials', () => {
  it('counts live leases per role and, from the audit log, those issued in the window and ended since', () => {
    const live = [
      { leaseId: 'db/creds/ro/a', issueTime: ago(1) },
      { leaseId: 'db/creds/ro/b', issueTime: ago(40) },
      { leaseId: 'aws/creds/deploy/c', issueTime: ago(2) },
    ]
    const issued = new Map([['db/creds/ro', new Set(['db/creds/ro/a', 'db/creds/ro/x', 'db/creds/ro/y'])]])
    const section = leaseSection(live, ['db/', 'aws/', 'd/'], ago(30), issued)
    assert.equal(section.window_source, 'audit_log')
    assert.deepEqual(section.roles, [
      { mount: 'aws/', role: 'aws/creds/deploy', active: 1, issued_in_window: 1, revoked_in_window: 0 },
      { mount: 'db/', role: 'db/creds/ro', active: 2, issued_in_window: 3, revoked_in_window: 2 },
    ])
    assert.deepEqual(section.totals, { active: 3, issued_in_window: 4, revoked_in_window: 2 })
    const liveOnly = leaseSection(live, ['db/'], ago(30), undefined)
    assert.equal(liveOnly.window_source, 'live_leases')
    assert.equal(liveOnly.totals.revoked_in_window, null)
    assert.equal(mountOf('a/b/c/', ['a/', 'a/b/']), 'a/b/')
  })
})

describe('audit entries', () => {
  const since = ago(30)
  const at = (days: number) => new Date(ago(days)).toISOString()

  it('counts requests and denials per day, and root-token requests', () => {
    const f = emptyFindings()
    addEntry(
      f,
      {
        type: 'request',
        time: at(1),
        auth: { policies: ['root'] },
        request: { path: 'sys/mounts', operation: 'read' },
      },
      since,
      NOW,
    )
    addEntry(
      f,
      {
        type: 'request',
        time: at(1),
        auth: { policies: ['default'] },
        request: { path: 'secret/data/x' },
        error: 'permission denied',
      },
      since,
      NOW,
    )
    addEntry(
      f,
      { type: 'request', time: at(60), auth: { policies: ['root'] }, request: { path: 'old' } },
      since,
      NOW,
    )
    addEntry(f, { type: 'checkpoint', time: at(1) }, since, NOW)
    assert.equal(f.requests, 2)
    assert.equal(f.denied, 1)
    assert.equal(f.rootRequests, 1)
    assert.equal(f.recentRootRequests[0]?.path, 'sys/mounts')
    assert.equal(f.requestsByDay.get(at(1).slice(0, 10)), 2)
  })

  it('finds root generation, tokens minted with the root policy, and leases issued', () => {
    const f = emptyFindings()
    addEntry(
      f,
      {
        type: 'response',
        time: at(2),
        request: { path: 'sys/generate-root/update', remote_address: '10.1.1.1' },
        response: { data: { complete: true } },
      },
      since,
      NOW,
    )
    addEntry(
      f,
      {
        type: 'response',
        time: at(2),
        request: { path: 'sys/generate-root/update' },
        response: { data: { complete: false } },
      },
      since,
      NOW,
    )
    addEntry(
      f,
      {
        type: 'response',
        time: at(2),
        auth: { display_name: 'root' },
        request: { path: 'auth/token/create' },
        response: { auth: { policies: ['root'] } },
      },
      since,
      NOW,
    )
    addEntry(
      f,
      {
        type: 'response',
        time: at(2),
        request: { path: 'db/creds/ro' },
        response: { secret: { lease_id: 'db/creds/ro/abc' } },
      },
      since,
      NOW,
    )
    addEntry(
      f,
      {
        type: 'response',
        time: at(2),
        request: { path: 'db/creds/ro' },
        error: 'boom',
        response: { secret: { lease_id: 'db/creds/ro/err' } },
      },
      since,
      NOW,
    )
    assert.deepEqual(f.generateRootCompletions, [{ time: at(2), remote_address: '10.1.1.1' }])
    assert.deepEqual(f.rootTokensCreated, [{ time: at(2), display_name: 'root', path: 'auth/token/create' }])
    assert.deepEqual([...(f.leasesIssued.get('db/creds/ro') ?? [])], ['db/creds/ro/abc'])
  })
})

describe('leak incidents', () => {
  it('marks each match rotated, open or gone from the secret held now', () => {
    const incident = {
      id: 'i',
      time: ago(5),
      requested_by: { display_name: 'ci', entity_id: '' },
      request_id: 'r',
      matches: [
        { path: 'a', field: 'password', version: 1 },
        { path: 'b', field: 'password' },
        { path: 'c', field: 'Value' },
      ],
    }
    const section = leakSection(
      [incident],
      [item({ path: 'a', updated: ago(1) }), item({ path: 'b', updated: ago(10) })],
    )
    assert.deepEqual(
      section.incidents[0]?.matches.map((m) => m.response),
      ['rotated', 'open', 'gone'],
    )
    assert.equal(section.open, 1)
  })
})
