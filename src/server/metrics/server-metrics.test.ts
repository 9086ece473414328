// The metrics registry in process: Vault's names move with traffic, sys/metrics' authorisation, both formats, and

// two servers in one process keeping apart.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { withDeadline } from '../../../test/helpers/deadline.ts'
import { parsePrometheusText, type Sample, sampleValue } from '../../../test/helpers/prometheus-text.ts'
import { startDevServer, type TestServer } from '../../../test/helpers/server.ts'

async function scrape(t: TestServer, token = t.rootToken): Promise<Sample[]> {
  const res = await fetch(`${t.address}/v1/sys/metrics?format=prometheus`, {
    headers: { 'x-vault-token': token },
  })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(await res.text()).samples
}

const value = (samples: Sample[], name: string, labels?: Record<string, string>) =>
  sampleValue(samples, name, labels) ?? 0

describe('server metrics', () => {
  let t: TestServer
  let other: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-metrics-'))
  before(async () => {
    t = await startDevServer({
      storage: 'inmem',
      rotationFunctions: {
        'always-fails': { kind: 'command', command: ['/bin/false'], timeoutMs: 10_000, env: {} },
      },
    })
    // A second server in the same process: its own registry, so neither sees the other's counts.
    other = await startDevServer({ storage: 'inmem' })
    // Dev mode mounts KV v2 at secret/.
  })
  after(async () => {
    await t?.close()
    await other?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('counts requests, their time and the path they reached (cut to mount + 2 segments)', async () => {
    assert.equal(
      (await t.call('POST', 'secret/data/app/db', { body: { data: { password: 'p' } } })).status,
      200,
    )
    const before = await scrape(t)
    for (let i = 0; i < 5; i++) assert.equal((await t.call('GET', 'secret/data/app/db')).status, 200)
    assert.equal((await t.call('GET', 'secret/data/app/cache')).status, 404)
    const after = await scrape(t)
    assert.equal(
      value(after, 'vault_secret_access_count', { path: 'secret/data/app' }) -
        value(before, 'vault_secret_access_count', { path: 'secret/data/app' }),
      6,
    )
    // The scrape between is a request too: 6 reads plus one sys/metrics read.
    assert.equal(
      value(after, 'vault_core_handle_request_count') - value(before, 'vault_core_handle_request_count'),
      7,
    )
    assert.ok(value(after, 'vault_core_handle_request_sum') > value(before, 'vault_core_handle_request_sum'))
    assert.ok(value(after, 'vault_barrier_put_count') >= 1)
    assert.equal(value(after, 'vault_core_unsealed'), 1)
    assert.equal(value(after, 'vault_core_active'), 1)
    assert.ok(
      after.some((s) => s.name.startsWith('vault_runtime_')),
      'process metrics under vault_runtime_',
    )
    // The other server saw none of it.
    const elsewhere = await scrape(other)
    assert.equal(sampleValue(elsewhere, 'vault_secret_access_count', { path: 'secret/data/app' }), undefined)
  })

  it('counts logins and tokens issued', async () => {
    await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await t.call('POST', 'auth/userpass/users/ann', {
      body: { password: 'pw-ann', token_policies: 'default' },
    })
    const before = await scrape(t)
    assert.equal(
      (await t.call('POST', 'auth/userpass/login/ann', { body: { password: 'pw-ann' }, token: '' })).status,
      200,
    )
    assert.equal((await t.call('POST', 'auth/token/create', { body: { ttl: '1h' } })).status, 200)
    const after = await scrape(t)
    // Labelled as Vault's token.creation: by auth method, mount, creation TTL bucket and token type.
    const login = {
      auth_method: 'userpass',
      mount_point: 'auth/userpass/',
      creation_ttl: '+Inf',
      token_type: 'service',
    }
    const created = {
      auth_method: 'token',
      mount_point: 'auth/token/',
      creation_ttl: '1h',
      token_type: 'service',
    }
    assert.equal(
      value(after, 'vault_token_creation', login) - value(before, 'vault_token_creation', login),
      1,
    )
    assert.equal(
      value(after, 'vault_token_creation', created) - value(before, 'vault_token_creation', created),
      1,
    )
    assert.equal(
      value(after, 'vault_core_handle_login_request_count') -
        value(before, 'vault_core_handle_login_request_count'),
      1,
    )
    assert.notEqual(sampleValue(after, 'vault_expire_num_leases'), undefined)
  })

  it('sys/metrics needs read on the path, as in Vault', async () => {
    const noToken = await fetch(`${t.address}/v1/sys/metrics?format=prometheus`)
    assert.equal(noToken.status, 403)
    const plain = await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })
    const refused = await fetch(`${t.address}/v1/sys/metrics`, {
      headers: { 'x-vault-token': plain.body.auth.client_token },
    })
    assert.equal(refused.status, 403)
    await t.call('PUT', 'sys/policies/acl/metrics', {
      body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' },
    })
    const reader = await t.call('POST', 'auth/token/create', { body: { policies: ['metrics'] } })
    await scrape(t, reader.body.auth.client_token)
    const bad = await t.call('GET', 'sys/metrics?format=xml')
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0], /unsupported metrics format/)
  })

  it("answers Vault's JSON shape without the envelope", async () => {
    const res = await t.call('GET', 'sys/metrics')
    assert.equal(res.status, 200)
    assert.match(res.body.Timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/)
    assert.equal(res.body.request_id, undefined)
    const gauge = res.body.Gauges.find((g: { Name: string }) => g.Name === 'vault.core.unsealed')
    assert.deepEqual(gauge, { Name: 'vault.core.unsealed', Value: 1, Labels: {} })
    const sample = res.body.Samples.find((s: { Name: string }) => s.Name === 'vault.core.handle_request')
    assert.ok(sample.Count > 0 && sample.Sum > 0 && sample.Max >= sample.Min && sample.Mean > 0)
    const access = res.body.Counters.find(
      (c: { Name: string; Labels: Record<string, string> }) =>
        c.Name === 'vault_secret_access_count' && c.Labels['path'] === 'secret/data/app',
    )
    assert.ok(access.Count >= 6)
    for (const key of ['Name', 'Count', 'Rate', 'Sum', 'Min', 'Max', 'Mean', 'Stddev', 'Labels'])
      assert.ok(key in access, key)
  })

  it('counts audit entries and audit failures', async () => {
    const file = join(dir, 'audit.log')
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: file } } }))
        .status,
      204,
    )
    const before = await scrape(t)
    await t.call('GET', 'secret/data/app/db')
    const after = await scrape(t)
    // The read, and the first scrape's response (its request entry was written before the scrape read the count).
    assert.ok(value(after, 'vault_audit_log_request') - value(before, 'vault_audit_log_request') >= 2)
    assert.ok(value(after, 'vault_audit_log_response') - value(before, 'vault_audit_log_response') >= 2)
    assert.equal(value(after, 'vault_audit_log_request_failure'), 0)
    assert.equal((await t.call('DELETE', 'sys/audit/file')).status, 204)
    assert.equal(
      (await t.call('PUT', 'sys/audit/full', { body: { type: 'file', options: { file_path: '/dev/full' } } }))
        .status,
      204,
    )
    assert.equal((await t.call('GET', 'secret/data/app/db')).status, 500)
    assert.equal((await t.call('DELETE', 'sys/audit/full')).status, 204)
    assert.ok(value(await scrape(t), 'vault_audit_log_request_failure') >= 1)
  })

  it('counts rotations started, succeeded and failed', async () => {
    await t.call('POST', 'secret/data/rotated', { body: { data: { password: 'old' } } })
    await t.call('POST', 'secret/data/broken', { body: { data: { password: 'old' } } })
    const ok = await t.call('POST', 'secret/rotation/rotated', {
      body: { rotation_function: 'coffer-random-password' },
    })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    const failing = await t.call('POST', 'secret/rotation/broken', {
      body: { rotation_function: 'always-fails' },
    })
    assert.equal(failing.status, 200, JSON.stringify(failing.body))
    const samples = await withDeadline(
      (async () => {
        for (;;) {
          const s = await scrape(t)
          if (
            value(s, 'coffer_rotation_succeeded_total') >= 1 &&
            value(s, 'coffer_rotation_failed_total') >= 1
          )
            return s
          await delay(50)
        }
      })(),
      'rotation counters',
      60_000,
    )
    assert.ok(value(samples, 'coffer_rotation_started_total') >= 2)
  })

  it('counts leak fingerprint checks, incidents and the secrets they matched', async () => {
    await t.call('POST', 'secret/data/leaked', { body: { data: { password: 'leaked-value-for-metrics' } } })
    const digest = createHash('sha256').update('leaked-value-for-metrics').digest('hex')
    const before = await scrape(t)
    const miss = await t.call('POST', 'sys/leak/fingerprints', {
      body: { digests: ['0'.repeat(64)], refresh: true },
    })
    assert.equal(miss.status, 200, JSON.stringify(miss.body))
    const hit = await t.call('POST', 'sys/leak/fingerprints', { body: { digests: [digest], refresh: true } })
    assert.equal(hit.body.data.matches.length, 1, JSON.stringify(hit.body))
    const after = await scrape(t)
    const grew = (name: string) => value(after, name) - value(before, name)
    assert.equal(grew('coffer_leak_fingerprint_checks_total'), 2)
    assert.equal(grew('coffer_leak_incidents_total'), 1)
    assert.equal(grew('coffer_leak_matched_secrets_total'), 1)
  })
})
