// sys/rotate/config through the pipeline: Vault's shape, bounds, sudo, and the keyring rotating on its own when due.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../../../test/helpers/server.ts'
import { silentLogger } from '../../lib/logger.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../sdk/errors.ts'
import { getJson, putJson } from '../../sdk/storage.ts'
import { Core } from '../core/core.ts'
import { runPipeline } from '../core/handle-request.ts'
import { USAGE_KEY } from '../core/keyring-rotation.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { memoryCore, request } from '../core/pipeline/test-helpers.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { authMethods, secretEngines } from '../registry.ts'
import { createSystemBackend } from './backend.ts'

describe('sys/rotate/config', () => {
  let core: Core
  let rootToken: string
  const clock = new ManualClock()
  const call = (operation: LogicalRequest['operation'], data: Record<string, unknown> = {}, token?: string) =>
    runPipeline(core.services, request(operation, 'sys/rotate/config', token ?? rootToken, data))

  before(async () => {
    core = memoryCore({ clock })
    await core.start()
    const made = await core.initialize(1, 1, { stayUnsealed: true })
    rootToken = made.rootToken
    await core.services.mounts.mount('secret', { path: 'secret/', type: 'kv', options: { version: '2' } })
  })
  after(() => core.close())

  it("reads Vault's defaults: enabled, just under 2^32 operations, no interval", async () => {
    assert.deepEqual((await call('read'))!.data, { max_operations: 3865470566, enabled: true, interval: 0 })
  })

  it('needs sudo', async () => {
    await runPipeline(
      core.services,
      request('update', 'sys/policies/acl/rotate-plain', rootToken, {
        policy: 'path "sys/rotate/config" { capabilities = ["read", "update"] }',
      }),
    )
    const token = (await runPipeline(
      core.services,
      request('update', 'auth/token/create', rootToken, { policies: ['rotate-plain'] }),
    ))!.auth!.client_token
    await assert.rejects(call('read', {}, token), PermissionDeniedError)
    await assert.rejects(call('update', { enabled: false }, token), PermissionDeniedError)
    assert.equal(core.services.keyRotation.config.enabled, true)
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
    await runPipeline(core.services, request('update', 'secret/data/before', rootToken, { data: { v: '1' } }))
    const term = core.barrier.keyStatus().term
    clock.advance(23 * 3600)
    assert.equal(await core.services.keyRotation.check(), false)
    assert.equal(core.barrier.keyStatus().term, term)
    clock.advance(3600)
    assert.equal(await core.services.keyRotation.check(), true)
    const status = core.barrier.keyStatus()
    assert.equal(status.term, term + 1)
    assert.equal(status.installTime, clock.now())
    assert.equal(await core.services.keyRotation.check(), false, 'the new term is not due')
    const read = await runPipeline(core.services, request('read', 'secret/data/before', rootToken))
    assert.deepEqual((read!.data as { data: unknown }).data, { v: '1' })
  })
})

describe('sys/rotate/config across runs', () => {
  function coreOn(physical: MemoryStorage): Core {
    return new Core({
      physical,
      storageType: 'inmem',
      logger: silentLogger,
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 7200,
      registry: { secret: secretEngines, auth: authMethods },
      systemBackend: (services) => createSystemBackend(services),
    })
  }

  it('max_operations counts the encryptions of earlier runs too', async () => {
    const physical = new MemoryStorage()
    const first = coreOn(physical)
    await first.start()
    const { rootToken, shares } = await first.initialize(1, 1, { stayUnsealed: true })
    await first.services.mounts.mount('secret', { path: 'secret/', type: 'kv', options: { version: '2' } })
    await runPipeline(
      first.services,
      request('update', 'sys/rotate/config', rootToken, { max_operations: 1_000_000 }),
    )
    for (let i = 0; i < 5; i++)
      await runPipeline(first.services, request('update', `secret/data/a${i}`, rootToken, { data: { i } }))
    const counted = (await runPipeline(first.services, request('read', 'sys/key-status', rootToken)))!.data!
    assert.ok((counted['encryptions'] as number) >= 5)
    const term = first.barrier.keyStatus().term
    // Stopping stores the count; the next run goes on from it.
    await first.close()
    const stored = await getJson<{ term: number; encryptions: number }>(first.barrier, USAGE_KEY)
    assert.equal(stored!.term, term)
    assert.ok(stored!.encryptions >= (counted['encryptions'] as number))
    // As if earlier runs had encrypted all but a few under this term.
    await putJson(first.barrier, USAGE_KEY, { term, encryptions: 999_995 })

    const second = coreOn(physical)
    await second.start()
    assert.equal(await second.unseal(Buffer.from(shares[0]!)), true)
    const status = (await runPipeline(second.services, request('read', 'sys/key-status', rootToken)))!.data!
    assert.ok((status['encryptions'] as number) >= 999_995)
    assert.ok((status['encryptions'] as number) < 1_000_000)
    assert.equal(await second.services.keyRotation.check(), false)
    for (let i = 0; i < 5; i++)
      await runPipeline(second.services, request('update', `secret/data/b${i}`, rootToken, { data: { i } }))
    assert.equal(await second.services.keyRotation.check(), true)
    assert.equal(second.barrier.keyStatus().term, term + 1)
    const after = (await runPipeline(second.services, request('read', 'sys/key-status', rootToken)))!.data!
    assert.ok((after['encryptions'] as number) < 5)
    const read = await runPipeline(second.services, request('read', 'secret/data/a0', rootToken))
    assert.deepEqual((read!.data as { data: unknown }).data, { i: 0 })
    await second.close()
  })
})
