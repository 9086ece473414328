// End-to-end, as an adversary: no token or policy change made at the server leaves the agent's static cache serving
// the token afterwards (revoked directly, by accessor, with its parent, by lease prefix or force, with its auth mount,
// stripped of its policy directly or through its entity's group, or its entity disabled), nor a leased credential
// revoked there, even with reads in flight during the change.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type AgentProcess, startAgent } from '../helpers/agent-process.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { burst, type RaceReply } from '../helpers/race.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { client, makeTempDir } from '../helpers/server.ts'

const ROOT = 'agent-revocation-root'

const AGENT_POLICY = `
path "secret/data/*" { capabilities = ["read", "subscribe"] }
path "database/creds/*" { capabilities = ["read", "subscribe"] }
path "sys/events/subscribe/*" { capabilities = ["read"] }
path "sys/leases/lookup" { capabilities = ["update"] }
`
const APP_POLICY = `
path "secret/data/app" { capabilities = ["read"] }
path "auth/token/create" { capabilities = ["update"] }
path "database/creds/app" { capabilities = ["read"] }
`

describe('coffer agent static cache: a change at the server stops cached serving at once', () => {
  const temp = makeTempDir('coffer-agent-revocation-')
  let server: ServerProcess
  let agent: AgentProcess
  let call: ReturnType<typeof client>
  let proxy: string
  let db: TestDatabase | undefined
  before(async () => {
    const dataDir = join(temp.dir, 'server')
    mkdirSync(dataDir)
    server = await spawnServer([
      '-dev',
      '-dev-listen-address=127.0.0.1:0',
      `-dev-data-dir=${dataDir}`,
      `-dev-root-token-id=${ROOT}`,
      '-dev-no-store-token',
      '-log-level=error',
    ])
    call = client(server.address, ROOT)
    assert.equal(
      (await call('PUT', 'sys/policies/acl/agent', { body: { policy: AGENT_POLICY } })).status,
      204,
    )
    assert.equal((await call('PUT', 'sys/policies/acl/app', { body: { policy: APP_POLICY } })).status, 204)
    assert.equal((await call('POST', 'secret/data/app', { body: { data: { v: 'secret' } } })).status, 200)
    const agentToken = (await call('POST', 'auth/token/create-orphan', { body: { policies: ['agent'] } }))
      .body.auth.client_token
    const tokenFile = join(temp.dir, 'agent-token')
    writeFileSync(tokenFile, agentToken)
    const config = `
vault { address = "${server.address}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
cache { cache_static_secrets = true }
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`
    agent = startAgent(join(temp.dir, 'agent.hcl'), config, temp.dir)
    await agent.until('change events flow', () => agent.log().includes('change events connected'))
    proxy = `http://${/api proxy listening on (\S+)/.exec(agent.log())![1]}`
  })
  after(async () => {
    await agent?.stop()
    await server?.stop('SIGKILL')
    await db?.drop()
    temp.remove()
  })

  const read = async (token: string, count = 1): Promise<RaceReply[]> =>
    burst(
      proxy,
      Array.from({ length: count }, () => ({ method: 'GET', path: 'secret/data/app', token })),
    )

  /** Reads through the agent until one is a cache hit, so the copy the attack targets is there. */
  const cached = async (token: string) =>
    agent.until('the token is served from the cache', async () => {
      const [reply] = await read(token)
      assert.equal(reply!.status, 200, JSON.stringify(reply!.body))
      return reply!.headers['x-cache'] === 'HIT'
    })

  const appToken = async (parent = ROOT): Promise<string> => {
    const made = await call('POST', 'auth/token/create', { token: parent, body: { policies: ['app'] } })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    return made.body.auth.client_token
  }

  /** Runs `change` at the server while reads are in flight; once it answered, no read through the agent succeeds. */
  const attack = async (token: string, change: () => Promise<{ status: number }>, revoked = true) => {
    await cached(token)
    const [during, answer] = await Promise.all([read(token, 20), change()])
    assert.ok(answer.status < 300, `the change at the server succeeded (${answer.status})`)
    for (const reply of during) assert.ok([200, 403].includes(reply.status), String(reply.status))
    const afterwards = await read(token, 20)
    for (const reply of afterwards)
      assert.equal(
        reply.status,
        403,
        `served after the change: ${reply.headers['x-cache'] ?? 'from the server'}`,
      )
    // Nor is the token's own lookup answered as if it were alive.
    const [lookup] = await burst(proxy, [{ method: 'GET', path: 'auth/token/lookup-self', token }])
    assert.equal(lookup!.status, revoked ? 403 : 200)
  }

  it('a token revoking itself through the agent, in the same burst as reads', async () => {
    const token = await appToken()
    await cached(token)
    const requests = Array.from({ length: 30 }, () => ({ method: 'GET', path: 'secret/data/app', token }))
    requests.splice(15, 0, { method: 'POST', path: 'auth/token/revoke-self', token })
    const replies = await burst(proxy, requests)
    assert.equal(replies[15]!.status, 204)
    const afterwards = await read(token, 20)
    for (const reply of afterwards)
      assert.equal(reply.status, 403, reply.headers['x-cache'] ?? 'from the server')
  })

  it('a token revoked directly at the server', async () => {
    const token = await appToken()
    await attack(token, () => call('POST', 'auth/token/revoke', { body: { token } }))
  })

  it('a token whose parent is revoked at the server', async () => {
    const parent = await appToken()
    const child = await appToken(parent)
    await attack(child, () => call('POST', 'auth/token/revoke', { body: { token: parent } }))
  })

  it('a token revoked by accessor, and one revoked with its orphaned children kept', async () => {
    const made = await call('POST', 'auth/token/create', { body: { policies: ['app'] } })
    const { client_token: token, accessor } = made.body.auth
    await attack(token, () => call('POST', 'auth/token/revoke-accessor', { body: { accessor } }))
    const orphaning = await appToken()
    await attack(orphaning, () => call('POST', 'auth/token/revoke-orphan', { body: { token: orphaning } }))
  })

  it('tokens revoked by their lease prefix, and by revoke-force', async () => {
    const token = await appToken()
    await attack(token, () => call('PUT', 'sys/leases/revoke-prefix/auth/token/create'))
    const forced = await appToken()
    await attack(forced, () => call('PUT', 'sys/leases/revoke-force/auth/token/create'))
  })

  it('a token whose auth mount is disabled', async () => {
    assert.equal((await call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await call('POST', 'auth/approle/role/app', { body: { token_policies: ['app'] } })
    const roleId = (await call('GET', 'auth/approle/role/app/role-id')).body.data.role_id
    const secretId = (await call('POST', 'auth/approle/role/app/secret-id')).body.data.secret_id
    const login = await call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    await attack(login.body.auth.client_token, () => call('DELETE', 'sys/auth/approle'))
  })

  it('a policy that no longer grants read', async () => {
    const token = await appToken()
    await attack(
      token,
      () =>
        call('PUT', 'sys/policies/acl/app', {
          body: { policy: 'path "secret/data/other" { capabilities = ["read"] }' },
        }),
      false,
    )
    assert.equal((await call('PUT', 'sys/policies/acl/app', { body: { policy: APP_POLICY } })).status, 204)
  })

  it('an entity leaving the group that granted read, and an entity disabled', async () => {
    assert.equal(
      (
        await call('POST', 'auth/token/roles/grouped', {
          body: { allowed_entity_aliases: ['grouped-*'], allowed_policies: ['default'] },
        })
      ).status,
      204,
    )
    const entityToken = async (alias: string) => {
      const made = await call('POST', 'auth/token/create/grouped', {
        body: { entity_alias: alias, policies: ['default'] },
      })
      assert.equal(made.status, 200, JSON.stringify(made.body))
      return { token: made.body.auth.client_token as string, entityId: made.body.auth.entity_id as string }
    }
    const member = await entityToken('grouped-member')
    const disabled = await entityToken('grouped-disabled')
    const group = await call('POST', 'identity/group', {
      body: {
        name: 'app-readers',
        policies: ['app'],
        member_entity_ids: [member.entityId, disabled.entityId],
      },
    })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    await attack(
      member.token,
      () =>
        call('POST', `identity/group/id/${group.body.data.id}`, {
          body: { member_entity_ids: [disabled.entityId] },
        }),
      false,
    )
    await attack(disabled.token, () =>
      call('POST', `identity/entity/id/${disabled.entityId}`, { body: { disabled: true } }),
    )
  })

  it('a leased credential revoked at the server by id, by prefix or by force, while reads are in flight', async (t) => {
    const skip = await unmet(POSTGRES)
    if (skip) return t.skip(skip)
    db = await createTestDatabase()
    await postgresEngine(call, db.url, { app: { defaultTtl: '1h' } })
    const token = await appToken()
    const creds = (count: number) =>
      burst(
        proxy,
        Array.from({ length: count }, () => ({ method: 'GET', path: 'database/creds/app', token })),
      )
    const revocations: ((leaseId: string) => Promise<{ status: number }>)[] = [
      (leaseId) => call('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } }),
      () => call('PUT', 'sys/leases/revoke-prefix/database/creds/app'),
      () => call('PUT', 'sys/leases/revoke-force/database/creds/app'),
    ]
    for (const revoke of revocations) {
      const [first] = await creds(1)
      assert.equal(first!.status, 200, JSON.stringify(first!.body))
      const leaseId = first!.body.lease_id as string
      const [again] = await creds(1)
      assert.equal(again!.headers['x-cache'], 'HIT')
      const [, answer] = await Promise.all([creds(10), revoke(leaseId)])
      assert.equal(answer.status, 204)
      for (const reply of await creds(10))
        assert.notEqual(reply.body.lease_id, leaseId, 'the revoked lease is never handed out again')
    }
  })
})
