// sys/rotate/config through the pipeline: Vault's shape, bounds, sudo, and the keyring rotating on its own when due.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../../../test/helpers/server.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'

describe('sys/rotate/config', () => {
  let t: TestCore
  const clock = new ManualClock()
  const call = (operation: LogicalRequest['operation'], data: Record<string, unknown> = {}, token?: string) =>
    runPipeline(t.services, request(operation, 'sys/rotate/config', token ?? t.rootToken, data))

  before(async () => {
    t = await unsealedCore({ clock })
  })
  after(() => t.close())

  it("reads Vault's defaults: enabled, just under 2^32 operations, no interval", async () => {
    assert.deepEqual((await call('read'))!.data, { max_operations: 3865470566, enabled: true, interval: 0 })
  })

  it('needs sudo', async () => {
    await runPipeline(
      t.services,
      request('update', 'sys/policies/acl/rotate-plain', t.rootToken, {
        policy: 'path "sys/rotate/config" { capabilities = ["read", "update"] }',
      }),
    )
    const token = (await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { policies: ['rotate-plain'] }),
    ))!.auth!.client_token
    await assert.rejects(call('read', {}, token), PermissionDeniedError)
    await assert.rejects(call('update', { enabled: false }, token), PermissionDeniedError)
    assert.equal(t.services.keyRotation.config.enabled, true)
  })

  it('changes only the fields given; the interval reads back as a Go duration', async () => {
    await call('update', { max_operations: 2000000000, interval: '4320h' })
    assert.deepEqual((await call('read'))!.data, {
      max_operations: 2000000000,
      enabled: true,
      interval: '4320h0m0s',
    })
    await call('update', { enabled: 'false' })
    assert.deepEqual((await call('read'))!.data, {
      max_operations: 2000000000,
      enabled: false,
      interval: '4320h0m0s',
    })
    await call('update', { enabled: true, interval: 0 })
    assert.deepEqual((await call('read'))!.data, { max_operations: 2000000000, enabled: true, interval: 0 })
  })

  it('bad values are a 400 and change nothing', async () => {
    const before = (await call('read'))!.data
    for (const [data, message] of [
      [{ max_operations: 5 }, /max_operations must be between/],
      [{ max_operations: '1e20' }, /max_operations/],
      [{ interval: '1h' }, /interval must be 0 or at least 24h/],
      [{ interval: 'soon' }, /interval/],
      [{ enabled: 'maybe' }, /enabled/],
      [{ max_operations: 2000000, interval: '2h' }, /interval/],
    ] as const)
      await assert.rejects(call('update', { ...data }), (error: unknown) => {
        assert.ok(error instanceof InvalidRequestError, String(error))
        assert.match(error.message, message)
        return true
      })
    assert.deepEqual((await call('read'))!.data, before)
  })

  it('the active node rotates the keyring once its term is interval old, and the new term is readable', async () => {
    await call('update', { interval: '24h' })
    await runPipeline(t.services, request('update', 'secret/data/before', t.rootToken, { data: { v: '1' } }))
    const term = t.core.barrier.keyStatus().term
    clock.advance(23 * 3600)
    assert.equal(await t.services.keyRotation.check(), false)
    assert.equal(t.core.barrier.keyStatus().term, term)
    clock.advance(3600)
    assert.equal(await t.services.keyRotation.check(), true)
    const status = t.core.barrier.keyStatus()
    assert.equal(status.term, term + 1)
    assert.equal(status.installTime, clock.now())
    assert.equal(await t.services.keyRotation.check(), false, 'the new term is not due')
    const read = await runPipeline(t.services, request('read', 'secret/data/before', t.rootToken))
    assert.deepEqual((read!.data as { data: unknown }).data, { v: '1' })
  })
})
