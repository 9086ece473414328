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
  // A length given with the answer (it then goes out as Content-Length) must be the body's real byte count.
  if (res.byteLength !== undefined) assert.equal(res.byteLength, Buffer.byteLength(text))
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  return { status: res.status, text, body: text === '' ? undefined : (JSON.parse(text) as any), res }
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
    // The shared answer carries its byte length (multi-byte characters counted as bytes), checked in get().
    assert.notEqual(second.res.byteLength, undefined)
  })

  it("renders a write's answer exactly as the generic envelope", async () => {
    const meta = await server.call('POST', 'secret/metadata/rendered-write', {
      body: { custom_metadata: { owner: 'é "q"' } },
    })
    assert.equal(meta.status, 204, JSON.stringify(meta.body))
    const body = Buffer.from(JSON.stringify({ data: { value: 'y'.repeat(40) } }))
    const res = await dispatch(
      { core: server.server.core, logger: silentLogger },
      {
        method: 'POST',
        url: '/v1/secret/data/rendered-write',
        headers: { 'x-vault-token': server.rootToken, 'content-type': 'application/json' },
        body,
        remoteAddress: '127.0.0.1',
      },
    )
    assert.equal(res.status, 200)
    const text = String(res.body)
    const b = JSON.parse(text)
    assert.equal(b.data.version, 1)
    assert.deepEqual(b.data.custom_metadata, { owner: 'é "q"' })
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
    assert.equal(text, generic)
    if (res.byteLength !== undefined) assert.equal(res.byteLength, Buffer.byteLength(text))
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

describe('dispatch: what reads remember about tokens and policies', () => {
  const policy = (name: string, text: string) =>
    server.call('PUT', `sys/policies/acl/${name}`, { body: { policy: text } })
  const tokenWith = async (policies: string[], extra: Record<string, unknown> = {}) => {
    const res = await server.call('POST', 'auth/token/create', { body: { policies, ttl: '1h', ...extra } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth.client_token as string
  }

  before(async () => {
    await write('secret/data/team/a', { v: 'a' })
    await write('secret/data/team/b', { v: 'b' })
    await write('secret/data/params', { v: 'p' })
  })

  it('a revoked token is refused by the very next read, by each way of revoking it', async () => {
    await policy('team', 'path "secret/data/team/*" { capabilities = ["read"] }')
    await policy('creator', 'path "auth/token/create" { capabilities = ["update"] }')
    for (const how of ['revoke', 'revoke-accessor', 'revoke-self', 'parent']) {
      const parent = await tokenWith(['team', 'creator'])
      const token =
        how === 'parent'
          ? (await server.call('POST', 'auth/token/create', { token: parent, body: { policies: ['team'] } }))
              .body.auth.client_token
          : await tokenWith(['team'])
      assert.equal((await get('secret/data/team/a', token)).status, 200, how)
      assert.equal((await get('secret/data/team/a', token)).status, 200, how)
      if (how === 'revoke') await server.call('POST', 'auth/token/revoke', { body: { token } })
      if (how === 'revoke-self') await server.call('POST', 'auth/token/revoke-self', { token })
      if (how === 'parent') await server.call('POST', 'auth/token/revoke', { body: { token: parent } })
      if (how === 'revoke-accessor') {
        const accessor = (await server.call('POST', 'auth/token/lookup', { body: { token } })).body.data
          .accessor
        await server.call('POST', 'auth/token/revoke-accessor', { body: { accessor } })
      }
      assert.equal((await get('secret/data/team/a', token)).status, 403, how)
    }
  })

  it('a policy write or delete decides the next read, for a path already decided', async () => {
    await policy('narrow', 'path "secret/data/team/*" { capabilities = ["read"] }')
    const token = await tokenWith(['narrow'])
    assert.equal((await get('secret/data/team/a', token)).status, 200)
    assert.equal((await get('secret/data/team/b', token)).status, 200)
    await policy('narrow', 'path "secret/data/team/a" { capabilities = ["read"] }')
    assert.equal((await get('secret/data/team/a', token)).status, 200)
    assert.equal((await get('secret/data/team/b', token)).status, 403)
    await policy('narrow', 'path "secret/data/team/*" { capabilities = ["deny"] }')
    assert.equal((await get('secret/data/team/a', token)).status, 403)
    await policy('narrow', 'path "secret/data/team/*" { capabilities = ["read"] }')
    assert.equal((await get('secret/data/team/b', token)).status, 200)
    assert.equal((await server.call('DELETE', 'sys/policies/acl/narrow')).status, 204)
    assert.equal((await get('secret/data/team/a', token)).status, 403)
    assert.equal((await get('secret/data/team/b', token)).status, 403)
  })

  it('parameter constraints are checked on every read of a remembered path', async () => {
    await policy(
      'params',
      'path "secret/data/params" {\n capabilities = ["read"]\n allowed_parameters = { "version" = ["1"] }\n}',
    )
    const token = await tokenWith(['params'])
    for (let i = 0; i < 3; i++) {
      assert.equal((await get('secret/data/params?version=1', token)).status, 200)
      assert.equal((await get('secret/data/params?version=2', token)).status, 403)
    }
  })

  it("an entity's disable refuses its tokens at the next read, and its group's policies follow edits", async () => {
    await policy('via-group', 'path "secret/data/team/b" { capabilities = ["read"] }')
    await policy('team', 'path "secret/data/team/a" { capabilities = ["read"] }')
    await server.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await server.call('POST', 'auth/userpass/users/ana', { body: { password: 'pw', token_policies: 'team' } })
    const login = await server.call('POST', 'auth/userpass/login/ana', {
      token: '',
      body: { password: 'pw' },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    const token = login.body.auth.client_token as string
    const entityId = login.body.auth.entity_id as string
    assert.notEqual(entityId, '')
    assert.equal((await get('secret/data/team/a', token)).status, 200)
    assert.equal((await get('secret/data/team/b', token)).status, 403)

    const group = await server.call('POST', 'identity/group', {
      body: { name: 'readers', policies: ['via-group'], member_entity_ids: [entityId] },
    })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    assert.equal((await get('secret/data/team/b', token)).status, 200)
    await server.call('POST', `identity/group/id/${group.body.data.id}`, { body: { policies: [] } })
    assert.equal((await get('secret/data/team/b', token)).status, 403)

    await server.call('POST', `identity/entity/id/${entityId}`, { body: { disabled: true } })
    assert.equal((await get('secret/data/team/a', token)).status, 403)
    await server.call('POST', `identity/entity/id/${entityId}`, { body: { disabled: false } })
    assert.equal((await get('secret/data/team/a', token)).status, 200)
  })

  it('a root path read needs sudo on every request, and a removed sudo binds the next one', async () => {
    await policy('auditors', 'path "sys/audit" { capabilities = ["read"] }')
    const token = await tokenWith(['auditors'])
    assert.equal((await get('sys/audit', token)).status, 403)
    await policy('auditors', 'path "sys/audit" { capabilities = ["read", "sudo"] }')
    assert.equal((await get('sys/audit', token)).status, 200)
    assert.equal((await get('sys/audit', token)).status, 200)
    await policy('auditors', 'path "sys/audit" { capabilities = ["read"] }')
    assert.equal((await get('sys/audit', token)).status, 403)
  })

  it('a token with num_uses=2 serves exactly two reads', async () => {
    await policy('team', 'path "secret/data/team/*" { capabilities = ["read"] }')
    const token = await tokenWith(['team'], { num_uses: 2 })
    assert.equal((await get('secret/data/team/a', token)).status, 200)
    assert.equal((await get('secret/data/team/a', token)).status, 200)
    assert.equal((await get('secret/data/team/a', token)).status, 403)
  })
})
