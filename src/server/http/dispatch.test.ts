// The adapter's read path in process on SQLite: the shared envelope of a KV read is byte-for-byte the generic
// rendering, and a cached answer never outlives a change to its secret, its version or the clock's verdict.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../../../test/helpers/server.ts'
import { silentLogger } from '../../lib/logger.ts'
import { dispatch } from './dispatch.ts'

let server: TestServer
const clock = new ManualClock()
before(async () => {
  server = await startDevServer({ clock })
})
after(() => server.close())

async function get(path: string, token = server.rootToken) {
  const res = await dispatch(
    { core: server.server.core, logger: silentLogger },
    {
      method: 'GET',
      url: `/v1/${path}`,
      headers: { 'x-vault-token': token },
      body: Buffer.alloc(0),
      remoteAddress: '127.0.0.1',
    },
  )
  const text = typeof res.body === 'string' ? res.body : Buffer.from(res.body).toString('utf8')
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  return { status: res.status, text, body: text === '' ? undefined : (JSON.parse(text) as any) }
}

const write = async (path: string, data: unknown) => {
  const res = await server.call('POST', path, { body: { data } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
}

describe('dispatch: KV reads', () => {
  it("renders a shared read exactly as the generic envelope, with each request's own id", async () => {
    await write('secret/data/render', { value: 'x'.repeat(50), quote: '"\\\n\u2028', n: 1 })
    const first = await get('secret/data/render')
    const second = await get('secret/data/render')
    for (const read of [first, second]) {
      assert.equal(read.status, 200)
      const b = read.body
      const generic = `${JSON.stringify({
        request_id: b.request_id,
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: b.data,
        wrap_info: null,
        warnings: null,
        auth: null,
      })}\n`
      assert.equal(read.text, generic)
    }
    assert.notEqual(first.body.request_id, second.body.request_id)
    assert.equal(first.body.data.data.quote, '"\\\n\u2028')
  })

  it('a cached answer follows every write, delete, undelete, destroy and metadata change of its secret', async () => {
    const path = 'secret/data/follow'
    await write(path, { v: 'one' })
    assert.equal((await get(path)).body.data.data.v, 'one')
    assert.equal((await get(path)).body.data.data.v, 'one')
    await write(path, { v: 'two' })
    const two = await get(path)
    assert.equal(two.body.data.data.v, 'two')
    assert.equal(two.body.data.metadata.version, 2)
    assert.equal((await get(`${path}?version=1`)).body.data.data.v, 'one')

    assert.equal((await server.call('DELETE', path)).status, 204)
    const deleted = await get(path)
    assert.equal(deleted.status, 404)
    assert.equal(deleted.body.data.data, null)
    assert.notEqual(deleted.body.data.metadata.deletion_time, '')
    assert.equal((await get(`${path}?version=1`)).body.data.data.v, 'one')

    const undelete = await server.call('POST', 'secret/undelete/follow', { body: { versions: [2] } })
    assert.equal(undelete.status, 204)
    const back = await get(path)
    assert.equal(back.status, 200)
    assert.equal(back.body.data.data.v, 'two')
    assert.equal(back.body.data.metadata.deletion_time, '')

    await server.call('POST', 'secret/metadata/follow', { body: { custom_metadata: { owner: 'ops' } } })
    assert.deepEqual((await get(path)).body.data.metadata.custom_metadata, { owner: 'ops' })

    const destroy = await server.call('POST', 'secret/destroy/follow', { body: { versions: [1] } })
    assert.equal(destroy.status, 204)
    const destroyed = await get(`${path}?version=1`)
    assert.equal(destroyed.status, 404)
    assert.equal(destroyed.body.data.metadata.destroyed, true)
    assert.equal((await get(path)).body.data.data.v, 'two')

    assert.equal((await server.call('DELETE', 'secret/metadata/follow')).status, 204)
    assert.equal((await get(path)).status, 404)
    assert.equal((await get(`${path}?version=2`)).status, 404)
  })

  it('a version whose delete_version_after passes is refused by the next read, though its answer was cached', async () => {
    const path = 'secret/data/expiring'
    await server.call('POST', 'secret/metadata/expiring', { body: { delete_version_after: '1h' } })
    await write(path, { v: 'soon gone' })
    assert.equal((await get(path)).status, 200)
    assert.equal((await get(path)).status, 200)
    clock.advance(3601)
    const gone = await get(path)
    assert.equal(gone.status, 404)
    assert.equal(gone.body.data.data, null)
  })
})
