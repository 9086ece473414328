// End-to-end: `coffer agent` serving the API proxy on a unix socket with static secret caching (change events drop
// entries, writes and revocations through the proxy too), stale-if-error while the server is down, and never after a
// revocation. The server is a real process, killed with SIGKILL to stand for an outage.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type AgentProcess, startAgent } from '../helpers/agent-process.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { client, makeTempDir } from '../helpers/server.ts'

const ROOT = 'agent-cache-root'

const AGENT_POLICY = `
path "secret/data/*" { capabilities = ["create", "update", "read", "subscribe"] }
path "database/creds/*" { capabilities = ["read", "subscribe"] }
path "sys/events/subscribe/*" { capabilities = ["read"] }
path "sys/leases/lookup" { capabilities = ["update"] }
`

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any
}

/** A request to the agent over its unix socket (or a TCP address), as an application would send it. */
function viaAgent(
  where: { socketPath: string } | { port: number },
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...where,
        host: '127.0.0.1',
        method,
        path: `/v1/${path}`,
        headers: {
          ...(token ? { 'x-vault-token': token } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => {
          let parsed: unknown = text
          try {
            parsed = text === '' ? undefined : JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
        })
      },
    )
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

async function startServer(
  dataDir: string,
): Promise<{ server: ServerProcess; call: ReturnType<typeof client> }> {
  mkdirSync(dataDir)
  const server = await spawnServer([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    `-dev-data-dir=${dataDir}`,
    `-dev-root-token-id=${ROOT}`,
    '-dev-no-store-token',
    '-log-level=error',
  ])
  const call = client(server.address, ROOT)
  assert.equal((await call('PUT', 'sys/policies/acl/agent', { body: { policy: AGENT_POLICY } })).status, 204)
  return { server, call }
}

async function tokenWith(call: ReturnType<typeof client>, policies: string[]): Promise<string> {
  const made = await call('POST', 'auth/token/create-orphan', { body: { policies, ttl: '1h' } })
  assert.equal(made.status, 200, JSON.stringify(made.body))
  return made.body.auth.client_token
}

describe('coffer agent: unix listener, static secret cache, stale-if-error', () => {
  const temp = makeTempDir('coffer-agent-static-')
  const servers: ServerProcess[] = []
  const agents: AgentProcess[] = []
  after(async () => {
    for (const agent of agents) await agent.stop()
    for (const server of servers) await server.stop('SIGKILL')
    temp.remove()
  })

  it('serves KV reads through a unix socket from the cache, keeps them true, and serves them stale while the server is down', async () => {
    const { server, call } = await startServer(join(temp.dir, 'server-1'))
    servers.push(server)
    const agentToken = await tokenWith(call, ['agent'])
    const tokenB = await tokenWith(call, ['agent'])
    const tokenC = await tokenWith(call, ['agent'])
    const tokenFile = join(temp.dir, 'token-1')
    writeFileSync(tokenFile, agentToken)
    const socketPath = join(temp.dir, 'agent.sock')
    // A stale socket left by an agent that was killed is replaced.
    const script = `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`
    spawnSync(process.execPath, ['-e', script])
    assert.ok(statSync(socketPath).isSocket())
    const agent = startAgent(
      join(temp.dir, 'agent-1.hcl'),
      `
vault { address = "${server.address}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
api_proxy { use_auto_auth_token = true }
cache {
  cache_static_secrets = true
  stale_if_error       = "10m"
}
listener "unix" {
  address     = "${socketPath}"
  socket_mode = "0660"
  tls_disable = true
}
`,
      temp.dir,
    )
    agents.push(agent)
    await agent.until('the proxy listens and change events flow', () =>
      agent.log().includes('change events connected'),
    )
    const stat = statSync(socketPath)
    assert.ok(stat.isSocket())
    assert.equal(stat.mode & 0o777, 0o660)

    const sock = { socketPath }
    const read = (token?: string) => viaAgent(sock, 'GET', 'secret/data/app', token)
    assert.equal((await call('POST', 'secret/data/app', { body: { data: { v: '1' } } })).status, 200)
    const first = await read()
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.headers['x-cache'], undefined)
    // The write's own event may reach the agent after the read above and (rightly) drop what it stored; once it
    // has, a read is cached for good.
    await agent.until(
      'a read is served from the cache',
      async () => (await read()).headers['x-cache'] === 'HIT',
    )
    const second = await read()
    assert.equal(second.headers['x-cache'], 'HIT')
    assert.equal(second.body.data.data.v, '1')
    assert.ok(second.headers['age'] !== undefined)

    // Another token is served from the cache only once the server has accepted it for the path.
    assert.equal((await read(tokenB)).headers['x-cache'], undefined)
    assert.equal((await read(tokenB)).headers['x-cache'], 'HIT')
    // A token the server refuses gets the 403, and the entry is gone for everyone.
    assert.equal((await read('not-a-token')).status, 403)
    assert.equal((await read()).headers['x-cache'], undefined)
    assert.equal((await read()).headers['x-cache'], 'HIT')

    // A change made at the server reaches the agent as an event and drops the entry.
    assert.equal((await call('POST', 'secret/data/app', { body: { data: { v: '2' } } })).status, 200)
    await agent.until('the change event dropped the entry', () =>
      agent.log().includes('kv-v2/data-write event; dropped 1'),
    )
    const afterEvent = await read()
    assert.equal(afterEvent.headers['x-cache'], undefined)
    assert.equal(afterEvent.body.data.data.v, '2')

    // A write through the proxy drops it at once.
    assert.equal((await read()).headers['x-cache'], 'HIT')
    assert.equal(
      (await viaAgent(sock, 'POST', 'secret/data/app', undefined, { data: { v: '3' } })).status,
      200,
    )
    const afterWrite = await read()
    assert.equal(afterWrite.headers['x-cache'], undefined)
    assert.equal(afterWrite.body.data.data.v, '3')

    // A token revoked through the proxy: everything cached goes. (The entry is new since the write: token B is
    // accepted for it again first.)
    assert.equal((await read(tokenB)).headers['x-cache'], undefined)
    assert.equal((await read(tokenB)).headers['x-cache'], 'HIT')
    assert.equal((await viaAgent(sock, 'POST', 'auth/token/revoke-self', tokenB)).status, 204)
    assert.equal((await read()).headers['x-cache'], undefined)
    assert.equal((await read()).headers['x-cache'], 'HIT')

    // Reads racing a revocation through the proxy: once it is answered, the revoked token gets nothing cached.
    const tokenD = await tokenWith(call, ['agent'])
    await read(tokenD)
    assert.equal((await read(tokenD)).headers['x-cache'], 'HIT')
    const racing = Array.from({ length: 16 }, () => read(tokenD))
    const revoked = await viaAgent(sock, 'POST', 'auth/token/revoke-self', tokenD)
    await Promise.all(racing)
    assert.equal(revoked.status, 204)
    assert.equal((await read(tokenD)).status, 403)
    await read()
    assert.equal((await read()).headers['x-cache'], 'HIT')

    // Token C is accepted for the path, but it is not the agent's: the agent would not hear of its revocation.
    await read(tokenC)
    assert.equal((await read(tokenC)).headers['x-cache'], 'HIT')

    // The server goes down: the copy is served stale, marked, to the agent's own token only.
    await server.stop('SIGKILL')
    // Until the agent has seen its event stream drop, the copy is still the live one (a HIT); from then on it is
    // served marked stale. Polled, not timed: the test's own timeout bounds the wait.
    let down = await read()
    while (down.status === 200 && down.headers['x-coffer-cache'] !== 'stale') {
      await new Promise((resolve) => setTimeout(resolve, 20))
      down = await read()
    }
    assert.equal(down.status, 200, JSON.stringify(down.body))
    assert.equal(down.headers['x-coffer-cache'], 'stale')
    assert.ok(down.headers['age'] !== undefined)
    assert.equal(down.body.data.data.v, '3')
    assert.equal((await read(tokenC)).status, 502)

    assert.equal(await agent.stop(), 0)
    assert.equal(existsSync(socketPath), false, 'the socket is removed at shutdown')
  })

  it('serves nothing stale after the agent token is revoked at the server', async () => {
    const { server, call } = await startServer(join(temp.dir, 'server-2'))
    servers.push(server)
    const agentToken = await tokenWith(call, ['agent'])
    const tokenFile = join(temp.dir, 'token-2')
    writeFileSync(tokenFile, agentToken)
    const agent = startAgent(
      join(temp.dir, 'agent-2.hcl'),
      `
vault { address = "${server.address}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
api_proxy { use_auto_auth_token = true }
cache {
  cache_static_secrets = true
  stale_if_error       = "10m"
}
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`,
      temp.dir,
    )
    agents.push(agent)
    await agent.until('change events flow', () => agent.log().includes('change events connected'))
    const port = Number(/api proxy listening on 127\.0\.0\.1:(\d+)/.exec(agent.log())![1])
    assert.equal((await call('POST', 'secret/data/app', { body: { data: { v: '1' } } })).status, 200)
    // As above: the write's own event may drop the first cached copy, so wait for a hit.
    await agent.until(
      'a read is served from the cache',
      async () => (await viaAgent({ port }, 'GET', 'secret/data/app')).headers['x-cache'] === 'HIT',
    )

    // Revoked at the server, not through the proxy: the server closes the event stream bound to the token
    // (code 1008), which drops what the agent cached.
    assert.equal((await call('POST', 'auth/token/revoke', { body: { token: agentToken } })).status, 204)
    await agent.until('the stream is closed for the revoked token', () =>
      agent.log().includes('closed: the token was revoked'),
    )
    await server.stop('SIGKILL')
    assert.equal((await viaAgent({ port }, 'GET', 'secret/data/app', agentToken)).status, 502)
  })

  it('serves no lease stale once it was revoked at the server', async () => {
    const skip = await unmet(POSTGRES)
    if (skip) return
    let db: TestDatabase | undefined
    try {
      db = await createTestDatabase()
      const { server, call } = await startServer(join(temp.dir, 'server-3'))
      servers.push(server)
      await postgresEngine(call, db.url, { app: { defaultTtl: '1h' } })
      const tokenFile = join(temp.dir, 'token-3')
      writeFileSync(tokenFile, await tokenWith(call, ['agent']))
      const agent = startAgent(
        join(temp.dir, 'agent-3.hcl'),
        `
vault { address = "${server.address}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
api_proxy { use_auto_auth_token = true }
cache { stale_if_error = "10m" }
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`,
        temp.dir,
      )
      agents.push(agent)
      await agent.until('change events flow', () => agent.log().includes('change events connected'))
      const port = Number(/api proxy listening on 127\.0\.0\.1:(\d+)/.exec(agent.log())![1])
      const creds = () => viaAgent({ port }, 'GET', 'database/creds/app')
      const first = await creds()
      assert.equal(first.status, 200, JSON.stringify(first.body))
      assert.equal((await creds()).headers['x-cache'], 'HIT')

      const revoke = await call('PUT', 'sys/leases/revoke', { body: { lease_id: first.body.lease_id } })
      assert.equal(revoke.status, 204)
      await agent.until('the lease/revoke event dropped the entry', () =>
        agent.log().includes('a cached lease was revoked at the server'),
      )
      await server.stop('SIGKILL')
      const down = await creds()
      assert.equal(down.status, 502, JSON.stringify(down.body))
      assert.equal(down.headers['x-coffer-cache'], undefined)
    } finally {
      await db?.drop()
    }
  })
})
