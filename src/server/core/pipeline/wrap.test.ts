// The wrap stage in process: a wrap TTL turns the answer into a single-use wrapping token, and only then.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { runPipeline } from '../handle-request.ts'
import type { CoreResponse, LogicalRequest } from '../logical-request.ts'
import { request, type TestCore, unsealedCore } from './test-helpers.ts'
import { wrapIfAsked } from './wrap.ts'

/** A request as the adapter builds it with X-Vault-Wrap-TTL set (seconds). */
function wrapped(req: LogicalRequest, wrapTtl: number): LogicalRequest {
  return { ...req, wrapTtl }
}

describe('pipeline stage: wrap', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  const unwrap = (token: string) =>
    runPipeline(t.services, request('update', 'sys/wrapping/unwrap', t.rootToken, { token }))

  it('replaces the answer by a wrapping token with the asked TTL and the request path', async () => {
    const req = wrapped(request('read', 'secret/data/app', t.rootToken), 120)
    const out = await wrapIfAsked(t.services, req, 'secret/data/app', { data: { password: 'p' } })
    assert.deepEqual(Object.keys(out ?? {}), ['wrapInfo'], 'nothing of the answer is left beside the token')
    const info = out!.wrapInfo!
    assert.equal(info.ttl, 120)
    assert.equal(info.creation_path, 'secret/data/app')
    assert.equal(info.wrapped_accessor, undefined)
    const entry = await t.services.tokens.lookup(info.token)
    assert.deepEqual(entry?.policies, ['response-wrapping'])
    assert.equal(entry?.numUses, 1)
    assert.equal(entry?.accessor, info.accessor)
    assert.equal(entry?.path, 'secret/data/app')
    assert.deepEqual((await unwrap(info.token))?.data, { password: 'p' })
    await assert.rejects(unwrap(info.token), InvalidRequestError, 'the token unwraps once')
  })

  it("a LIST's creation path has no trailing slash, and the TTL is capped at the core's max lease TTL", async () => {
    const req = wrapped(request('list', 'secret/metadata', t.rootToken), 100_000)
    const out = await wrapIfAsked(t.services, req, 'secret/metadata/', { data: { keys: ['a'] } })
    assert.equal(out?.wrapInfo?.creation_path, 'secret/metadata')
    assert.equal(t.services.maxLeaseTtl, 7200)
    assert.equal(out?.wrapInfo?.ttl, 7200)
  })

  it('leaves the answer alone when no wrap is asked, when there is none, or when it must not be wrapped', async () => {
    const plain: CoreResponse = { data: { a: 1 } }
    const noWrap = request('read', 'secret/data/app', t.rootToken)
    assert.equal(await wrapIfAsked(t.services, noWrap, 'secret/data/app', plain), plain)
    assert.equal(await wrapIfAsked(t.services, wrapped(noWrap, 0), 'secret/data/app', plain), plain)
    const ask = wrapped(noWrap, 60)
    assert.equal(await wrapIfAsked(t.services, ask, 'secret/data/app', undefined), undefined)
    // Nor is an answer that is a bare 204 (a KV v1 write): Vault has no response to wrap.
    const empty: CoreResponse = {}
    assert.equal(await wrapIfAsked(t.services, ask, 'kv/app', empty), empty)
    // An answer that is already a wrapping token is not wrapped again.
    const already: CoreResponse = {
      wrapInfo: { token: 't', accessor: 'a', ttl: 5, creation_time: '', creation_path: 'sys/wrapping/wrap' },
    }
    assert.equal(await wrapIfAsked(t.services, ask, 'sys/wrapping/wrap', already), already)
    // A raw answer (bytes with their own content type) is sent as it is.
    const raw: CoreResponse = { raw: { status: 200, contentType: 'text/plain', body: 'x' } }
    assert.equal(await wrapIfAsked(t.services, ask, 'sys/metrics', raw), raw)
  })

  it("through the pipeline, a login's wrapped answer names the wrapped token's accessor and unwraps to it", async () => {
    const out = await runPipeline(
      t.services,
      wrapped(request('update', 'auth/token/create', t.rootToken, { policies: ['default'] }), 300),
    )
    assert.equal(out?.auth, undefined, 'the new token is only inside the wrapping')
    const info = out!.wrapInfo!
    assert.equal(info.ttl, 300)
    assert.equal(info.creation_path, 'auth/token/create')
    const inner = await unwrap(info.token)
    const created = inner?.auth?.client_token
    assert.ok(created)
    assert.equal(info.wrapped_accessor, inner?.auth?.accessor)
    assert.equal((await t.services.tokens.lookup(created))?.accessor, info.wrapped_accessor)
  })
})
