// sys/version-history: each version recorded once at its first unseal, oldest first, each naming its predecessor.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '../../../test/helpers/server.ts'
import { silentLogger } from '../../lib/logger.ts'
import { Core } from '../core/core.ts'
import { runPipeline } from '../core/handle-request.ts'
import { request } from '../core/pipeline/test-helpers.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { authMethods, secretEngines } from '../registry.ts'
import { createSystemBackend } from './backend.ts'

function coreAt(physical: MemoryStorage, clock: ManualClock, version: string): Core {
  return new Core({
    clock,
    version,
    physical,
    storageType: 'inmem',
    logger: silentLogger,
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 7200,
    registry: { secret: secretEngines, auth: authMethods },
    systemBackend: (services) => createSystemBackend(services),
  })
}

describe('sys/version-history', () => {
  it('records the version at init and each new version at its first unseal, never rewriting one', async () => {
    const physical = new MemoryStorage()
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    const first = coreAt(physical, clock, '1.17.0+coffer.0.1.0')
    await first.start()
    const { rootToken, shares } = await first.initialize(1, 1, { stayUnsealed: true })
    const list = (core: Core, path = 'sys/version-history/') =>
      runPipeline(core.services, request('list', path, rootToken))
    assert.deepEqual((await list(first))!.data, {
      keys: ['1.17.0+coffer.0.1.0'],
      key_info: {
        '1.17.0+coffer.0.1.0': {
          previous_version: null,
          timestamp_installed: '2026-01-01T00:00:00.000000000Z',
          build_date: '',
        },
      },
    })
    await first.close()

    clock.advance(86_400)
    const second = coreAt(physical, clock, '1.17.0+coffer.0.2.0')
    await second.start()
    assert.equal(await second.unseal(Buffer.from(shares[0]!)), true)
    // Unsealed again by the same version: its first timestamp stays.
    await second.sealVault()
    clock.advance(3600)
    assert.equal(await second.unseal(Buffer.from(shares[0]!)), true)
    const answer = (await list(second, 'sys/version-history'))!.data!
    assert.deepEqual(answer['keys'], ['1.17.0+coffer.0.1.0', '1.17.0+coffer.0.2.0'])
    assert.deepEqual((answer['key_info'] as Record<string, unknown>)['1.17.0+coffer.0.2.0'], {
      previous_version: '1.17.0+coffer.0.1.0',
      timestamp_installed: '2026-01-02T00:00:00.000000000Z',
      build_date: '',
    })
    await second.close()
  })

  it('a default-policy token may not list it (no rule grants it)', async () => {
    const physical = new MemoryStorage()
    const core = coreAt(physical, new ManualClock(), '1.17.0+coffer.0.1.0')
    await core.start()
    const { rootToken } = await core.initialize(1, 1, { stayUnsealed: true })
    const created = await runPipeline(
      core.services,
      request('update', 'auth/token/create', rootToken, { policies: ['default'] }),
    )
    await assert.rejects(
      runPipeline(core.services, request('list', 'sys/version-history/', created!.auth!.client_token)),
      { status: 403 },
    )
    await core.close()
  })
})
