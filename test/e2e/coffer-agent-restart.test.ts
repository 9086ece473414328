// End-to-end: `coffer agent` keeps its last good files while the server is down and recovers when it is back.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type AgentProcess, readIfExists, startAgent } from '../helpers/agent-process.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { client, makeTempDir } from '../helpers/server.ts'

/** A port nothing listens on now, so the server can be started again on the same address. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('coffer agent across a server restart', () => {
  const temp = makeTempDir('coffer-agent-restart-')
  let server: ServerProcess | undefined
  let agent: AgentProcess | undefined
  after(async () => {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL')
    await server?.stop()
    temp.remove()
  })

  it('keeps the last good file while the server is down, and renders a change once it is back on the same storage', async () => {
    const dir = temp.dir
    mkdirSync(join(dir, 'data'))
    const port = await freePort()
    const serverConfig = join(dir, 'server.hcl')
    writeFileSync(
      serverConfig,
      `storage "sqlite" {\n  path = "${join(dir, 'data', 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`,
    )
    server = await spawnServer([`-config=${serverConfig}`])
    const address = server.address
    const unauthenticated = client(address, '')
    const init = await unauthenticated('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    assert.equal(init.status, 200)
    const unsealKey = init.body.keys[0] as string
    assert.equal((await unauthenticated('PUT', 'sys/unseal', { body: { key: unsealKey } })).status, 200)
    const call = client(address, init.body.root_token as string)
    assert.equal(
      (await call('POST', 'sys/mounts/secret', { body: { type: 'kv', options: { version: '2' } } })).status,
      204,
    )
    assert.equal((await call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await call('PUT', 'sys/policies/acl/app', {
      body: { policy: 'path "secret/data/app" { capabilities = ["read"] }' },
    })
    await call('POST', 'auth/approle/role/app', { body: { token_policies: ['app'], token_ttl: '1h' } })
    const roleIdFile = join(dir, 'role-id')
    const secretIdFile = join(dir, 'secret-id')
    writeFileSync(roleIdFile, (await call('GET', 'auth/approle/role/app/role-id')).body.data.role_id)
    writeFileSync(secretIdFile, (await call('POST', 'auth/approle/role/app/secret-id')).body.data.secret_id)
    assert.equal(
      (await call('POST', 'secret/data/app', { body: { data: { password: 'before-restart' } } })).status,
      200,
    )

    const out = join(dir, 'app.env')
    agent = startAgent(
      join(dir, 'agent.hcl'),
      `vault { address = "${address}" }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
  sink "file" { config = { path = "${join(dir, 'token')}" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  contents    = "{{ with secret \\"secret/data/app\\" }}PASSWORD={{ .Data.data.password }}{{ end }}"
  destination = "${out}"
  perms       = "0600"
}
`,
      dir,
    )
    await agent.until('the template renders', () => readIfExists(out) === 'PASSWORD=before-restart')
    const token = readFileSync(join(dir, 'token'), 'utf8')

    // Server down: renders fail, and the file keeps its last good contents rather than being emptied.
    assert.equal(await server.stop('SIGTERM'), 0)
    server = undefined
    const failuresBefore = agent.log().split('keeps its last contents').length
    await agent.until(
      'two render cycles fail while the server is down',
      () => agent!.log().split('keeps its last contents').length >= failuresBefore + 2,
    )
    assert.equal(readFileSync(out, 'utf8'), 'PASSWORD=before-restart')
    assert.equal(agent.child.exitCode, null, 'the agent is still running')

    // Server back on the same address and storage, unsealed: the agent's token is still valid and a change renders.
    server = await spawnServer([`-config=${serverConfig}`])
    assert.equal(server.address, address)
    assert.equal((await unauthenticated('PUT', 'sys/unseal', { body: { key: unsealKey } })).status, 200)
    assert.equal(
      (await call('POST', 'secret/data/app', { body: { data: { password: 'after-restart' } } })).status,
      200,
    )
    await agent.until(
      'the change made after the restart is rendered',
      () => readIfExists(out) === 'PASSWORD=after-restart',
    )
    assert.equal(
      readFileSync(join(dir, 'token'), 'utf8'),
      token,
      'the same token carried on (it lives in storage)',
    )
    assert.ok(!agent.log().includes(token), 'no token in the log')
    assert.equal(await agent.stop(), 0)
  })
})
