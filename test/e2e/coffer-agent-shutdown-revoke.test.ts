// End-to-end: revoke_on_shutdown. An agent rendering PostgreSQL credentials revokes their lease and its own token at
// SIGTERM; without the option both outlive the agent, as in Vault Agent.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { readIfExists, startAgent } from '../helpers/agent-process.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

describe('coffer agent revoke_on_shutdown', async () => {
  const skip = await unmet(POSTGRES)
  let t: TestServer
  let db: TestDatabase
  let temp: ReturnType<typeof makeTempDir>
  before(async () => {
    if (skip) return
    t = await startDevServer()
    db = await createTestDatabase()
    temp = makeTempDir('coffer-agent-shutdown-')
    await postgresEngine(t.call, db.url, { app: { defaultTtl: '1h' } })
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    const policy =
      'path "database/creds/app" { capabilities = ["read"] }\npath "sys/leases/revoke" { capabilities = ["update"] }'
    await t.call('PUT', 'sys/policies/acl/creds', { body: { policy } })
    await t.call('POST', 'auth/approle/role/agent', { body: { token_policies: ['creds'] } })
  })
  after(async () => {
    await t?.close()
    await db?.drop()
    temp?.remove()
  })

  /** Runs an agent until its template is rendered, stops it with SIGTERM; returns the lease id and token it had. */
  async function runAndStop(name: string, revokeOnShutdown: boolean) {
    const roleId = join(temp.dir, `${name}-role-id`)
    writeFileSync(roleId, (await t.call('GET', 'auth/approle/role/agent/role-id')).body.data.role_id)
    const secretId = join(temp.dir, `${name}-secret-id`)
    writeFileSync(secretId, (await t.call('POST', 'auth/approle/role/agent/secret-id')).body.data.secret_id)
    const sink = join(temp.dir, `${name}-token`)
    const out = join(temp.dir, `${name}-db.env`)
    const agent = startAgent(
      join(temp.dir, `${name}.hcl`),
      `
vault { address = "${t.address}" }
${revokeOnShutdown ? 'revoke_on_shutdown = true' : ''}
auto_auth {
  method "approle" { config = { role_id_file_path = "${roleId}", secret_id_file_path = "${secretId}" } }
  sink "file" { config = { path = "${sink}" } }
}
template {
  contents    = "{{ with secret \\"database/creds/app\\" }}{{ .LeaseID }} {{ .Data.username }}{{ end }}"
  destination = "${out}"
  perms       = "0600"
}
`,
      temp.dir,
    )
    await agent.until('the template is rendered', () =>
      (readIfExists(out) ?? '').includes('database/creds/app/'),
    )
    const [leaseId] = readFileSync(out, 'utf8').split(' ')
    const token = readFileSync(sink, 'utf8')
    assert.equal((await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } })).status, 200)
    assert.equal(await agent.stop(), 0)
    return { leaseId: leaseId!, token, log: agent.log(), sink }
  }

  it('revokes the template leases and the agent token at SIGTERM', { skip }, async () => {
    const { leaseId, token, log, sink } = await runAndStop('on', true)
    const lease = await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } })
    assert.ok(lease.status >= 400, `the lease is gone: ${JSON.stringify(lease.body)}`)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
    assert.match(log, /1 of 1 leases revoked/)
    assert.match(log, /the agent token was revoked/)
    assert.equal(readIfExists(sink), token, 'the sink file stays, as in Vault Agent')
  })

  it('leaves them alone without the option', { skip }, async () => {
    const { leaseId, token } = await runAndStop('off', false)
    assert.equal((await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } })).status, 200)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
  })
})
