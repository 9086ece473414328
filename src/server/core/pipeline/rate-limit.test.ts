// The rate-limit stage in process: ahead of token lookup, headers when enabled, role quotas, audited refusals.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { isAppError, RateLimitedError } from '../../../sdk/errors.ts'
import { runPipeline } from '../handle-request.ts'
import type { LogicalRequest } from '../logical-request.ts'
import { limitRate } from './rate-limit.ts'
import { request, type TestCore, unsealedCore } from './test-helpers.ts'

/** The status a request through the whole pipeline ends with. */
async function statusOf(t: TestCore, req: LogicalRequest): Promise<number> {
  try {
    await runPipeline(t.services, req)
    return 200
  } catch (error) {
    if (isAppError(error)) return error.status
    throw error
  }
}

const write = (t: TestCore, path: string, data: Record<string, unknown>) =>
  runPipeline(t.services, request('update', path, t.rootToken, data))

describe('pipeline stage: rate limit', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
    await write(t, 'secret/data/a', { data: { v: 1 } })
  })
  after(() => t.close())

  it('does nothing while no quota exists', async () => {
    const req = request('read', 'secret/data/a', t.rootToken)
    assert.equal(t.services.quotas.empty, true)
    assert.equal(limitRate(t.services, req), undefined)
    assert.equal(req.rateLimitHeaders, undefined)
  })

  it('refuses past the rate with 429 before the token is looked at, and counts per client address', async () => {
    await write(t, 'sys/quotas/rate-limit/kv', { path: 'secret', rate: 2, interval: '1h' })
    assert.equal(await statusOf(t, request('read', 'secret/data/a', t.rootToken)), 200)
    // A bad token spends a request too: the stage runs before authentication.
    assert.equal(await statusOf(t, request('read', 'secret/data/a', 'not-a-token')), 403)
    await assert.rejects(runPipeline(t.services, request('read', 'secret/data/a', t.rootToken)), {
      name: 'RateLimitedError',
      status: 429,
      message: 'request path "secret/data/a": rate limit quota exceeded',
    })
    assert.equal(await statusOf(t, request('read', 'secret/data/a', 'not-a-token')), 429)
    const elsewhere = { ...request('read', 'secret/data/a', t.rootToken), remoteAddress: '192.0.2.7' }
    assert.equal(await statusOf(t, elsewhere), 200)
    // Other mounts are not covered by a mount quota; a front door that already counted the call passes.
    assert.equal(await statusOf(t, request('read', 'sys/mounts', t.rootToken)), 200)
    assert.equal(
      await statusOf(t, { ...request('read', 'secret/data/a', t.rootToken), quotaChecked: true }),
      200,
    )
    await write(t, 'sys/quotas/rate-limit/kv', { path: 'secret/', rate: 100, interval: '1h' })
    assert.equal(await statusOf(t, request('read', 'secret/data/a', t.rootToken)), 200, 'fresh buckets')
  })

  it('sets the rate-limit headers only when the config enables them, Retry-After on a refusal', async () => {
    await write(t, 'sys/quotas/rate-limit/one', { path: 'secret/data/one', rate: 1, interval: 60 })
    const first = request('read', 'secret/data/one', t.rootToken)
    await runPipeline(t.services, first)
    assert.equal(first.rateLimitHeaders, undefined)
    await write(t, 'sys/quotas/config', { enable_rate_limit_response_headers: true })
    await write(t, 'sys/quotas/rate-limit/one', { path: 'secret/data/one', rate: 1, interval: 60 })
    const allowed = request('read', 'secret/data/one', t.rootToken)
    await runPipeline(t.services, allowed)
    const headers = allowed.rateLimitHeaders!
    assert.equal(headers['X-Ratelimit-Limit'], '1')
    assert.equal(headers['X-Ratelimit-Remaining'], '0')
    assert.ok(Number(headers['X-Ratelimit-Reset']) > 0 && Number(headers['X-Ratelimit-Reset']) <= 60)
    assert.equal(headers['Retry-After'], undefined)
    const refused = request('read', 'secret/data/one', t.rootToken)
    await assert.rejects(runPipeline(t.services, refused), RateLimitedError)
    assert.equal(refused.rateLimitHeaders!['Retry-After'], refused.rateLimitHeaders!['X-Ratelimit-Reset'])
    await write(t, 'sys/quotas/config', { enable_rate_limit_response_headers: false })
  })

  it('limits the logins of one role of an auth method that names its role, and refuses the others', async () => {
    await write(t, 'sys/auth/jwt', { type: 'jwt' })
    await write(t, 'sys/auth/approle', { type: 'approle' })
    await write(t, 'sys/quotas/rate-limit/ci', { path: 'auth/jwt', role: 'ci', rate: 1, interval: '1h' })
    const login = (role: string) => request('update', 'auth/jwt/login', '', { role, jwt: 'x.y.z' })
    // The login itself fails (no configuration), but only after the quota has counted it.
    assert.notEqual(await statusOf(t, login('ci')), 429)
    assert.equal(await statusOf(t, login('ci')), 429)
    assert.notEqual(await statusOf(t, login('deploy')), 429)
    await assert.rejects(
      write(t, 'sys/quotas/rate-limit/ar', { path: 'auth/approle/', role: 'x', rate: 1 }),
      {
        status: 400,
        message: /approle auth method at auth\/approle\/ does not name a role/,
      },
    )
    // Disabling the mount removes its quotas, as in Vault.
    await runPipeline(t.services, request('delete', 'sys/auth/jwt', t.rootToken))
    assert.equal(t.services.quotas.get('ci'), undefined)
  })
})

describe('pipeline stage: rate limit, audited refusals', () => {
  let t: TestCore
  let dir: string
  before(async () => {
    t = await unsealedCore()
    dir = mkdtempSync(join(tmpdir(), 'coffer-quota-audit-'))
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('records a refusal only when enable_rate_limit_audit_logging is set', async () => {
    const file = join(dir, 'audit.log')
    await write(t, 'sys/audit/file', { type: 'file', options: { file_path: file } })
    await write(t, 'sys/quotas/rate-limit/g', { rate: 1, interval: '1h', path: 'secret/data/x' })
    const read = () => statusOf(t, request('read', 'secret/data/x', t.rootToken))
    await read()
    assert.equal(await read(), 429)
    assert.doesNotMatch(readFileSync(file, 'utf8'), /rate limit quota exceeded/)
    await write(t, 'sys/quotas/config', { enable_rate_limit_audit_logging: true })
    assert.equal(await read(), 429)
    const refusals = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((entry) => /rate limit quota exceeded/.test(entry.error ?? ''))
    assert.equal(refusals.length, 1)
    assert.equal(refusals[0].request.path, 'secret/data/x')
  })
})
