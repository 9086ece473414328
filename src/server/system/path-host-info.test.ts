// sys/host-info: Vault's sections with this host's figures, dated by the core's clock; sudo.
import assert from 'node:assert/strict'
import os from 'node:os'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../../../test/helpers/server.ts'
import { PermissionDeniedError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'

describe('sys/host-info', () => {
  let t: TestCore
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  before(async () => {
    t = await unsealedCore({ clock })
  })
  after(() => t.close())

  it("answers Vault's sections with this host's figures", async () => {
    const data = (await runPipeline(t.services, request('read', 'sys/host-info', t.rootToken)))!.data!
    assert.deepEqual(Object.keys(data).sort(), ['cpu', 'cpu_times', 'disk', 'host', 'memory', 'timestamp'])
    assert.equal(data['timestamp'], '2026-06-01T08:00:00.000000000Z')
    const cpu = data['cpu'] as { cpu: number; modelName: string }[]
    assert.equal(cpu.length, os.cpus().length)
    assert.deepEqual(
      cpu.map((c) => c.cpu),
      os.cpus().map((_, i) => i),
    )
    const times = data['cpu_times'] as { cpu: string; user: number; idle: number }[]
    assert.equal(times[0]!.cpu, 'cpu0')
    assert.ok(times[0]!.user >= 0 && times[0]!.idle > 0)
    const host = data['host'] as Record<string, unknown>
    assert.equal(host['hostname'], os.hostname())
    assert.equal(host['kernelVersion'], os.release())
    assert.equal(host['os'], os.platform())
    const memory = data['memory'] as Record<string, number>
    assert.equal(memory['total'], os.totalmem())
    assert.equal(memory['used']! + memory['free']!, memory['total'])
    assert.ok(memory['usedPercent']! > 0 && memory['usedPercent']! < 100)
    const [root] = data['disk'] as Record<string, number | string>[]
    assert.equal(root!['path'], '/')
    assert.ok((root!['total'] as number) > 0)
    assert.ok((root!['free'] as number) <= (root!['total'] as number))
  })

  it('needs sudo', async () => {
    await runPipeline(
      t.services,
      request('update', 'sys/policies/acl/host', t.rootToken, {
        policy: 'path "sys/host-info" { capabilities = ["read"] }',
      }),
    )
    const token = (await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { policies: ['host'] }),
    ))!.auth!.client_token
    await assert.rejects(
      runPipeline(t.services, request('read', 'sys/host-info', token)),
      PermissionDeniedError,
    )
  })
})
