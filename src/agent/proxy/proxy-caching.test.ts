// The proxy's cache rules with a stub server: static hits per token, what drops entries (events, writes, revocations,
// 403/404), and stale-if-error within and past its bound, never after a revocation.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { VaultClient } from '../../client/index.ts'
import { ConnectionError } from '../../client/index.ts'
import { KvMounts } from './kv-mounts.ts'
import { LeaseCache } from './lease-cache.ts'
import { type ProxiedRequest, ProxyCaching, type UpstreamAnswer } from './proxy-caching.ts'
import { ServerContact } from './server-contact.ts'
import { StaticCache } from './static-cache.ts'

class Clock {
  t = 1_000_000
  now(): number {
    return this.t
  }
}

/** A stub server: the mount lookup says `secret/` is KV v2; `down` makes every call fail as unreachable. */
function setup(staleIfErrorMs = 60_000) {
  const clock = new Clock()
  const server = { down: false, allowed: true, leaseTtl: 3600 }
  const client = {
    async request(method: string, path: string) {
      if (server.down) throw new ConnectionError(method, path, 'ECONNREFUSED')
      if (path.startsWith('sys/internal/ui/mounts/'))
        return { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
      if (path === 'sys/leases/lookup') return { status: 200, body: { data: { ttl: server.leaseTtl } } }
      throw new Error(`unexpected ${path}`)
    },
  } as unknown as VaultClient
  const contact = new ServerContact({ staleIfErrorMs, clock, onPurge: () => caching.purge() })
  const caching: ProxyCaching = new ProxyCaching({
    leases: new LeaseCache(client, () => clock.now()),
    statics: new StaticCache(),
    mounts: new KvMounts(client),
    contact,
    agentToken: () => 'a',
    canRead: async () => {
      if (server.down) throw new ConnectionError('POST', 'sys/capabilities-self', 'ECONNREFUSED')
      return server.allowed
    },
    log: () => {},
  })
  let version = 0
  const forward = async (): Promise<UpstreamAnswer | undefined> => {
    if (server.down) return undefined
    version++
    return json(200, { lease_id: '', data: { data: { v: version }, metadata: { version } } })
  }
  const read = (token: string, path = 'secret/data/app') =>
    caching.serve(request('GET', path, token), forward)
  return { clock, server, contact, caching, read, forward }
}

function json(status: number, body: unknown): UpstreamAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) }
}

function request(method: string, path: string, token: string): ProxiedRequest {
  const url = `/v1/${path}`
  return {
    method,
    url,
    path,
    query: new URL(url, 'http://x').searchParams,
    token,
    namespace: '',
    body: Buffer.alloc(0),
    altersAnswer: false,
  }
}

const value = (reply: { body: Buffer }) => JSON.parse(reply.body.toString()).data.data.v

test('a static read is served from the cache only to tokens the server accepted for the path', async () => {
  const { contact, read } = setup()
  contact.streamUp()
  const first = await read('a')
  assert.equal(first.headers['x-cache'], undefined)
  const second = await read('a')
  assert.equal(second.headers['x-cache'], 'HIT')
  assert.equal(value(second), 1)
  const other = await read('b')
  assert.equal(other.headers['x-cache'], undefined, 'token b goes to the server first')
  assert.equal((await read('b')).headers['x-cache'], 'HIT')
})

test('a static copy is served only after the server confirms the token at that hit, however recent the last one', async () => {
  const { contact, server, read } = setup()
  contact.streamUp()
  await read('a')
  assert.equal((await read('a')).headers['x-cache'], 'HIT')
  // Revoked or stripped of the policy at the server, by no request the agent saw and with no event yet.
  server.allowed = false
  const refused = await read('a')
  assert.equal(refused.headers['x-cache'], undefined, 'forwarded, so the server answers for the token')
})

test('nothing static is cached or served while change events are not flowing', async () => {
  const { contact, read } = setup()
  await read('a')
  assert.equal((await read('a')).headers['x-cache'], undefined, 'not stored before the stream is up')
  contact.streamUp()
  await read('a')
  assert.equal((await read('a')).headers['x-cache'], 'HIT')
  contact.streamDown()
  assert.equal((await read('a')).headers['x-cache'], undefined, 'passed through while the stream is down')
})

test('a change event, a write through the proxy and a token revocation through the proxy drop entries', async () => {
  const { contact, caching, read } = setup()
  contact.streamUp()
  await read('a')
  caching.onEvent({
    type: 'kv-v2/data-write',
    dataPath: 'secret/data/app',
    mountPath: 'secret/',
    leaseId: undefined,
  })
  assert.equal((await read('a')).headers['x-cache'], undefined)
  assert.equal((await read('a')).headers['x-cache'], 'HIT')
  caching.beforeForward(request('DELETE', 'secret/metadata/app', 'a'))
  assert.equal((await read('a')).headers['x-cache'], undefined, 'metadata delete drops the data path')
  caching.beforeForward(request('POST', 'auth/token/revoke-self', 'a'))
  assert.equal((await read('a')).headers['x-cache'], undefined)
  assert.equal((await read('a')).headers['x-cache'], 'HIT')
  // Tokens are leases too: revoking by lease prefix ends them like auth/token/revoke does.
  caching.beforeForward(request('PUT', 'sys/leases/revoke-prefix/auth/token/create', 'root'))
  assert.equal((await read('a')).headers['x-cache'], undefined, 'a token lease revocation drops the copies')
  assert.equal((await read('a')).headers['x-cache'], 'HIT')
  caching.onEvent({
    type: 'kv-v2/config-write',
    dataPath: 'secret/config',
    mountPath: 'secret/',
    leaseId: undefined,
  })
  assert.equal((await read('a')).headers['x-cache'], undefined, 'a config change drops the whole mount')
})

test('a 403 from the server purges the entry for every token', async () => {
  const { contact, caching, read } = setup()
  contact.streamUp()
  await read('a')
  await read('b')
  const denied = await caching.serve(request('GET', 'secret/data/app', 'c'), async () =>
    json(403, { errors: [] }),
  )
  assert.equal(denied.status, 403)
  assert.equal((await read('a')).headers['x-cache'], undefined)
})

test('stale-if-error: served within the bound with Age and X-Coffer-Cache, not past it', async () => {
  const { clock, server, contact, read } = setup(60_000)
  contact.streamUp()
  await read('a')
  clock.t += 10_000
  server.down = true
  contact.streamDown()
  const stale = await read('a')
  assert.equal(stale.status, 200)
  assert.equal(stale.headers['x-coffer-cache'], 'stale')
  assert.equal(stale.headers['age'], '10')
  assert.equal((await read('b')).status, 502, 'never for a token the server has not accepted')
  clock.t += 60_001
  assert.equal((await read('a')).status, 502, 'past the bound')
})

test('stale-if-error: never after a revocation through the proxy, nor for an entry from before a lost contact', async () => {
  const { server, contact, caching, read } = setup(60_000)
  contact.streamUp()
  await read('a')
  caching.beforeForward(request('POST', 'auth/token/revoke', 'a'))
  server.down = true
  assert.equal((await read('a')).status, 502)

  const second = setup(60_000)
  second.contact.streamUp()
  await second.read('a')
  second.contact.streamDown()
  second.contact.serverAnswered() // the server was up while the stream was down: events may have been missed
  second.server.down = true
  assert.equal((await second.read('a')).status, 502)
})

test('stale-if-error is off at 0; a failure while the stream still looks up counts as losing contact', async () => {
  const off = setup(0)
  off.contact.streamUp()
  await off.read('a')
  off.server.down = true
  off.contact.streamDown()
  assert.equal((await off.read('a')).status, 502)

  const on = setup(60_000)
  on.contact.streamUp()
  await on.read('a')
  on.server.down = true
  // The token's check at the hit fails: that failure marks the loss of contact, though events still look up.
  const stale = await on.read('a')
  assert.equal(stale.headers['x-coffer-cache'], 'stale')
  on.clock.t += 60_001
  assert.equal((await on.read('a')).status, 502)
})

test('leases: a lease/revoke event ends stale use of the credentials', async () => {
  const { server, contact, caching } = setup(60_000)
  contact.streamUp()
  const req = request('GET', 'database/creds/app', 'a')
  const leased = async () =>
    server.down
      ? undefined
      : json(200, { lease_id: 'database/creds/app/L1', lease_duration: 3600, data: { u: 1 } })
  await caching.serve(req, leased)
  assert.equal((await caching.serve(req, leased)).headers['x-cache'], 'HIT')
  server.down = true
  assert.equal((await caching.serve(req, leased)).headers['x-coffer-cache'], 'stale')
  caching.onEvent({
    type: 'lease/revoke',
    dataPath: 'database/creds/app',
    mountPath: '',
    leaseId: 'database/creds/app/L1',
  })
  assert.equal((await caching.serve(req, leased)).status, 502)
})

test('a read answered across a revocation through the proxy is not cached (static and leased)', async () => {
  const { contact, caching } = setup(60_000)
  contact.streamUp()
  for (const [path, body] of [
    ['secret/data/app', { lease_id: '', data: { data: { v: 1 } } }],
    ['database/creds/app', { lease_id: 'database/creds/app/L2', lease_duration: 3600, data: { u: 1 } }],
  ] as const) {
    let release: (answer: UpstreamAnswer) => void = () => {}
    let sent: () => void = () => {}
    const forwarded = new Promise<void>((resolve) => {
      sent = resolve
    })
    const held = new Promise<UpstreamAnswer>((resolve) => {
      release = resolve
    })
    // The read is sent; before its answer arrives, a token revocation goes through and is answered.
    const inFlight = caching.serve(request('GET', path, 'a'), () => {
      sent()
      return held
    })
    await forwarded
    const revoke = request('POST', 'auth/token/revoke-self', 'a')
    caching.beforeForward(revoke)
    caching.afterForward(revoke, 204)
    release(json(200, body))
    assert.equal((await inFlight).status, 200)
    const next = await caching.serve(request('GET', path, 'a'), async () => json(403, { errors: [] }))
    assert.equal(next.status, 403, `${path}: the answer from before the revocation was not kept`)
  }
})

test('stale static copies go to the agent token only: another token revoked at the server is not heard of', async () => {
  const { server, contact, read } = setup(60_000)
  contact.streamUp()
  await read('b')
  assert.equal((await read('b')).headers['x-cache'], 'HIT')
  await read('a')
  server.down = true
  contact.streamDown()
  assert.equal((await read('b')).status, 502)
  assert.equal((await read('a')).headers['x-coffer-cache'], 'stale')
})
