// sys/ paths built from narrow views of core's services: capabilities-self, wrapping and policies, in process.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'
import { policyPaths } from './path-policies.ts'

describe('sys/ on narrow views', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('policy paths need only the policy store', () => {
    const paths = policyPaths({ policies: t.services.policies })
    assert.ok(paths.length > 0)
  })

  it("capabilities-self answers for the caller's own token, passed as a typed request field", async () => {
    const out = await runPipeline(
      t.services,
      request('update', 'sys/capabilities-self', t.rootToken, { paths: ['secret/data/x'] }),
    )
    assert.deepEqual(out?.data?.['capabilities'], ['root'])
  })

  it('sys/wrapping/wrap answers only wrap_info, and the token unwraps once', async () => {
    const wrapped = await runPipeline(t.services, {
      ...request('update', 'sys/wrapping/wrap', t.rootToken, { a: 'b' }),
      headers: { 'x-vault-wrap-ttl': '60' },
    })
    const token = wrapped?.wrapInfo?.token
    assert.ok(token)
    assert.equal(wrapped?.data, undefined)
    const unwrapped = await runPipeline(
      t.services,
      request('update', 'sys/wrapping/unwrap', t.rootToken, { token }),
    )
    assert.deepEqual(unwrapped?.data, { a: 'b' })
    await assert.rejects(
      runPipeline(t.services, request('update', 'sys/wrapping/unwrap', t.rootToken, { token })),
      InvalidRequestError,
    )
  })

  it('auth/token/renew-self answers the renewed token as its auth block', async () => {
    const created = await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { ttl: '1h', policies: ['default'] }),
    )
    const token = created!.auth!.client_token
    const renewed = await runPipeline(t.services, request('update', 'auth/token/renew-self', token))
    assert.equal(renewed?.auth?.client_token, token)
  })
})
