// End to end: WebSocket subscribers to sys/events/subscribe on a real server see KV changes in order, only what their policies allow, and are cut off when their token is revoked.
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { subscribe, upgradeAttempt } from '../helpers/event-subscriber.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('event subscriptions over WebSocket', () => {
  let server: TestServer

  before(async () => {
    server = await startDevServer()
  })
  after(() => server.close())

  async function tokenWith(policy: string): Promise<string> {
    const name = `p${Math.random().toString(36).slice(2, 8)}`
    assert.equal((await server.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status, 204)
    const created = await server.call('POST', 'auth/token/create', { body: { policies: [name] } })
    return created.body.auth.client_token
  }

  it('streams every KV change in order, in Vault event shape, without secret values', async () => {
    const sub = await subscribe(server.address, 'kv*', server.rootToken)
    for (let i = 1; i <= 3; i++)
      await server.call('POST', 'secret/data/order', { body: { data: { password: `hunter${i}` } } })
    await server.call('DELETE', 'secret/data/order')
    await server.call('POST', 'secret/metadata/order', { body: { max_versions: 5 } })
    const seen = []
    for (let i = 0; i < 5; i++) seen.push(await sub.next())
    assert.deepEqual(
      seen.map((e) => e.data.event_type),
      [
        'kv-v2/data-write',
        'kv-v2/data-write',
        'kv-v2/data-write',
        'kv-v2/data-delete',
        'kv-v2/metadata-write',
      ],
    )
    assert.deepEqual(
      seen.slice(0, 3).map((e) => e.data.event.metadata.current_version),
      ['1', '2', '3'],
    )
    const first = seen[0]
    assert.equal(first.specversion, '1.0')
    assert.equal(first.datacontenttype, 'application/cloudevents')
    assert.equal(first.data.event.id, first.id)
    assert.equal(first.data.event.metadata.path, 'secret/data/order')
    assert.equal(first.data.event.metadata.data_path, 'secret/data/order')
    assert.equal(first.data.plugin_info.mount_path, 'secret/')
    assert.equal(first.data.plugin_info.plugin, 'kv')
    assert.equal(first.data.plugin_info.mount_class, 'secret')
    assert.match(first.data.plugin_info.mount_accessor, /^kv_/)
    assert.equal(seen[4].data.event.metadata.path, 'secret/metadata/order')
    assert.doesNotMatch(JSON.stringify(seen), /hunter/)
    sub.close()
  })

  it('sends nothing for a failed write', async () => {
    const sub = await subscribe(server.address, 'kv-v2/data-write', server.rootToken)
    await server.call('POST', 'secret/data/cas', { body: { data: { a: 1 } } })
    const refused = await server.call('POST', 'secret/data/cas', {
      body: { data: { a: 2 }, options: { cas: 0 } },
    })
    assert.equal(refused.status, 400)
    await server.call('POST', 'secret/data/cas-marker', { body: { data: { a: 3 } } })
    assert.equal((await sub.next()).data.event.metadata.path, 'secret/data/cas')
    assert.equal((await sub.next()).data.event.metadata.path, 'secret/data/cas-marker')
    sub.close()
  })

  it('gives a policy-limited subscriber only the events of paths it may subscribe to and read', async () => {
    const token = await tokenWith(
      [
        'path "sys/events/subscribe/*" {\n  capabilities = ["read"]\n}',
        'path "secret/data/team/*" {\n  capabilities = ["list", "subscribe"]\n  subscribe_event_types = ["kv-v2/data-*"]\n}',
      ].join('\n'),
    )
    const sub = await subscribe(server.address, '*', token)
    await server.call('POST', 'secret/data/other/a', { body: { data: { v: 1 } } })
    await server.call('POST', 'secret/metadata/team/b', { body: { max_versions: 2 } })
    await server.call('POST', 'secret/data/team/b', { body: { data: { v: 2 } } })
    await server.call('POST', 'secret/data/other/c', { body: { data: { v: 3 } } })
    await server.call('POST', 'secret/data/team/d', { body: { data: { v: 4 } } })
    // Order is kept, so had other/a or the metadata write been sent it would have come first.
    assert.equal((await sub.next()).data.event.metadata.path, 'secret/data/team/b')
    assert.equal((await sub.next()).data.event.metadata.path, 'secret/data/team/d')
    sub.close()
  })

  it('applies a filter expression', async () => {
    const sub = await subscribe(server.address, 'kv*', server.rootToken, {
      filter: 'data_path == secret/data/f/2 or operation == data-patch',
    })
    for (const key of ['f/1', 'f/2', 'f/3'])
      await server.call('POST', `secret/data/${key}`, { body: { data: { v: key } } })
    assert.equal((await sub.next()).data.event.metadata.path, 'secret/data/f/2')
    await server.call('PATCH', 'secret/data/f/3', {
      body: { data: { w: 1 } },
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.equal((await sub.next()).data.event_type, 'kv-v2/data-patch')
    sub.close()
  })

  it('refuses a token without read on sys/events/subscribe/<type>, a bad filter and json=false', async () => {
    const token = await tokenWith('path "secret/data/*" {\n  capabilities = ["read", "subscribe"]\n}')
    const denied = await upgradeAttempt(server.address, 'kv*', token)
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.body, { errors: ['permission denied'] })
    const badFilter = await upgradeAttempt(server.address, 'kv*', server.rootToken, {
      json: 'true',
      filter: 'password == x',
    })
    assert.equal(badFilter.status, 400)
    assert.match(badFilter.body.errors[0], /invalid filter: unknown field "password"/)
    const notJson = await upgradeAttempt(server.address, 'kv*', server.rootToken, {})
    assert.equal(notJson.status, 400)
    assert.match(notJson.body.errors[0], /json=true is required/)
    const plain = await server.call('GET', 'sys/events/subscribe/kv*?json=true')
    assert.equal(plain.status, 400)
    assert.match(plain.body.errors[0], /takes a WebSocket connection/)
  })

  it('upgrades only a WebSocket handshake to the event stream; other upgrade requests are served as usual', async () => {
    await server.call('POST', 'secret/data/h2c', { body: { data: { v: 1 } } })
    // What `curl --http2` sends over plain HTTP (fetch refuses an upgrade header, so node:http sends it).
    const h2c = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(`${server.address}/v1/secret/data/h2c`, {
        headers: {
          'x-vault-token': server.rootToken,
          connection: 'Upgrade, HTTP2-Settings',
          upgrade: 'h2c',
          'http2-settings': 'AAMAAABkAAQAAP__',
        },
      })
      req.on('response', (res) => {
        let body = ''
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
    })
    assert.equal(h2c.status, 200)
    assert.equal(JSON.parse(h2c.body).data.data.v, 1)
    const elsewhere = await upgradeAttempt(server.address, '../../../secret/data/h2c', server.rootToken)
    assert.equal(elsewhere.status, 404)
  })

  it('disconnects a subscriber whose token is revoked, and sends it nothing after', async () => {
    const token = await tokenWith(
      'path "sys/events/subscribe/*" {\n  capabilities = ["read"]\n}\npath "secret/data/*" {\n  capabilities = ["read", "subscribe"]\n}',
    )
    const sub = await subscribe(server.address, 'kv*', token)
    await server.call('POST', 'secret/data/before-revoke', { body: { data: { v: 1 } } })
    assert.equal((await sub.next()).data.event.metadata.path, 'secret/data/before-revoke')
    assert.equal((await server.call('POST', 'auth/token/revoke', { body: { token } })).status, 204)
    const closed = await sub.closed
    assert.equal(closed.code, 1008)
    assert.match(closed.reason, /revoked/)
    assert.equal((await upgradeAttempt(server.address, 'kv*', token)).status, 403)
  })

  it('closes with 1009 a subscriber that sends a message over 64 KiB, and keeps serving the others', async () => {
    const url = `${server.address.replace(/^http/, 'ws')}/v1/sys/events/subscribe/kv*?json=true`
    const client = new WebSocket(url, { headers: { 'x-vault-token': server.rootToken } })
    client.on('error', () => undefined)
    await new Promise((resolve, reject) => client.once('open', resolve).once('unexpected-response', reject))
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)))
    client.send('x'.repeat(64 * 1024 + 1))
    assert.equal(await closed, 1009)
    const other = await subscribe(server.address, 'kv*', server.rootToken)
    await server.call('POST', 'secret/data/after-big', { body: { data: { v: 1 } } })
    assert.equal((await other.next()).data.event.metadata.path, 'secret/data/after-big')
    other.close()
  })

  it('closes with 1013 a subscriber that stops reading, rather than buffer without bound', async () => {
    const url = `${server.address.replace(/^http/, 'ws')}/v1/sys/events/subscribe/kv*?json=true`
    const client = new WebSocket(url, { headers: { 'x-vault-token': server.rootToken } })
    client.on('error', () => undefined)
    await new Promise((resolve, reject) => client.once('open', resolve).once('unexpected-response', reject))
    let received = 0
    client.on('message', () => received++)
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)))
    // Stop reading: the server's send buffer grows past its 16 MiB bound. Each event carries its ~7 KB key
    // twice (path, data_path); 2,000 of them are 28 MiB, more than the bound and the kernel's socket buffers.
    const socket = (client as unknown as { _socket: import('node:net').Socket })._socket
    socket.pause()
    const key = `slow/${'k'.repeat(7000)}`
    const writes = Array.from({ length: 2000 }, (_, i) => i)
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = writes.shift(); i !== undefined; i = writes.shift()) {
          const reply = await server.call('POST', `secret/data/${key}${i}`, { body: { data: { v: 1 } } })
          assert.equal(reply.status, 200)
        }
      }),
    )
    socket.resume()
    assert.equal(await closed, 1013)
    assert.ok(received > 0 && received < 2000, `received ${received} of 2000 before being cut off`)
  })
})
