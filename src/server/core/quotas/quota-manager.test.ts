// QuotaManager: the most specific quota wins, conflicts are refused, exempt paths, and what survives a reload.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStorage } from '../../physical/memory.ts'
import { QuotaManager, type QuotaTarget, type StoredQuota } from './quota-manager.ts'

function quota(name: string, path: string, mount: string | undefined, rate: number, role = ''): StoredQuota {
  return {
    name,
    path,
    role,
    rate,
    interval: 3600,
    block_interval: 0,
    inheritable: path === '',
    ...(mount === undefined ? {} : { mount }),
  }
}

const target = (path: string, mount: string | undefined, role?: string): QuotaTarget => ({
  path,
  mount,
  role: () => role,
  client: '192.0.2.1',
})

/** The name of the quota that answers for `t`, spending one of its requests. */
const winner = (quotas: QuotaManager, t: QuotaTarget) => quotas.check(t, 0)?.quota.name

describe('QuotaManager', () => {
  it('is empty until a quota is written, and covers nothing then', async () => {
    const quotas = new QuotaManager(new MemoryStorage())
    await quotas.load()
    assert.equal(quotas.empty, true)
    assert.equal(quotas.check(target('secret/data/a', 'secret/'), 0), undefined)
  })

  it('answers with the most specific quota: role, exact path, longest prefix, mount, global', async () => {
    const quotas = new QuotaManager(new MemoryStorage())
    await quotas.put(quota('global', '', undefined, 100))
    await quotas.put(quota('kv', 'secret/', 'secret/', 100))
    await quotas.put(quota('kv-app', 'secret/data/app/*', 'secret/', 100))
    await quotas.put(quota('kv-app-db', 'secret/data/app/db*', 'secret/', 100))
    await quotas.put(quota('kv-one', 'secret/data/app/db', 'secret/', 100))
    await quotas.put(quota('jwt-ci', 'auth/jwt/', 'auth/jwt/', 100, 'ci'))
    assert.equal(quotas.empty, false)
    assert.equal(winner(quotas, target('sys/mounts', 'sys/')), 'global')
    assert.equal(winner(quotas, target('nowhere/at/all', undefined)), 'global')
    assert.equal(winner(quotas, target('secret/config', 'secret/')), 'kv')
    assert.equal(winner(quotas, target('secret/data/app/web', 'secret/')), 'kv-app')
    assert.equal(winner(quotas, target('secret/data/app/db2', 'secret/')), 'kv-app-db')
    assert.equal(winner(quotas, target('secret/data/app/db', 'secret/')), 'kv-one')
    assert.equal(winner(quotas, target('auth/jwt/login', 'auth/jwt/', 'ci')), 'jwt-ci')
    assert.equal(winner(quotas, target('auth/jwt/login', 'auth/jwt/', 'deploy')), 'global')
    await quotas.delete('kv-app-db')
    assert.equal(winner(quotas, target('secret/data/app/db2', 'secret/')), 'kv-app')
  })

  it('asks for a login role only when the mount has role quotas', async () => {
    const quotas = new QuotaManager(new MemoryStorage())
    await quotas.put(quota('kv', 'secret/', 'secret/', 100))
    let asked = 0
    quotas.check({ ...target('auth/jwt/login', 'auth/jwt/'), role: () => `${asked++}` }, 0)
    assert.equal(asked, 0)
  })

  it('refuses a second quota on the same scope, and lets a quota be rewritten in place', async () => {
    const quotas = new QuotaManager(new MemoryStorage())
    await quotas.put(quota('a', 'secret/', 'secret/', 1))
    await assert.rejects(quotas.put(quota('b', 'secret/', 'secret/', 5)), {
      status: 400,
      message: 'quota rule with similar properties exists under the name "a"',
    })
    await quotas.put(quota('a', 'secret/', 'secret/', 2))
    assert.equal(quotas.get('a')?.rate, 2)
    assert.deepEqual(quotas.names(), ['a'])
  })

  it('counts each client address on its own and refuses past the rate', async () => {
    const quotas = new QuotaManager(new MemoryStorage())
    await quotas.put(quota('g', '', undefined, 2))
    const from = (client: string) => quotas.check({ ...target('secret/x', 'secret/'), client }, 0)!.verdict
    assert.deepEqual([from('a').allowed, from('a').allowed, from('a').allowed], [true, true, false])
    assert.equal(from('b').allowed, true)
  })

  it('leaves exempt paths alone: the defaults, then the operator’s list with prefixes', async () => {
    const quotas = new QuotaManager(new MemoryStorage())
    await quotas.put(quota('g', '', undefined, 1))
    assert.equal(quotas.check(target('sys/health', 'sys/'), 0), undefined)
    assert.equal(quotas.check(target('sys/generate-root/attempt', 'sys/'), 0), undefined)
    await quotas.setConfig({
      rate_limit_exempt_paths: ['secret/data/ci/*', 'sys/mounts', '!sys/mounts/kept'],
      enable_rate_limit_audit_logging: false,
      enable_rate_limit_response_headers: true,
    })
    assert.equal(quotas.check(target('secret/data/ci/token', 'secret/'), 0), undefined)
    assert.equal(quotas.check(target('sys/mounts', 'sys/'), 0), undefined)
    assert.ok(quotas.check(target('sys/health', 'sys/'), 0))
    // As in Vault, every entry is a prefix, and a '!' entry carves an exception out of a shorter one.
    assert.equal(quotas.check(target('sys/mounts/x', 'sys/'), 0), undefined)
    assert.ok(quotas.check(target('sys/mounts/kept', 'sys/'), 0))
  })

  it('moves a mount’s quotas with it, stored, and a rate of 7.7 allows 8', async () => {
    const storage = new MemoryStorage()
    const quotas = new QuotaManager(storage)
    await quotas.put(quota('m', 'kv1/', 'kv1/', 7.7))
    await quotas.put(quota('p', 'kv1/a/*', 'kv1/', 1))
    await quotas.put(quota('other', 'kv10/', 'kv10/', 1))
    await quotas.moveMount('kv1/', 'kv2/')
    assert.deepEqual([quotas.get('m')?.path, quotas.get('m')?.mount], ['kv2/', 'kv2/'])
    assert.equal(quotas.get('p')?.path, 'kv2/a/*')
    assert.equal(quotas.get('other')?.path, 'kv10/')
    assert.equal(winner(quotas, target('kv1/x', 'kv1/')), undefined)
    assert.equal(winner(quotas, target('kv2/a/b', 'kv2/')), 'p')
    assert.equal(quotas.check(target('kv2/x', 'kv2/'), 0)?.verdict.limit, 8)
    const reloaded = new QuotaManager(storage)
    await reloaded.load()
    assert.equal(reloaded.get('p')?.path, 'kv2/a/*')
  })

  it('keeps quotas and the config in its storage: a new manager on it loads them', async () => {
    const storage = new MemoryStorage()
    const first = new QuotaManager(storage)
    await first.put(quota('kv', 'secret/', 'secret/', 3))
    await first.put(quota('jwt-ci', 'auth/jwt/', 'auth/jwt/', 1, 'ci'))
    await first.setConfig({
      rate_limit_exempt_paths: [],
      enable_rate_limit_audit_logging: true,
      enable_rate_limit_response_headers: true,
    })
    await first.deleteForMount('auth/jwt/')
    const second = new QuotaManager(storage)
    await second.load()
    assert.deepEqual(second.names(), ['kv'])
    assert.deepEqual(second.get('kv'), first.get('kv'))
    assert.equal(second.config.enable_rate_limit_audit_logging, true)
    assert.deepEqual(second.config.rate_limit_exempt_paths, [])
    // Loading again (an HA standby after the active node's change) replaces what was in force.
    await first.delete('kv')
    await first.put(quota('global', '', undefined, 1))
    await second.load()
    assert.deepEqual(second.names(), ['global'])
    assert.equal(winner(second, target('secret/a', 'secret/')), 'global')
  })
})
