// sys/in-flight-req: the requests being answered, in Vault's shape; sudo; over HTTP the reading request sees itself.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../../../test/helpers/server.ts'
import { PermissionDeniedError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$/

describe('sys/in-flight-req', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('lists each registered request by id until it ends', async () => {
    const done = t.core.inFlight.begin({
      startTime: Date.UTC(2026, 0, 1),
      remoteAddress: '10.0.0.7',
      path: '/v1/secret/data/app',
      method: 'PUT',
    })
    const data = (await runPipeline(t.services, request('read', 'sys/in-flight-req', t.rootToken)))!.data!
    assert.deepEqual(Object.values(data), [
      {
        start_time: '2026-01-01T00:00:00.000000000Z',
        client_remote_address: '10.0.0.7',
        request_path: '/v1/secret/data/app',
        request_method: 'PUT',
        client_id: '',
      },
    ])
    done()
    done()
    assert.deepEqual(
      (await runPipeline(t.services, request('read', 'sys/in-flight-req', t.rootToken)))!.data,
      {},
    )
  })

  it('needs sudo', async () => {
    await runPipeline(
      t.services,
      request('update', 'sys/policies/acl/inflight', t.rootToken, {
        policy: 'path "sys/in-flight-req" { capabilities = ["read"] }',
      }),
    )
    const token = (await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { policies: ['inflight'] }),
    ))!.auth!.client_token
    await assert.rejects(
      runPipeline(t.services, request('read', 'sys/in-flight-req', token)),
      PermissionDeniedError,
    )
  })
})

describe('sys/in-flight-req over HTTP', () => {
  let server: TestServer
  before(async () => {
    server = await startDevServer({ storage: 'inmem' })
  })
  after(() => server.close())

  it('shows the reading request itself, its path without the query string; ended requests are gone', async () => {
    await server.call('GET', 'sys/mounts')
    const reply = await server.call('GET', 'sys/in-flight-req?token=not-to-be-shown')
    assert.equal(reply.status, 200)
    const entries = Object.values(reply.body.data) as Record<string, string>[]
    assert.equal(entries.length, 1)
    const [own] = entries
    assert.equal(own!['request_path'], '/v1/sys/in-flight-req')
    assert.equal(own!['request_method'], 'GET')
    assert.equal(own!['client_remote_address'], '127.0.0.1')
    assert.match(own!['start_time']!, RFC3339)
    assert.ok(!JSON.stringify(reply.body).includes('not-to-be-shown'))
    assert.equal(server.server.core.inFlight.size, 0)
  })
})
