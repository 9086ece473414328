// In-process tests of the pipeline stages against an unsealed core on memory storage.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { NotFoundError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { runPipeline } from '../handle-request.ts'
import { authOf } from '../logical-request.ts'
import { requestAudit } from './audit.ts'
import { authenticate } from './authenticate.ts'
import { authorise } from './authorise.ts'
import { grant, ungranted } from './grant.ts'
import { routeRequest } from './route.ts'
import { request, type TestCore, unsealedCore } from './test-helpers.ts'

describe('pipeline stages', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('route: longest prefix, relative path, a LIST path ends with a slash, an unknown mount is 404', () => {
    const routed = routeRequest(t.services, request('list', 'secret/metadata', ''))
    assert.equal(routed.path, 'secret/metadata/')
    assert.equal(routed.route.entry.path, 'secret/')
    assert.equal(routed.backendRequest.path, 'metadata/')
    assert.equal(routed.backendRequest.caller, undefined)
    assert.throws(() => routeRequest(t.services, request('read', 'nowhere/x', '')), NotFoundError)
    assert.equal(routeRequest(t.services, request('update', 'auth/token/create', '')).unauthenticated, false)
  })

  it('authenticate: engines get a caller without the token; core backends also get the token', async () => {
    const engine = routeRequest(t.services, request('read', 'secret/data/a', t.rootToken))
    const auth = await authenticate(t.services, request('read', 'secret/data/a', t.rootToken), engine)
    assert.ok(auth)
    assert.deepEqual(engine.backendRequest.caller?.policies, ['root'])
    assert.equal(authOf(engine.backendRequest), undefined)
    assert.ok(!JSON.stringify(engine.backendRequest).includes(t.rootToken))
    const own = routeRequest(t.services, request('read', 'auth/token/lookup-self', t.rootToken))
    await authenticate(t.services, request('read', 'auth/token/lookup-self', t.rootToken), own)
    assert.equal(authOf(own.backendRequest)?.token, t.rootToken)
    const none = routeRequest(t.services, request('read', 'secret/data/a', 'cvs.unknown'))
    assert.equal(
      await authenticate(t.services, request('read', 'secret/data/a', 'cvs.unknown'), none),
      undefined,
    )
  })

  it('authorise: no token is 403; a one-use token spends its use and is marked for revocation', async () => {
    const anonymous = request('read', 'secret/data/a', '')
    const routed = routeRequest(t.services, anonymous)
    const audit = requestAudit(t.services, anonymous, routed, undefined)
    await assert.rejects(
      async () => authorise(t.services, anonymous, routed, undefined, audit),
      PermissionDeniedError,
    )

    const created = await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { num_uses: 1, policies: ['root'] }),
    )
    const token = created!.auth!.client_token
    const req = request('read', 'secret/data/a', token)
    const once = routeRequest(t.services, req)
    const auth = await authenticate(t.services, req, once)
    const acl = await authorise(t.services, req, once, auth, requestAudit(t.services, req, once, auth))
    assert.ok(acl?.isRoot)
    assert.equal(auth?.lastUse, true)
  })

  it('authorise: an update of a missing path becomes a create', async () => {
    const req = request('update', 'secret/data/new', t.rootToken, { data: { a: 1 } })
    const routed = routeRequest(t.services, req)
    const auth = await authenticate(t.services, req, routed)
    await authorise(t.services, req, routed, auth, requestAudit(t.services, req, routed, auth))
    assert.equal(routed.backendRequest.operation, 'create')
  })

  it("lease: only core's own backends may answer with a minted token, a lease or a wrapped response", async () => {
    const minted = { client_token: 'x' } as never
    const engine = routeRequest(t.services, request('read', 'secret/data/a', ''))
    const forged = await grant(
      t.services,
      engine,
      { data: { a: 1 }, issuedAuth: minted, leaseInfo: { leaseId: 'l', ttl: 1, renewable: false } },
      undefined,
    )
    assert.deepEqual(forged, { data: { a: 1 } })
    // Nor name the request id its envelope shows: only core's own unwrap gives back the original one.
    const renamed = await grant(
      t.services,
      engine,
      { data: { a: 1 }, unwrappedRequestId: 'other', requestId: 'other' } as never,
      undefined,
    )
    assert.deepEqual(renamed, { data: { a: 1 } })
    assert.deepEqual(ungranted({ data: { a: 1 }, requestId: 'other' } as never), { data: { a: 1 } })
    const unwrap = routeRequest(t.services, request('update', 'sys/wrapping/unwrap', ''))
    assert.deepEqual(
      await grant(t.services, unwrap, { data: { a: 1 }, unwrappedRequestId: 'first' }, undefined),
      {
        data: { a: 1 },
        requestId: 'first',
      },
    )
    const own = routeRequest(t.services, request('update', 'sys/wrapping/wrap', ''))
    const wrapInfo = {
      token: 't',
      accessor: 'a',
      ttl: 1,
      creation_time: '',
      creation_path: 'sys/wrapping/wrap',
    }
    assert.deepEqual(await grant(t.services, own, { wrapped: wrapInfo }, undefined), { wrapInfo })
    assert.deepEqual(await grant(t.services, own, { issuedAuth: minted }, undefined), { auth: minted })
  })

  it('the whole trip: the last use of a token revokes it when the request ends', async () => {
    const created = await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { num_uses: 1, policies: ['root'] }),
    )
    const token = created!.auth!.client_token
    const self = await runPipeline(t.services, request('read', 'auth/token/lookup-self', token))
    assert.ok(self?.data)
    assert.equal(await t.services.tokens.lookup(token), undefined)
    await assert.rejects(
      runPipeline(t.services, request('read', 'auth/token/lookup-self', token)),
      PermissionDeniedError,
    )
  })
})
