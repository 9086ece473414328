// `coffer report compliance` against a real dev server: JSON sections, and the HTML page as headless Chromium renders it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { run } from '../../src/cli/test-io.ts'
import type { RotationFunction } from '../../src/sdk/rotation.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { CHROMIUM, renderInChromium } from '../helpers/headless-chromium.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { ManualClock, makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

const DAY = 86_400
const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`
const failing: RotationFunction = async (event) => {
  if (event.Step === 'setSecret') throw new Error('database unreachable')
}
const XSS_NAME = 'ops/<img src=x onerror=alert(1)>'

async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  return withDeadline(
    (async () => {
      for (;;) {
        const out = await check()
        if (out) return out
        await delay(100)
      }
    })(),
    what,
  )
}

describe('coffer report compliance', async () => {
  const pgMissing = await unmet(POSTGRES)
  const chromiumMissing = await unmet(CHROMIUM)
  const dir = makeTempDir('coffer-compliance-')
  const clock = new ManualClock()
  let t: TestServer
  let db: TestDatabase | undefined
  const cli = (args: string[]) =>
    run(args, { env: { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }, homeDir: dir.dir })
  // biome-ignore lint/suspicious/noExplicitAny: the report is read as JSON
  let report: any

  before(async () => {
    // Anomaly detection on, with nothing to learn first: the root-token use below is raised at once.
    t = await startDevServer({
      clock,
      extraRotationBuiltins: { 'always-fails': failing },
      anomalyDetection: { learning_period: '0s' },
    })
    const ok = (status: number, what: string) => assert.ok(status < 300, `${what}: ${status}`)
    ok(
      (
        await t.call('PUT', 'sys/audit/file', {
          body: { type: 'file', options: { file_path: join(dir.dir, 'audit.log') } },
        })
      ).status,
      'audit',
    )
    // A KV secret nobody rotates, then a hundred days pass: over the 90-day maximum age.
    ok(
      (await t.call('POST', 'secret/data/legacy/api', { body: { data: { key: 'legacy-value-1' } } })).status,
      'kv',
    )
    clock.advance(100 * DAY)
    ok(
      (await t.call('POST', 'secret/data/fresh', { body: { data: { key: 'fresh-value-1' } } })).status,
      'kv fresh',
    )
    ok(
      (
        await t.call('POST', `secret/data/${encodeURIComponent(XSS_NAME).replace(/%2F/g, '/')}`, {
          body: { data: { k: 'v' } },
        })
      ).status,
      'kv xss',
    )
    ok(
      (await t.call('POST', 'sys/mounts/secretsmanager', { body: { type: 'secretsmanager' } })).status,
      'sm mount',
    )
    ok(
      (await t.call('POST', 'secretsmanager/secrets/app/db', { body: { secret_string: 'sm-initial-1' } }))
        .status,
      'sm',
    )
    ok(
      (await t.call('POST', 'secretsmanager/secrets/app/cache', { body: { secret_string: 'sm-initial-2' } }))
        .status,
      'sm2',
    )
    ok(
      (
        await t.call('POST', 'secretsmanager/rotation/app/db', {
          body: { rotation_lambda_arn: ARN('coffer-random-password'), automatically_after_days: 30 },
        })
      ).status,
      'rotate app/db',
    )
    ok(
      (
        await t.call('POST', 'secretsmanager/rotation/app/cache', {
          body: { rotation_lambda_arn: ARN('always-fails'), automatically_after_days: 30 },
        })
      ).status,
      'rotate app/cache',
    )
    const status = async (name: string) => (await t.call('GET', `secretsmanager/rotation/${name}`)).body?.data
    await until('app/db rotated', async () => (await status('app/db'))?.['last_rotated_date'])
    await until('app/cache failed', async () => (await status('app/cache'))?.['rotation_status']?.failed_step)
    // An access review started, decided and closed through sys/access: the report reads it from the same store.
    const review = await t.call('POST', 'sys/access/reviews', {
      body: { name: 'quarterly', paths: ['secret/data/legacy/api'] },
    })
    ok(review.status, 'review start')
    const reviewId = review.body.data.id as string
    ok(
      (
        await t.call('POST', `sys/access/reviews/${reviewId}/decide`, {
          body: { subject: 'policy default', grant: 'secret/data/legacy/api read', decision: 'keep' },
        })
      ).status,
      'review decide',
    )
    ok((await t.call('POST', `sys/access/reviews/${reviewId}/close`)).status, 'review close')
    // A root token generated with the unseal key share (break glass), then a token with the root policy minted
    // and used: the report must show all three.
    const attempt = await t.call('PUT', 'sys/generate-root/attempt', { token: '' })
    ok(attempt.status, 'generate-root attempt')
    const update = await t.call('PUT', 'sys/generate-root/update', {
      token: '',
      body: { key: t.server.unsealKey, nonce: attempt.body.nonce },
    })
    assert.equal(update.body.complete, true, JSON.stringify(update.body))
    const minted = await t.call('POST', 'auth/token/create', {
      body: { policies: ['root'], display_name: 'breakglass' },
    })
    ok(minted.status, 'root token')
    ok((await t.call('GET', 'sys/mounts', { token: minted.body.auth.client_token })).status, 'root use')
    await until('the root-token anomaly is raised', async () => {
      const listed = await t.call('GET', 'sys/anomalies?list=true')
      return listed.status === 200 && listed.body.data.keys.length > 0
    })
    if (!pgMissing) {
      db = await createTestDatabase()
      await postgresEngine(t.call, db.url, { app: { defaultTtl: '1h', validUntil: true } })
      ok((await t.call('GET', 'database/creds/app')).status, 'db creds')
    }
    const out = await cli(['report', 'compliance', '-format=json'])
    assert.equal(out.code, 0, out.stderr)
    report = JSON.parse(out.stdout)
  })
  after(async () => {
    await t?.close()
    await db?.drop()
    dir.remove()
  })

  it('carries the header, the summary and every section', () => {
    assert.match(report.generated_at, /^\d{4}-\d{2}-\d{2}T/)
    assert.equal(report.window.seconds, 30 * DAY)
    assert.equal(typeof report.server_version, 'string')
    assert.ok(report.summary.fail > 0 && report.summary.pass > 0)
    for (const name of [
      'inventory',
      'rotation',
      'dynamic_credentials',
      'access_reviews',
      'anomalies',
      'leak_incidents',
      'root_token_use',
      'access_activity',
    ])
      assert.ok(report.sections[name], name)
    assert.equal(report.sections.access_reviews.total, 1)
    assert.equal(report.sections.access_reviews.closed_in_window, 1)
    assert.equal(report.sections.access_reviews.reviews[0].name, 'quarterly')
    assert.equal(report.sections.anomalies.available, true)
    const rootUses = report.sections.anomalies.by_type.find(
      (b: { label: string }) => b.label === 'root_token',
    )
    assert.ok(rootUses?.count >= 1, JSON.stringify(report.sections.anomalies))
    assert.equal(report.sections.anomalies.unacknowledged, report.sections.anomalies.total)
    assert.ok(report.controls.rotation.some((c: { control: string }) => c.control === '3.7.4'))
  })

  it('lists the secrets without their values', () => {
    const paths = report.sections.inventory.items.map((i: { path: string }) => i.path)
    for (const path of [
      'secret/data/legacy/api',
      'secret/data/fresh',
      'secretsmanager/secrets/app/db',
      'secretsmanager/secrets/app/cache',
    ])
      assert.ok(paths.includes(path), path)
    const text = JSON.stringify(report)
    for (const value of ['legacy-value-1', 'fresh-value-1', 'sm-initial-1', 'sm-initial-2'])
      assert.ok(!text.includes(value), value)
  })

  it('flags the secret past the maximum age and the failing rotation; the rotated one passes its policy', () => {
    const by = (path: string) =>
      report.sections.rotation.secrets.find((s: { path: string }) => s.path === path)
    assert.equal(by('secret/data/legacy/api').compliant, false)
    assert.equal(by('secret/data/legacy/api').basis, 'max_age')
    assert.equal(by('secret/data/fresh').compliant, true)
    assert.deepEqual(
      [by('secretsmanager/secrets/app/db').basis, by('secretsmanager/secrets/app/db').compliant],
      ['policy', true],
    )
    const cache = by('secretsmanager/secrets/app/cache')
    assert.equal(cache.compliant, false)
    assert.equal(cache.last_failure.message, 'database unreachable')
  })

  it('shows root-token creation and use from the audit log', () => {
    const root = report.sections.root_token_use
    assert.ok(root.audit, root.audit_unavailable_reason)
    assert.ok(root.audit.root_tokens_created.some((c: { path: string }) => c.path === 'auth/token/create'))
    assert.equal(root.audit.generate_root_completions.length, 1)
    assert.ok(root.audit.root_token_requests >= 2)
    assert.ok(
      root.active_root_tokens.some((r: { display_name: string }) => r.display_name === 'token-breakglass'),
    )
    assert.ok(report.sections.access_activity.requests > 0)
  })

  it('counts the lease issued from the database role', { skip: pgMissing }, () => {
    const role = report.sections.dynamic_credentials.roles.find(
      (r: { role: string }) => r.role === 'database/creds/app',
    )
    assert.deepEqual([role?.mount, role?.active, role?.issued_in_window], ['database/', 1, 1])
    assert.equal(report.sections.dynamic_credentials.window_source, 'audit_log')
  })

  it('refuses a bad window with a 4xx and a clear message', async () => {
    const out = await cli(['report', 'compliance', '-since=forever'])
    assert.equal(out.code, 2)
    assert.match(out.stderr, /since: cannot parse/)
    const bad = await cli(['report', 'compliance', '-format=pdf'])
    assert.notEqual(bad.code, 0)
  })

  it('writes an HTML page that headless Chromium renders with its charts and tables', {
    skip: chromiumMissing,
  }, async () => {
    const file = join(dir.dir, 'report.html')
    const out = await cli(['report', 'compliance', '-format=html', '-output', file])
    assert.equal(out.code, 0, out.stderr)
    assert.match(readFileSync(file, 'utf8'), /^<!DOCTYPE html>/)
    const page = await renderInChromium(file)
    const chart = (title: string) => page.charts.find((c) => c.title === title)
    assert.ok((chart('Time since last rotation or change')?.bars ?? 0) > 0, JSON.stringify(page.charts))
    assert.ok((chart('Requests per day')?.bars ?? 0) > 0)
    assert.ok((chart('Secrets by kind')?.bars ?? 0) > 0)
    assert.ok(page.tables >= 4, `${page.tables} tables`)
    assert.equal(page.scripts, 0)
    assert.equal(page.handlers, 0, 'the hostile secret name became no element or handler')
    for (const id of ['summary', 'inventory', 'rotation', 'root_token_use'])
      assert.ok(page.sections.includes(id), id)
  })
})
