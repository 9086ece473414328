// End-to-end: the agent's API proxy cache with PostgreSQL credentials: the same request gets the same lease back,
// and never one the server has revoked or the token may no longer read.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { withDeadline } from '../helpers/deadline.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

describe('coffer agent api proxy cache', async () => {
  const skip = await unmet(POSTGRES)
  let t: TestServer
  let db: TestDatabase
  let temp: ReturnType<typeof makeTempDir>
  let serverClosed = false
  before(async () => {
    if (skip) return
    t = await startDevServer()
    db = await createTestDatabase()
    temp = makeTempDir('coffer-agent-cache-')
    await postgresEngine(t.call, db.url, { app: { defaultTtl: '1h' } })
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
  })
  after(async () => {
    if (!serverClosed) await t?.close()
    await db?.drop()
    temp?.remove()
  })

  it('serves a live lease again, and forwards once it is revoked, the policy no longer allows it or the server is down', {
    skip,
  }, async () => {
    const policy = (withCreds: boolean) =>
      `path "sys/leases/lookup" { capabilities = ["update"] }\n${withCreds ? 'path "database/creds/app" { capabilities = ["read"] }' : ''}`
    await t.call('PUT', 'sys/policies/acl/agent', { body: { policy: policy(true) } })
    await t.call('POST', 'auth/approle/role/agent', { body: { token_policies: ['agent'] } })
    const roleId = join(temp.dir, 'role-id')
    writeFileSync(roleId, (await t.call('GET', 'auth/approle/role/agent/role-id')).body.data.role_id)
    const secretId = join(temp.dir, 'secret-id')
    writeFileSync(secretId, (await t.call('POST', 'auth/approle/role/agent/secret-id')).body.data.secret_id)
    const configFile = join(temp.dir, 'agent.hcl')
    writeFileSync(
      configFile,
      `
vault { address = "${t.address}" }
auto_auth {
  method "approle" { config = { role_id_file_path = "${roleId}", secret_id_file_path = "${secretId}" } }
}
api_proxy { use_auto_auth_token = true }
cache {}
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`,
    )
    const agent = spawn(process.execPath, [ENTRY, 'agent', `-config=${configFile}`], {
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let log = ''
    agent.stdout!.on('data', (c: Buffer) => (log += c.toString()))
    agent.stderr!.on('data', (c: Buffer) => (log += c.toString()))
    const exited = new Promise((resolve) => agent.once('close', resolve))
    try {
      await withDeadline(
        (async () => {
          while (!/api proxy listening on \S+/.test(log)) await delay(50)
        })(),
        `the proxy listens; log:\n${log}`,
      )
      const proxy = `http://${/api proxy listening on (\S+)/.exec(log)![1]}`
      const creds = async () => {
        const res = await fetch(`${proxy}/v1/database/creds/app`)
        const body = (await res.json()) as { lease_id?: string; data?: { username: string } }
        return { status: res.status, hit: res.headers.get('x-cache') === 'HIT', body }
      }
      const first = await creds()
      assert.equal(first.status, 200, JSON.stringify(first.body))
      assert.equal(first.hit, false)
      const second = await creds()
      assert.equal(second.hit, true)
      assert.equal(second.body.data?.username, first.body.data?.username, 'the same credentials, no new user')
      assert.equal(second.body.lease_id, first.body.lease_id)

      // Revoked at the server, not through the proxy: the copy is not served.
      const revoke = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: first.body.lease_id } })
      assert.equal(revoke.status, 204)
      const third = await creds()
      assert.equal(third.status, 200)
      assert.equal(third.hit, false)
      assert.notEqual(third.body.data?.username, first.body.data?.username)
      assert.equal((await creds()).hit, true)

      // The token loses the policy: the cached lease is still live, but the request goes to the server (403).
      await t.call('PUT', 'sys/policies/acl/agent', { body: { policy: policy(false) } })
      const denied = await creds()
      assert.equal(denied.hit, false)
      assert.equal(denied.status, 403)

      // The server goes down: without stale_if_error (off by default) no copy is served; the client gets the
      // proxy's 502 and must handle the outage itself.
      await t.call('PUT', 'sys/policies/acl/agent', { body: { policy: policy(true) } })
      assert.equal((await creds()).status, 200)
      assert.equal((await creds()).hit, true)
      await t.close()
      serverClosed = true
      const down = await creds()
      assert.equal(down.hit, false)
      assert.equal(down.status, 502)
    } finally {
      agent.kill('SIGTERM')
      assert.equal(await withDeadline(exited, 'the agent exits'), 0)
    }
  })
})
