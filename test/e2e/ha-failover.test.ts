// HA failover with real processes: three `coffer server` nodes on PostgreSQL under mixed load, the active one
// killed with SIGKILL. Measured and reported: time until writes succeed again, requests failed meanwhile;
// asserted: no acknowledged write is lost, and dynamic credentials issued before the kill still work.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { pgCreateRole } from '../helpers/pg-engine.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { client, makeTempDir } from '../helpers/server.ts'

interface Node {
  process: ServerProcess
  call: ReturnType<typeof client>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('HA failover (processes, kill -9 of the active node)', { skip: await unmet(POSTGRES) }, () => {
  let db: TestDatabase
  const temp = makeTempDir('coffer-ha-failover-')
  const nodes: Node[] = []
  let root = ''

  before(async () => {
    db = await createTestDatabase()
    const config = join(temp.dir, 'coffer.hcl')
    writeFileSync(
      config,
      `storage "postgresql" {\n  connection_url = "${db.url}"\n  ha_enabled = "true"\n}\n` +
        'listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n',
    )
    for (let i = 0; i < 3; i++) {
      const process = await spawnServer([`-config=${config}`, '-log-level=warn'])
      nodes.push({ process, call: client(process.address, '') })
    }
    const init = await nodes[0]!.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    root = init.body.root_token
    for (const node of nodes) {
      const unsealed = await node.call('PUT', 'sys/unseal', { body: { key: init.body.keys_base64[0] } })
      assert.equal(unsealed.body.sealed, false)
    }
  })
  after(async () => {
    for (const node of nodes) await node.process.stop('SIGKILL').catch(() => {})
    await db?.drop()
    temp.remove()
  })

  /** The node that says it is active, once one does. */
  async function activeNode(among: Node[]): Promise<Node> {
    for (;;) {
      for (const node of among) {
        const leader = await node.call('GET', 'sys/leader').catch(() => undefined)
        if (leader?.body?.is_self) return node
      }
      await sleep(50)
    }
  }

  it('loses no acknowledged write, keeps issued credentials, and serves again on a new active node', async (t) => {
    const active = await activeNode(nodes)
    const as = (path: string, method = 'POST', body?: unknown) =>
      active.call(method, path, { token: root, ...(body !== undefined ? { body } : {}) })
    assert.equal((await as('sys/mounts/secret', 'POST', { type: 'kv-v2' })).status, 204)
    assert.equal((await as('sys/auth/userpass', 'POST', { type: 'userpass' })).status, 204)
    assert.equal(
      (await as('auth/userpass/users/app', 'POST', { password: 'app-password', policies: 'default' })).status,
      204,
    )
    assert.equal((await as('sys/mounts/database', 'POST', { type: 'database' })).status, 204)
    assert.equal(
      (
        await as('database/config/pg', 'POST', {
          plugin_name: 'postgresql-database-plugin',
          connection_url: db.url.replace('postgres://postgres@', 'postgres://{{username}}:{{password}}@'),
          username: 'postgres',
          password: 'unused-with-trust',
          allowed_roles: ['app'],
        })
      ).status,
      204,
    )
    assert.equal(
      (
        await as('database/roles/app', 'POST', {
          db_name: 'pg',
          // Tagged for db.drop(): the leases die with the killed cluster, so nothing else would drop these roles.
          creation_statements: [pgCreateRole(db.url, true)],
          default_ttl: '1h',
        })
      ).status,
      204,
    )

    const survivors = nodes.filter((node) => node !== active)
    const acknowledged = new Map<string, string>()
    const failures: Record<string, number> = { write: 0, read: 0, login: 0, creds: 0 }
    const issued: string[] = []
    let stop = false
    let killedAt = 0
    let firstWriteAfterKill = 0
    let sequence = 0

    // Each worker uses every node in turn, the active one included, as a client behind a load balancer would.
    const pick = (i: number) => (killedAt && nodes[i % 3] === active ? survivors[i % 2]! : nodes[i % 3]!)
    const writer = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const key = `w${id}-${sequence++}`
        const value = `v-${key}`
        const sentAt = Date.now()
        const reply = await pick(i + id)
          .call('POST', `secret/data/failover/${key}`, { token: root, body: { data: { value } } })
          .catch(() => undefined)
        if (reply?.status === 200) {
          acknowledged.set(key, value)
          // The first write both sent and acknowledged after the kill marks the new active node serving.
          if (killedAt && sentAt > killedAt && !firstWriteAfterKill) firstWriteAfterKill = Date.now()
        } else {
          failures['write']!++
          await sleep(20)
        }
      }
    }
    const reader = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const reply = await pick(i + id)
          .call('GET', 'sys/mounts', { token: root })
          .catch(() => undefined)
        if (reply?.status !== 200) {
          failures['read']!++
          await sleep(20)
        }
      }
    }
    const login = async () => {
      for (let i = 0; !stop; i++) {
        const reply = await pick(i)
          .call('POST', 'auth/userpass/login/app', { body: { password: 'app-password' } })
          .catch(() => undefined)
        if (reply?.status !== 200) {
          failures['login']!++
          await sleep(20)
        }
      }
    }
    const creds = async () => {
      for (let i = 0; !stop; i++) {
        const reply = await pick(i + 1)
          .call('GET', 'database/creds/app', { token: root })
          .catch(() => undefined)
        if (reply?.status === 200) issued.push(reply.body.lease_id)
        else failures['creds']!++
        await sleep(50)
      }
    }
    const load = [writer(0), writer(1), writer(2), writer(3), reader(0), reader(1), login(), creds()]
    while (acknowledged.size < 100) await sleep(20)
    const issuedBefore = issued.length

    killedAt = Date.now()
    await active.process.stop('SIGKILL')
    const ackedAtKill = acknowledged.size
    while (!firstWriteAfterKill) await sleep(20)
    // Keep the load on for a while after the switch, then stop it.
    const target = acknowledged.size + 100
    while (acknowledged.size < target) await sleep(20)
    stop = true
    await Promise.all(load)

    const newActive = await activeNode(survivors)
    const failoverMs = firstWriteAfterKill - killedAt
    t.diagnostic(
      `failover: writes succeeded again ${failoverMs} ms after kill -9; acknowledged writes ${ackedAtKill} before, ${acknowledged.size} in all; failed requests during the switch: ${JSON.stringify(failures)}; credentials issued before the kill: ${issuedBefore}, in all: ${issued.length}`,
    )

    // Every acknowledged write is there, with its value.
    let lost = 0
    for (const [key, value] of acknowledged) {
      const read = await newActive.call('GET', `secret/data/failover/${key}`, { token: root })
      if (read.status !== 200 || read.body.data.data.value !== value) lost++
    }
    assert.equal(lost, 0, `${lost} of ${acknowledged.size} acknowledged writes were lost`)
    // Leases issued before and after the kill are known to the new active node.
    for (const leaseId of [issued[0]!, issued.at(-1)!]) {
      const lookup = await newActive.call('PUT', 'sys/leases/lookup', {
        token: root,
        body: { lease_id: leaseId },
      })
      assert.equal(lookup.status, 200, `lease ${leaseId} is known after the failover`)
    }
    assert.ok(issuedBefore > 0 && issued.length > issuedBefore)
  })
})
