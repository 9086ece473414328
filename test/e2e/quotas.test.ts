// Rate-limit quotas over HTTP: sys/quotas/rate-limit and sys/quotas/config shapes and refusals, 429s and their headers.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

describe('rate-limit quotas over HTTP', () => {
  let t: TestServer
  const clock = new ManualClock()
  before(async () => {
    t = await startDevServer({ clock })
    assert.equal((await t.call('POST', 'secret/data/app', { body: { data: { a: 1 } } })).status, 200)
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
  })
  after(() => t.close())

  it('writes, reads, lists and deletes a quota with Vault’s shapes', async () => {
    const write = await t.call('POST', 'sys/quotas/rate-limit/kv', {
      body: { path: 'secret', rate: 10.5, interval: '1m', block_interval: 30 },
    })
    assert.equal(write.status, 204, JSON.stringify(write.body))
    const read = await t.call('GET', 'sys/quotas/rate-limit/kv')
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data, {
      name: 'kv',
      type: 'rate-limit',
      path: 'secret/',
      role: '',
      rate: 10.5,
      interval: 60,
      block_interval: 30,
      inheritable: false,
    })
    assert.equal((await t.call('POST', 'sys/quotas/rate-limit/all', { body: { rate: 1000 } })).status, 204)
    const global = (await t.call('GET', 'sys/quotas/rate-limit/all')).body.data
    assert.equal(global.interval, 1)
    assert.equal(global.inheritable, true)
    assert.deepEqual((await t.call('LIST', 'sys/quotas/rate-limit')).body.data.keys, ['all', 'kv'])
    assert.equal((await t.call('DELETE', 'sys/quotas/rate-limit/kv')).status, 204)
    assert.equal((await t.call('DELETE', 'sys/quotas/rate-limit/all')).status, 204)
    assert.equal((await t.call('GET', 'sys/quotas/rate-limit/kv')).status, 404)
    assert.equal((await t.call('LIST', 'sys/quotas/rate-limit')).status, 404)
  })

  it('refuses bad quotas with a clear 400', async () => {
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /'rate' is invalid or not positive/],
      [{ rate: 0 }, /'rate' is invalid or not positive/],
      [{ rate: -3 }, /'rate' is invalid or not positive/],
      [{ rate: 'many' }, /'rate' is invalid or not positive/],
      [{ rate: 1, path: 'nosuchmount/' }, /invalid mount path "nosuchmount\/"/],
      [{ rate: 1, path: 'secret/*/data' }, /'\*' may only end the path/],
      [{ rate: 1, path: 'secret/', inheritable: true }, /inheritable can only be set on a global quota/],
      [{ rate: 1, role: 'x' }, /a role quota needs the path of an auth mount/],
      [{ rate: 1, path: 'secret/', role: 'x' }, /a role quota needs the path of an auth mount/],
      [{ rate: 1, path: 'auth/userpass/', role: 'x' }, /userpass auth method .* does not name a role/],
      [{ rate: 1, block_interval: -5 }, /block_interval/],
    ]
    for (const [body, message] of refusals) {
      const reply = await t.call('POST', 'sys/quotas/rate-limit/bad', { body })
      assert.equal(reply.status, 400, JSON.stringify(body))
      assert.match(reply.body.errors[0], message, JSON.stringify(body))
    }
    assert.equal(
      (await t.call('POST', 'sys/quotas/rate-limit/bad%20name', { body: { rate: 1 } })).status,
      400,
    )
    assert.equal(
      (await t.call('POST', 'sys/quotas/rate-limit/a', { body: { rate: 9, path: 'secret/' } })).status,
      204,
    )
    const twin = await t.call('POST', 'sys/quotas/rate-limit/b', { body: { rate: 9, path: 'secret' } })
    assert.equal(twin.status, 400)
    assert.deepEqual(twin.body.errors, ['quota rule with similar properties exists under the name "a"'])
    assert.equal((await t.call('DELETE', 'sys/quotas/rate-limit/a')).status, 204)
    assert.equal((await t.call('GET', 'sys/quotas/rate-limit/bad')).status, 404)
  })

  it('reads and updates sys/quotas/config, starting from Vault’s exempt paths', async () => {
    const read = await t.call('GET', 'sys/quotas/config')
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data, {
      rate_limit_exempt_paths: [
        'sys/generate-recovery-token/attempt',
        'sys/generate-recovery-token/update',
        'sys/generate-root/attempt',
        'sys/generate-root/update',
        'sys/health',
        'sys/seal-status',
        'sys/unseal',
      ],
      enable_rate_limit_audit_logging: false,
      enable_rate_limit_response_headers: false,
    })
    const update = await t.call('POST', 'sys/quotas/config', {
      body: { enable_rate_limit_response_headers: true },
    })
    assert.equal(update.status, 204)
    const after = (await t.call('GET', 'sys/quotas/config')).body.data
    assert.equal(after.enable_rate_limit_response_headers, true)
    assert.equal(after.rate_limit_exempt_paths.length, 7, 'a field left out keeps its value')
  })

  it('answers 429 with Vault’s body and headers, keeps a blocked client out for block_interval', async () => {
    await t.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: true } })
    const quota = { path: 'secret/data/app', rate: 2, interval: '10s', block_interval: '30s' }
    assert.equal((await t.call('POST', 'sys/quotas/rate-limit/app', { body: quota })).status, 204)
    const first = await t.call('GET', 'secret/data/app')
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('x-ratelimit-limit'), '2')
    assert.equal(first.headers.get('x-ratelimit-remaining'), '1')
    assert.equal(first.headers.get('x-ratelimit-reset'), '10')
    assert.equal(first.headers.get('retry-after'), null)
    assert.equal((await t.call('GET', 'secret/data/app')).status, 200)
    const refused = await t.call('GET', 'secret/data/app', { token: 'no-such-token' })
    assert.equal(refused.status, 429)
    assert.deepEqual(refused.body, { errors: ['request path "secret/data/app": rate limit quota exceeded'] })
    assert.equal(refused.headers.get('retry-after'), '30')
    assert.equal(refused.headers.get('x-ratelimit-reset'), '30')
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0')
    // Past the window but inside the block: still refused.
    clock.advance(20)
    assert.equal((await t.call('GET', 'secret/data/app')).status, 429)
    clock.advance(11)
    assert.equal((await t.call('GET', 'secret/data/app')).status, 200)
    // Other paths of the mount are not covered by this quota.
    const other = await t.call('GET', 'secret/data/other')
    assert.equal(other.status, 404)
    assert.equal(other.headers.get('x-ratelimit-limit'), null)
    assert.equal((await t.call('DELETE', 'sys/quotas/rate-limit/app')).status, 204)
    await t.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: false } })
  })

  it('covers every path with a global quota but the exempt ones, until they are taken off the list', async () => {
    assert.equal(
      (await t.call('POST', 'sys/quotas/rate-limit/global', { body: { rate: 3, interval: '1h' } })).status,
      204,
    )
    // The quota write was not counted (it was made before the quota existed); spend the rest.
    let passed = 0
    for (let i = 0; i < 6; i++) if ((await t.call('GET', 'sys/mounts')).status === 200) passed++
    assert.equal(passed, 3)
    assert.equal((await t.call('GET', 'no/such/mount')).status, 429)
    for (let i = 0; i < 5; i++) assert.equal((await t.call('GET', 'sys/health')).status, 200)
    assert.equal((await t.call('GET', 'secret/data/app?help=1')).status, 429)
    // The quota's own endpoints are limited too; exempting them lets the operator back in.
    assert.equal((await t.call('DELETE', 'sys/quotas/rate-limit/global')).status, 429)
    clock.advance(3600)
    const exempt = await t.call('POST', 'sys/quotas/config', {
      body: { rate_limit_exempt_paths: ['sys/quotas/*', 'sys/seal-status'] },
    })
    assert.equal(exempt.status, 204)
    assert.equal((await t.call('GET', 'sys/health')).status, 200)
    assert.equal((await t.call('GET', 'sys/health')).status, 200)
    assert.equal((await t.call('GET', 'sys/health')).status, 429)
    assert.equal((await t.call('DELETE', 'sys/quotas/rate-limit/global')).status, 204)
    assert.equal((await t.call('GET', 'sys/health')).status, 200)
  })

  it('is policy-gated like other sys paths', async () => {
    const policy = 'path "secret/*" { capabilities = ["read"] }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/reader', { body: { policy } })).status, 204)
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['reader'] } })).body.auth
      .client_token
    assert.equal((await t.call('POST', 'sys/quotas/rate-limit/x', { token, body: { rate: 1 } })).status, 403)
    assert.equal((await t.call('GET', 'sys/quotas/config', { token })).status, 403)
    assert.equal((await t.call('LIST', 'sys/quotas/rate-limit', { token })).status, 403)
  })
})
