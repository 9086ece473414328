// sys/reports/compliance through the pipeline: its narrow view, the ACL, and 400s for a bad window or max age.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { InvalidRequestError, PermissionDeniedError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'
import { reportPaths } from './path-reports.ts'

describe('sys/reports/compliance', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('is built from its narrow view alone', () => {
    const s = t.services
    const paths = reportPaths(
      {
        mounts: s.mounts,
        expiration: s.expiration,
        tokens: s.tokens,
        audit: s.audit,
        clock: s.clock,
        barrier: t.core.barrier,
      },
      'v',
    )
    assert.equal(paths.length, 1)
  })

  it('answers the report with its window and max age', async () => {
    const out = await runPipeline(
      t.services,
      request('read', 'sys/reports/compliance', t.rootToken, { since: '7d', max_age: '30d' }),
    )
    assert.equal(out?.data?.['max_age_seconds'], 30 * 86_400)
    assert.equal((out?.data?.['window'] as { seconds: number } | undefined)?.seconds, 7 * 86_400)
  })

  it('refuses a malformed, zero or too long window and max age with a 400', async () => {
    for (const data of [{ since: 'forever' }, { since: '0s' }, { since: '400d' }, { max_age: '-1d' }])
      await assert.rejects(
        runPipeline(t.services, request('read', 'sys/reports/compliance', t.rootToken, data)),
        InvalidRequestError,
        JSON.stringify(data),
      )
  })

  it('needs read on the path: the default policy does not grant it', async () => {
    const created = await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { policies: ['default'] }),
    )
    await assert.rejects(
      runPipeline(t.services, request('read', 'sys/reports/compliance', created!.auth!.client_token)),
      PermissionDeniedError,
    )
  })
})
