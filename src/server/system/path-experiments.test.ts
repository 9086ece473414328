// sys/experiments: Vault's shape, with nothing available and nothing enabled.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runPipeline } from '../core/handle-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'

describe('sys/experiments', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('lists no available and no enabled experiments', async () => {
    const answer = await runPipeline(t.services, request('read', 'sys/experiments', t.rootToken))
    assert.deepEqual(answer!.data, { available: [], enabled: [] })
  })
})
