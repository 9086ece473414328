// The adapter's handlers on narrow views of the core: raw sys/, the key ceremonies and help get only what they use.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { silentLogger } from '../../lib/logger.ts'
import { PermissionDeniedError } from '../../sdk/errors.ts'
import { type HelpServices, handleHelp } from '../core/handle-help.ts'
import { runPipeline } from '../core/handle-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'
import { dispatch } from './dispatch.ts'
import type { HttpResult } from './http-types.ts'
import { type CeremonyCore, handleCeremony } from './sys-ceremony.ts'
import { handleRawSys, type RawSysCore } from './sys-raw.ts'

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
const json = (res: HttpResult): any => JSON.parse(Buffer.from(res.body).toString('utf8'))

describe('http handlers on narrow views', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('raw sys/ endpoints need only the seal lifecycle', async () => {
    const core = t.core
    // Exactly the members RawSysCore lists, read through to the real core.
    const view: RawSysCore = {
      get initialized() {
        return core.initialized
      },
      get sealed() {
        return core.sealed
      },
      get standby() {
        return core.standby
      },
      ha: core.ha,
      standbyReader: core.standbyReader,
      refreshInitialized: () => core.refreshInitialized(),
      initialize: (shares, threshold) => core.initialize(shares, threshold),
      unseal: (share) => core.unseal(share),
      storageType: core.storageType,
      clusterName: core.clusterName,
      clusterId: core.clusterId,
      clock: core.clock,
      seal: core.seal,
    }
    const status = json(await handleRawSys(view, 'sys/seal-status', 'GET', {}, new URLSearchParams()))
    assert.equal(status.sealed, false)
    assert.equal(status.initialized, true)
    assert.equal(status.t, 1)
    assert.equal(status.n, 1)
    assert.equal(status.storage_type, 'inmem')
    assert.equal(status.cluster_id, core.clusterId)
    const health = await handleRawSys(view, 'sys/health', 'GET', {}, new URLSearchParams())
    assert.equal(health.status, 200)
    assert.equal(json(health).server_time_utc, Math.floor(core.clock.now() / 1000))
  })

  it('the ceremonies need only themselves, the clock, the audit broker and the audited headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-ceremony-view-'))
    const file = join(dir, 'audit.log')
    try {
      await runPipeline(
        t.services,
        request('update', 'sys/audit/file', t.rootToken, { type: 'file', options: { file_path: file } }),
      )
      const view: CeremonyCore = {
        rootGeneration: t.core.rootGeneration,
        rekey: t.core.rekey,
        clock: t.core.clock,
        sealed: false,
        services: { audit: t.services.audit, auditedHeaders: t.services.auditedHeaders },
      }
      const res = await handleCeremony(view, {
        id: 'ceremony-view-1',
        path: 'sys/generate-root/attempt',
        method: 'GET',
        data: {},
        headers: {},
        remoteAddress: '127.0.0.1',
      })
      assert.equal(res.status, 200)
      assert.equal(json(res).started, false)
      const audited = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.includes('ceremony-view-1'))
        .map((line) => JSON.parse(line).type)
      assert.deepEqual(audited, ['request', 'response'])
    } finally {
      await runPipeline(t.services, request('delete', 'sys/audit/file', t.rootToken))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('help needs only mounts, tokens, identity, audit, the audited headers and the clock', async () => {
    const { mounts, tokens, identity, audit, auditedHeaders, clock } = t.services
    const view: HelpServices = { mounts, tokens, identity, audit, auditedHeaders, clock }
    const req = (token: string) => {
      const { operation: _operation, ...rest } = request('read', 'secret/data/x', token)
      return rest
    }
    const body = await handleHelp(view, req(t.rootToken), 'v-test')
    assert.equal(typeof body.help, 'string')
    assert.notEqual(body.help, '')
    await assert.rejects(handleHelp(view, req(''), 'v-test'), PermissionDeniedError)
  })
})

describe('dispatch while sealed', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
    await t.core.sealVault()
  })
  after(() => t.close())

  const call = (url: string) =>
    dispatch(
      { core: t.core, logger: silentLogger },
      {
        method: 'GET',
        url,
        headers: { 'x-vault-token': t.rootToken },
        body: Buffer.alloc(0),
        remoteAddress: '127.0.0.1',
      },
    )

  it('answers help and the pipeline 503, and seal-status still', async () => {
    assert.equal((await call('/v1/secret/data/x?help=1')).status, 503)
    assert.equal((await call('/v1/secret/data/x')).status, 503)
    const status = await call('/v1/sys/seal-status')
    assert.equal(status.status, 200)
    assert.equal(json(status).sealed, true)
  })
})
