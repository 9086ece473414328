// OpenBao's rate-limit quota tests (external_tests/quotas, quotas/*_test.go, sys/quotas handlers) replayed over HTTP.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'

/** Vault's default exempt paths, which a test that changes the list puts back. */
const DEFAULT_EXEMPT = [
  'sys/generate-recovery-token/attempt',
  'sys/generate-recovery-token/update',
  'sys/generate-root/attempt',
  'sys/generate-root/update',
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
]

// Not replayed: TestQuotas_RateLimitQuotaNS, TestQuotas_RateLimitQuotaInheritableNS and
// TestQuotas_HandleNamespaceDeletion need namespaces, which Coffer does not have (docs/quotas.md); what is left of
// `inheritable` (global quotas only) is checked below. OpenBao's timed loops (testRPS over 5 s) become counts in
// hour-long windows: rate 7.7 lets exactly 8 requests through, as Vault rounds it.
// Every request here comes from 127.0.0.1, so all share one client's buckets. Windows are an hour long, so counts
// never depend on the clock; a global quota's test exempts sys/quotas/ so it can clean up after itself.
describe('OpenBao quota tests against Coffer', () => {
  let server: RaceServer
  const statuses = async (count: number, method: string, path: string, body?: unknown) => {
    const out: number[] = []
    for (let i = 0; i < count; i++) out.push((await server.call(method, path, body ? { body } : {})).status)
    return out
  }
  const write = (name: string, body: Record<string, unknown>) =>
    server.call('POST', `sys/quotas/rate-limit/${name}`, { body })
  const setExempt = async (paths: string[]) =>
    assert.equal(
      (await server.call('POST', 'sys/quotas/config', { body: { rate_limit_exempt_paths: paths } })).status,
      204,
    )
  const mount = async (path: string, type: string, table: 'mounts' | 'auth' = 'mounts') =>
    assert.equal((await server.call('POST', `sys/${table}/${path}`, { body: { type } })).status, 204)
  const clear = async () => {
    for (const name of (await server.call('LIST', 'sys/quotas/rate-limit')).body?.data?.keys ?? [])
      assert.equal((await server.call('DELETE', `sys/quotas/rate-limit/${name}`)).status, 204)
    await setExempt(DEFAULT_EXEMPT)
  }

  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  it('TestQuotas_RateLimit_DupName: rewriting a name replaces the quota, LIST has it once', async () => {
    assert.equal((await write('secret-rlq', { rate: 7.7, path: 'secret' })).status, 204)
    const read = await server.call('GET', 'sys/quotas/rate-limit/secret-rlq')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.path, 'secret/')
    assert.equal(read.body.data.rate, 7.7)
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    assert.equal((await write('secret-rlq', { rate: 7.7, path: '' })).status, 204)
    const list = await server.call('LIST', 'sys/quotas/rate-limit')
    assert.deepEqual(list.body.data.keys, ['secret-rlq'])
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/secret-rlq')).body.data.path, '')
    await clear()
  })

  it('TestQuotas_RateLimit_DupPath: a second quota on the same scope is a 400', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    assert.equal((await write('global-rlq', { rate: 10, path: '' })).status, 204)
    assert.equal((await write('secret-rlq', { rate: 7.7, path: 'secret' })).status, 204)
    const dup = await write('secret-rlq', { rate: 7.7, path: '' })
    assert.equal(dup.status, 400)
    assert.deepEqual(dup.body.errors, [
      'quota rule with similar properties exists under the name "global-rlq"',
    ])
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/secret-rlq')).body.data.path, 'secret/')
    await clear()
  })

  it('TestQuotas_RateLimitQuota_ExemptPaths: an exempt entry covers every path it begins', async () => {
    const config = await server.call('GET', 'sys/quotas/config')
    assert.deepEqual(config.body.data.rate_limit_exempt_paths, DEFAULT_EXEMPT)
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/config'])
    assert.equal((await write('rlq', { rate: 2, interval: '1h' })).status, 204)
    assert.deepEqual(await statuses(3, 'GET', 'sys/quotas/rate-limit/rlq'), [200, 200, 429])
    // As in Vault, an entry is a prefix: 'sys/quotas/rate-limit' exempts sys/quotas/rate-limit/rlq.
    await setExempt(['sys/quotas/rate-limit', 'sys/quotas/config'])
    assert.deepEqual(await statuses(5, 'GET', 'sys/quotas/rate-limit/rlq'), [200, 200, 200, 200, 200])
    await clear()
  })

  it('TestQuotas_RateLimitQuota_DefaultExemptPaths: sys/health is never counted by default', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    assert.equal((await write('rlq', { rate: 1, interval: '1h' })).status, 204)
    assert.deepEqual(await statuses(3, 'GET', 'sys/health'), [200, 200, 200])
    assert.deepEqual(await statuses(2, 'GET', 'sys/mounts'), [200, 429])
    await clear()
  })

  it('TestQuotas_RateLimitQuota_AuditLogging: one refusal, one audited request with the quota error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-quota-audit-'))
    try {
      const file = join(dir, 'audit.log')
      assert.equal(
        (
          await server.call('POST', 'sys/audit/qfile', {
            body: { type: 'file', options: { file_path: file } },
          })
        ).status,
        204,
      )
      assert.equal(
        (await server.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_audit_logging: true } }))
          .status,
        204,
      )
      await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/', 'sys/audit'])
      assert.equal((await write('rlq', { rate: 1, interval: '1h' })).status, 204)
      assert.deepEqual(await statuses(2, 'GET', 'sys/mounts'), [200, 429])
      const refused = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line))
        .filter(
          (entry) =>
            entry.type === 'request' && String(entry.error ?? '').endsWith('rate limit quota exceeded'),
        )
      assert.equal(refused.length, 1)
      assert.equal(refused[0].request.path, 'sys/mounts')
      assert.equal((await server.call('DELETE', 'sys/audit/qfile')).status, 204)
      await server.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_audit_logging: false } })
      await clear()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('TestQuotas_RateLimitQuota_Mount: rate 7.7 lets Math.round(7.7) = 8 requests through; a higher rate lets all', async () => {
    await mount('pki-rl', 'kv')
    assert.equal((await write('rlq', { rate: 7.7, path: 'pki-rl/', interval: '1h' })).status, 204)
    const got = await statuses(10, 'GET', 'pki-rl/missing')
    // The reads find nothing (404) until the quota refuses them.
    assert.deepEqual(got, [404, 404, 404, 404, 404, 404, 404, 404, 429, 429])
    assert.equal((await write('rlq', { rate: 10000, path: 'pki-rl/', interval: '1h' })).status, 204)
    assert.ok((await statuses(20, 'GET', 'pki-rl/missing')).every((s) => s === 404))
    await clear()
  })

  it('TestQuotas_RateLimitQuota_MountPrecedence: a mount quota wins over the global one', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    assert.equal((await write('root-rlq', { rate: 14.7, interval: '1h' })).status, 204)
    assert.equal((await write('mount-rlq', { rate: 7.7, path: 'pki-rl/', interval: '1h' })).status, 204)
    const got = await statuses(10, 'GET', 'pki-rl/missing')
    assert.deepEqual(got.slice(8), [429, 429])
    // The global quota's window is untouched by the mount's requests: 15 others pass.
    const others = await statuses(16, 'GET', 'sys/mounts')
    assert.equal(others.filter((s) => s === 200).length, 15)
    assert.equal(others[15], 429)
    await clear()
  })

  it('TestRateLimitQuota_Allow, concurrently: of 30 simultaneous reads, rate 7.7 lets exactly 8 through', async () => {
    await mount('burst-rl', 'kv')
    assert.equal((await write('burst', { rate: 7.7, path: 'burst-rl/', interval: '1h' })).status, 204)
    const replies = await server.burst(
      Array.from({ length: 30 }, () => ({ method: 'GET', path: 'burst-rl/x' })),
    )
    const got = replies.map((reply) => reply.status)
    assert.equal(got.filter((s) => s === 404).length, 8, got.join(','))
    assert.equal(got.filter((s) => s === 429).length, 22)
    await clear()
  })

  it('inheritable and deleting: a global quota is inheritable by default, a deleted quota counts nothing', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    assert.equal((await write('g', { rate: 1, interval: '1h' })).status, 204)
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/g')).body.data.inheritable, true)
    assert.equal((await write('g', { rate: 1, interval: '1h', inheritable: false })).status, 204)
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/g')).body.data.inheritable, false)
    assert.deepEqual(await statuses(2, 'GET', 'sys/mounts'), [200, 429])
    assert.equal((await server.call('DELETE', 'sys/quotas/rate-limit/g')).status, 204)
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/g')).status, 404)
    assert.equal((await server.call('LIST', 'sys/quotas/rate-limit')).status, 404)
    assert.deepEqual(await statuses(3, 'GET', 'sys/mounts'), [200, 200, 200])
    // Deleting a quota that does not exist is a 204, as in Vault.
    assert.equal((await server.call('DELETE', 'sys/quotas/rate-limit/g')).status, 204)
    await clear()
  })

  it('TestQuotas_RateLimitQuota: a global quota, then rewritten with a high rate, refuses nothing', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/config'])
    assert.equal((await write('rlq', { rate: 7.7, interval: '1h' })).status, 204)
    const got = await statuses(10, 'GET', 'sys/quotas/rate-limit/rlq')
    assert.deepEqual(got.slice(7), [200, 429, 429])
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    assert.equal((await write('rlq', { rate: 10000, interval: '1h' })).status, 204)
    await setExempt(DEFAULT_EXEMPT)
    assert.ok((await statuses(20, 'GET', 'sys/quotas/rate-limit/rlq')).every((s) => s === 200))
    await clear()
  })

  it('TestQuotas_Precedence: role, then path, then prefix, then mount, then global', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/quotas/'])
    await mount('prec', 'kv')
    await mount('jwt-rl', 'jwt', 'auth')
    assert.equal((await write('global', { rate: 1, interval: '1h' })).status, 204)
    assert.equal((await write('mount', { rate: 2, path: 'prec', interval: '1h' })).status, 204)
    assert.equal((await write('prefix', { rate: 3, path: 'prec/a/*', interval: '1h' })).status, 204)
    assert.equal((await write('path', { rate: 4, path: 'prec/a/exact', interval: '1h' })).status, 204)
    assert.equal(
      (await write('role', { rate: 5, path: 'auth/jwt-rl', role: 'r', interval: '1h' })).status,
      204,
    )
    const count = (got: number[]) => got.filter((s) => s !== 429).length
    assert.equal(count(await statuses(8, 'GET', 'prec/a/exact')), 4)
    assert.equal(count(await statuses(8, 'GET', 'prec/a/other')), 3)
    assert.equal(count(await statuses(8, 'GET', 'prec/b')), 2)
    assert.equal(
      count(await statuses(8, 'POST', 'auth/jwt-rl/login', { role: 'r', jwt: 'x' })),
      5,
      'role quota',
    )
    // A login with another role falls to the mount (none here), then the global quota.
    assert.equal(count(await statuses(3, 'POST', 'auth/jwt-rl/login', { role: 'other', jwt: 'x' })), 1)
    // With the global quota gone, the mount's other paths pass though the role's quota is spent: it counts logins only.
    assert.equal((await server.call('DELETE', 'sys/quotas/rate-limit/global')).status, 204)
    assert.equal(count(await statuses(2, 'GET', 'auth/jwt-rl/role/r')), 2)
    assert.equal(
      (await server.call('POST', 'auth/jwt-rl/login', { body: { role: 'r', jwt: 'x' } })).status,
      429,
    )
    await clear()
  })

  it('TestQuotas_QueryResolveRole_RateLimitQuotas and the handler rules: role needs a login-role auth mount', async () => {
    await mount('userpass-rl', 'userpass', 'auth')
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ rate: 1, role: 'r' }, /auth mount/],
      [{ rate: 1, path: 'secret/', role: 'r' }, /auth mount/],
      [{ rate: 1, path: 'auth/jwt-rl/login', role: 'r' }, /auth mount/],
      [{ rate: 1, path: 'auth/userpass-rl/', role: 'r' }, /does not name a role/],
    ]
    for (const [body, message] of cases) {
      const reply = await write('bad-role', body)
      assert.equal(reply.status, 400, JSON.stringify(body))
      assert.match(reply.body.errors[0], message)
    }
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/bad-role')).status, 404)
  })

  it('field validation: hostile input is a clear 400, never a 500', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['rlq', {}],
      ['rlq', { rate: -1 }],
      ['rlq', { rate: 0 }],
      ['rlq', { rate: 'abc' }],
      ['rlq', { rate: '1e400' }],
      ['rlq', { rate: 1, interval: '-5s' }],
      ['rlq', { rate: 1, interval: 'forever' }],
      ['rlq', { rate: 1, interval: '9999999999999999999h' }],
      ['rlq', { rate: 1, block_interval: '-1s' }],
      ['rlq', { rate: 1, path: 'nosuchmount/' }],
      ['rlq', { rate: 1, path: 'secret/a*b' }],
      ['rlq', { rate: 1, path: 'ns1/secret/' }],
      ['rlq', { rate: 1, path: 'secret/', inheritable: true }],
      ['bad name!', { rate: 1 }],
      ['-bad', { rate: 1 }],
    ]
    for (const [name, body] of cases) {
      const reply = await write(encodeURIComponent(name), body)
      assert.equal(reply.status, 400, `${name} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`)
      assert.ok(reply.body.errors?.[0], 'an error message')
    }
    assert.equal((await server.call('LIST', 'sys/quotas/rate-limit')).status, 404)
  })

  it('interval and block_interval: a blocked client stays refused after its window; reads give seconds', async () => {
    assert.equal(
      (await write('blk', { rate: 2, path: 'secret/', interval: '1h', block_interval: '2h' })).status,
      204,
    )
    const read = await server.call('GET', 'sys/quotas/rate-limit/blk')
    assert.equal(read.body.data.interval, 3600)
    assert.equal(read.body.data.block_interval, 7200)
    assert.equal(read.body.data.type, 'rate-limit')
    assert.equal(read.body.data.inheritable, false)
    await server.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: true } })
    const replies = []
    for (let i = 0; i < 3; i++) replies.push(await server.call('GET', 'secret/data/none'))
    assert.deepEqual(
      replies.map((r) => r.status),
      [404, 404, 429],
    )
    assert.equal(replies[0]!.headers['x-ratelimit-limit'], '2')
    assert.equal(replies[0]!.headers['x-ratelimit-remaining'], '1')
    assert.equal(replies[2]!.headers['x-ratelimit-remaining'], '0')
    // The block (2h) outlasts the window (1h): the reset says so.
    assert.ok(Number(replies[2]!.headers['retry-after']) > 3600)
    await server.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: false } })
    const plain = await server.call('GET', 'secret/data/none')
    assert.equal(plain.status, 429)
    assert.equal(plain.headers['x-ratelimit-limit'], undefined)
    await clear()
  })

  it('TestQuotas_HandleBackendDisabling: disabling a mount deletes its quotas, the global one stays', async () => {
    await setExempt([...DEFAULT_EXEMPT, 'sys/'])
    await mount('gone', 'kv')
    await mount('jwt-gone', 'jwt', 'auth')
    assert.equal((await write('global', { rate: 1000, interval: '1h' })).status, 204)
    assert.equal((await write('m', { rate: 1, path: 'gone/' })).status, 204)
    assert.equal((await write('p', { rate: 1, path: 'gone/x' })).status, 204)
    assert.equal((await write('r', { rate: 1, path: 'auth/jwt-gone/', role: 'r' })).status, 204)
    assert.equal((await server.call('DELETE', 'sys/mounts/gone')).status, 204)
    assert.equal((await server.call('DELETE', 'sys/auth/jwt-gone')).status, 204)
    assert.deepEqual((await server.call('LIST', 'sys/quotas/rate-limit')).body.data.keys, ['global'])
    await clear()
  })

  it('TestQuotas_MountPathOverwrite and remount: a quota follows its mount to the new path', async () => {
    await mount('kv1', 'kv')
    assert.equal((await write('tq', { rate: 1, path: 'kv1/', interval: '1h' })).status, 204)
    assert.equal((await write('tq-path', { rate: 2, path: 'kv1/a/*', interval: '1h' })).status, 204)
    const moved = await server.call('POST', 'sys/remount', { body: { from: 'kv1', to: 'kv2' } })
    assert.equal(moved.status, 200)
    // The move runs in the background: wait for its status (a count of polls, not a time).
    let status = 'in-progress'
    for (let poll = 0; poll < 200 && status === 'in-progress'; poll++)
      status = (await server.call('GET', `sys/remount/status/${moved.body.data.migration_id}`)).body.data
        .migration_info.status
    assert.equal(status, 'success')
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/tq')).body.data.path, 'kv2/')
    assert.equal((await server.call('GET', 'sys/quotas/rate-limit/tq-path')).body.data.path, 'kv2/a/*')
    assert.deepEqual(await statuses(2, 'GET', 'kv2/x'), [404, 429])
    assert.deepEqual(await statuses(3, 'GET', 'kv2/a/b'), [404, 404, 429])
    // A new mount at the old path is covered by no quota.
    await mount('kv1', 'kv')
    assert.deepEqual(await statuses(3, 'GET', 'kv1/x'), [404, 404, 404])
    await clear()
  })
})
