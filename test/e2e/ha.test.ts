// HA on PostgreSQL, three real servers in process: one active, standbys forward, invariants hold across nodes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FAST_HA, type HaCluster, type HaNode, startHaCluster, until } from '../helpers/ha-cluster.ts'
import { burst } from '../helpers/race.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'

describe('high availability on PostgreSQL', { skip: await unmet(POSTGRES) }, () => {
  let cluster: HaCluster
  let root: string
  before(async () => {
    cluster = await startHaCluster(3)
    root = cluster.rootToken
    const active = await cluster.active()
    assert.equal(
      (await active.call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status,
      204,
    )
  })
  after(() => cluster?.close())

  const others = (node: HaNode) => cluster.nodes.filter((n) => n !== node)

  it('reports one active node: sys/leader, sys/health (473 for standbys that serve reads), sys/ha-status', async () => {
    const active = await cluster.active()
    const standbys = cluster.standbys()
    assert.equal(standbys.length, 2)
    const leader = await active.call('GET', 'sys/leader')
    assert.equal(leader.body.ha_enabled, true)
    assert.equal(leader.body.is_self, true)
    assert.equal(leader.body.leader_address, active.address)
    assert.notEqual(leader.body.active_time, '0001-01-01T00:00:00Z')
    assert.equal((await active.call('GET', 'sys/health')).status, 200)
    for (const standby of standbys) {
      const seen = await standby.call('GET', 'sys/leader')
      assert.equal(seen.body.is_self, false)
      assert.equal(seen.body.leader_address, active.address)
      // A standby that serves reads is a performance standby: 473 unless perfstandbyok (as in Vault).
      const health = await standby.call('GET', 'sys/health')
      assert.equal(health.status, 473)
      assert.equal(health.body.standby, true)
      assert.equal(health.body.performance_standby, true)
      assert.equal((await standby.call('GET', 'sys/health?perfstandbyok=true')).status, 200)
      assert.equal((await standby.call('GET', 'sys/health?performancestandbycode=299')).status, 299)
      assert.equal(seen.body.performance_standby, true)
      assert.equal(health.body.sealed, false)
      assert.equal(health.body.cluster_id, (await active.call('GET', 'sys/health')).body.cluster_id)
      assert.equal((await standby.call('GET', 'sys/seal-status')).body.sealed, false)
    }
    const status = await standbys[0]!.call('GET', 'sys/ha-status', { token: root })
    assert.equal(status.status, 200, JSON.stringify(status.body))
    const nodes = status.body.data.nodes as { api_address: string; active_node: boolean }[]
    assert.deepEqual(nodes.map((n) => n.api_address).sort(), cluster.nodes.map((n) => n.address).sort())
    assert.deepEqual(
      nodes.filter((n) => n.active_node).map((n) => n.api_address),
      [active.address],
    )
  })

  it('forwards from any standby: a write through one is read through another', async () => {
    const [first, second] = cluster.standbys()
    const wrote = await first!.call('POST', 'secret/data/forwarded', {
      token: root,
      body: { data: { v: 'one' } },
    })
    assert.equal(wrote.status, 200, JSON.stringify(wrote.body))
    const read = await second!.call('GET', 'secret/data/forwarded', { token: root })
    assert.equal(read.status, 200)
    assert.equal(read.body.data.data.v, 'one')
    // Without a token the active node refuses, and the refusal travels back unchanged.
    assert.equal((await first!.call('GET', 'secret/data/forwarded')).status, 403)
  })

  it('redirects with 307 when the client asks not to be forwarded; reads it serves itself are answered', async () => {
    const active = await cluster.active()
    const standby = cluster.standbys()[0]!
    const headers = {
      'x-vault-token': root,
      'x-vault-no-request-forwarding': 'true',
      'content-type': 'application/json',
    }
    const res = await fetch(`${standby.address}/v1/secret/data/redirected?x=1`, {
      method: 'POST',
      headers,
      body: '{"data":{"v":1}}',
      redirect: 'manual',
    })
    assert.equal(res.status, 307)
    assert.equal(res.headers.get('location'), `${active.address}/v1/secret/data/redirected?x=1`)
    // As with Vault's performance standbys, a read the standby serves itself is answered there.
    const read = await fetch(`${standby.address}/v1/secret/data/forwarded`, { headers, redirect: 'manual' })
    assert.equal(read.status, 200)
  })

  it('a standby cannot be sealed through the API (as Vault), and stays a standby', async () => {
    const standby = cluster.standbys()[0]!
    const sealed = await standby.call('PUT', 'sys/seal', { token: root })
    assert.equal(sealed.status, 400)
    assert.equal((await standby.call('GET', 'sys/seal-status')).body.sealed, false)
  })

  it('a standby serves KV reads itself: they succeed while forwarding cannot', async () => {
    const active = await cluster.active()
    const standby = cluster.standbys()[0]!
    assert.equal(
      (await active.call('POST', 'secret/data/local', { token: root, body: { data: { v: 'here' } } })).status,
      200,
    )
    // Point the lock's address somewhere dead: anything the standby forwards now fails.
    const before = await cluster.db.query('SELECT ha_value FROM coffer_ha_locks')
    await cluster.db.query(
      `UPDATE coffer_ha_locks SET ha_value = '{"apiAddr":"http://127.0.0.1:9","clusterAddr":""}'`,
    )
    try {
      await until(
        async () =>
          (await standby.call('POST', 'secret/data/x', { token: root, body: { data: {} } })).status === 503,
      )
      const read = await standby.call('GET', 'secret/data/local', { token: root })
      assert.equal(read.status, 200, JSON.stringify(read.body))
      assert.equal(read.body.data.data.v, 'here')
      assert.equal((await standby.call('LIST', 'secret/metadata/', { token: root })).status, 200)
      assert.equal((await standby.call('GET', 'auth/token/lookup-self', { token: root })).status, 200)
      assert.equal((await standby.call('GET', 'sys/policies/acl/default', { token: root })).status, 200)
      assert.equal((await standby.call('GET', 'secret/data/local')).status, 403, 'refusals are local too')
    } finally {
      await cluster.db.query('UPDATE coffer_ha_locks SET ha_value = $1', [before.rows[0].ha_value])
    }
  })

  it('a standby never serves a stale read: each write through the active node is seen by the next read', async () => {
    const active = await cluster.active()
    const [a, b] = cluster.standbys()
    for (let i = 0; i < 25; i++) {
      const wrote = await active.call('POST', 'secret/data/fresh', { token: root, body: { data: { i } } })
      assert.equal(wrote.status, 200)
      for (const standby of [a!, b!]) {
        const read = await standby.call('GET', 'secret/data/fresh', { token: root })
        assert.equal(read.body.data.data.i, i, `read ${i} on ${standby.address}`)
      }
    }
    await active.call('DELETE', 'secret/metadata/fresh', { token: root })
    for (const standby of [a!, b!])
      assert.equal((await standby.call('GET', 'secret/data/fresh', { token: root })).status, 404)
  })

  it('a token revoked on the active node is refused by a standby serving reads itself, at once', async () => {
    const active = await cluster.active()
    const created = await active.call('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['default'] },
    })
    const token: string = created.body.auth.client_token
    const standby = cluster.standbys()[0]!
    // The standby has the token cached from a local read.
    assert.equal((await standby.call('GET', 'auth/token/lookup-self', { token })).status, 200)
    assert.equal((await active.call('POST', 'auth/token/revoke-self', { token })).status, 204)
    assert.equal((await standby.call('GET', 'auth/token/lookup-self', { token })).status, 403)
    assert.equal((await standby.call('GET', 'secret/data/local', { token })).status, 403)
  })

  it('standby reads racing a revocation: each answered after the revoke returned is refused, on many sockets at once', async () => {
    const active = await cluster.active()
    const standby = cluster.standbys()[0]!
    const created = await active.call('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['default'] },
    })
    const token: string = created.body.auth.client_token
    const lookups = Array.from({ length: 20 }, () => ({
      method: 'GET',
      path: 'auth/token/lookup-self',
      token,
    }))
    // Warm the standby's caches with a burst before the revocation: every read is served.
    for (const reply of await burst(standby.address, lookups)) assert.equal(reply.status, 200)
    // The revocation and a burst of reads in flight together: no read may succeed once the revoke has returned,
    // so every read that succeeded must have been answered before it.
    const revoke = active.call('POST', 'auth/token/revoke', { token: root, body: { token } })
    const racing = await burst(standby.address, lookups)
    assert.equal((await revoke).status, 204)
    assert.ok(
      racing.every((reply) => reply.status === 200 || reply.status === 403),
      JSON.stringify(racing.map((r) => r.status)),
    )
    // After it returned: every read on every socket at once is refused.
    for (const reply of await burst(standby.address, lookups)) assert.equal(reply.status, 403)
    for (const reply of await burst(
      standby.address,
      lookups.map((r) => ({ ...r, path: 'secret/data/local' })),
    ))
      assert.equal(reply.status, 403)
  })

  it('a token revoked through one node is refused by every node at once', async () => {
    const [a, b] = cluster.standbys()
    const created = await a!.call('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['default'] },
    })
    const token: string = created.body.auth.client_token
    for (const node of cluster.nodes)
      assert.equal((await node.call('GET', 'auth/token/lookup-self', { token })).status, 200)
    assert.equal((await b!.call('POST', 'auth/token/revoke', { token: root, body: { token } })).status, 204)
    for (const node of cluster.nodes)
      assert.equal((await node.call('GET', 'auth/token/lookup-self', { token })).status, 403, node.address)
  })

  it('a secret ID destroyed and a token revoked by accessor through one node are refused through every node', async () => {
    const [a, b] = cluster.standbys()
    const active = await cluster.active()
    const as = (node: HaNode, method: string, path: string, body?: unknown) =>
      node.call(method, path, { token: root, ...(body === undefined ? {} : { body }) })
    assert.equal((await as(a!, 'POST', 'sys/auth/approle', { type: 'approle' })).status, 204)
    assert.equal((await as(b!, 'POST', 'auth/approle/role/app', { token_policies: 'default' })).status, 204)
    const roleId = (await as(active, 'GET', 'auth/approle/role/app/role-id')).body.data.role_id
    const secretId = (await as(a!, 'POST', 'auth/approle/role/app/secret-id')).body.data.secret_id
    const login = (node: HaNode) =>
      node.call('POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: secretId } })
    assert.equal((await login(b!)).status, 200)
    assert.equal(
      (await as(b!, 'POST', 'auth/approle/role/app/secret-id/destroy', { secret_id: secretId })).status,
      204,
    )
    for (const node of cluster.nodes) assert.equal((await login(node)).status, 400, node.address)

    // A token revoked by its accessor through one standby: neither renewal nor use works through any node.
    const created = await as(a!, 'POST', 'auth/token/create', { policies: ['default'], ttl: '1h' })
    const accessor: string = created.body.auth.accessor
    const token: string = created.body.auth.client_token
    assert.equal((await as(a!, 'POST', 'auth/token/revoke-accessor', { accessor })).status, 204)
    for (const node of cluster.nodes) {
      assert.equal((await node.call('POST', 'auth/token/renew-self', { token })).status, 403, node.address)
      assert.equal((await node.call('GET', 'secret/data/forwarded', { token })).status, 403, node.address)
    }
  })

  it('a policy changed through one node binds every node at once', async () => {
    const [a, b] = cluster.standbys()
    const active = await cluster.active()
    const policy = (capabilities: string) => ({
      policy: `path "secret/data/policy-test" { capabilities = [${capabilities}] }`,
    })
    assert.equal(
      (await a!.call('PUT', 'sys/policies/acl/flip', { token: root, body: policy('"read"') })).status,
      204,
    )
    await active.call('POST', 'secret/data/policy-test', { token: root, body: { data: { v: 1 } } })
    const created = await b!.call('POST', 'auth/token/create', { token: root, body: { policies: ['flip'] } })
    const token: string = created.body.auth.client_token
    for (const node of cluster.nodes)
      assert.equal((await node.call('GET', 'secret/data/policy-test', { token })).status, 200)
    assert.equal(
      (await b!.call('PUT', 'sys/policies/acl/flip', { token: root, body: policy('"list"') })).status,
      204,
    )
    for (const node of cluster.nodes)
      assert.equal((await node.call('GET', 'secret/data/policy-test', { token })).status, 403, node.address)
  })

  it('hands over on sys/step-down (sent to a standby): another node becomes active and has everything', async () => {
    const before = await cluster.active()
    const standby = others(before)[0]!
    assert.equal((await standby.call('PUT', 'sys/step-down', { token: root })).status, 204)
    await until(() => !before.active())
    const after = await cluster.active()
    assert.notEqual(after, before)
    const read = await before.call('GET', 'secret/data/forwarded', { token: root })
    assert.equal(read.status, 200, 'the old active node now forwards to the new one')
    assert.equal(read.body.data.data.v, 'one')
    assert.equal(
      (await before.call('POST', 'secret/data/after-step-down', { token: root, body: { data: { v: 2 } } }))
        .status,
      200,
    )
  })

  it('fences writes: a node whose lock another holder took can write nothing and stops being active', async () => {
    const active = await cluster.active()
    // Another holder takes the lock behind the active node's back (as a node that won a partition would).
    await cluster.db.query(
      `UPDATE coffer_ha_locks SET ha_identity = 'intruder', valid_until = clock_timestamp() + interval '1 hour'`,
    )
    // The write is refused in PostgreSQL itself, whatever the node still believes.
    const write = await active.call('POST', 'secret/data/fenced', { token: root, body: { data: { v: 'x' } } })
    assert.equal(write.status, 503, JSON.stringify(write.body))
    await until(() => cluster.nodes.every((node) => !node.active()))
    // The intruder leaves; a node takes over and writes again. The fenced write never landed.
    await cluster.db.query(`UPDATE coffer_ha_locks SET valid_until = clock_timestamp()`)
    const next = await cluster.active()
    assert.equal((await next.call('GET', 'secret/data/fenced', { token: root })).status, 404)
    assert.equal(
      (await next.call('POST', 'secret/data/fenced', { token: root, body: { data: { v: 'y' } } })).status,
      200,
    )
  })

  it('a lease that falls due during a hand-over is revoked by the new active node', async () => {
    const active = await cluster.active()
    const as = (path: string, body: unknown) => active.call('POST', path, { token: root, body })
    assert.equal((await as('sys/mounts/database', { type: 'database' })).status, 204)
    assert.equal(
      (
        await as('database/config/pg', {
          plugin_name: 'postgresql-database-plugin',
          connection_url: cluster.db.url.replace(
            'postgres://postgres@',
            'postgres://{{username}}:{{password}}@',
          ),
          username: 'postgres',
          password: 'unused-with-trust',
          allowed_roles: ['short'],
        })
      ).status,
      204,
    )
    assert.equal(
      (
        await as('database/roles/short', {
          db_name: 'pg',
          creation_statements: [
            "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
          ],
          default_ttl: '2s',
          max_ttl: '2s',
        })
      ).status,
      204,
    )
    const creds = await active.call('GET', 'database/creds/short', { token: root })
    assert.equal(creds.status, 200, JSON.stringify(creds.body))
    const username: string = creds.body.data.username
    const roleExists = async () =>
      (await cluster.db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1
    assert.equal(await roleExists(), true)
    // Hand over before the lease is due; the new active node loads the lease and revokes it when due.
    assert.equal((await active.call('PUT', 'sys/step-down', { token: root })).status, 204)
    await until(() => !active.active())
    const next = await cluster.active()
    assert.notEqual(next, active)
    await until(async () => !(await roleExists()), 100)
    const lookup = await next.call('PUT', 'sys/leases/lookup', {
      token: root,
      body: { lease_id: creds.body.lease_id },
    })
    assert.equal(lookup.status, 400, 'the lease is gone once revoked')
  })

  it('sealing the active node hands over; the sealed node answers 503 and takes no part', async () => {
    const before = await cluster.active()
    assert.equal((await before.call('PUT', 'sys/seal', { token: root })).status, 204)
    const after = await cluster.active()
    assert.notEqual(after, before)
    assert.equal((await before.call('GET', 'sys/health')).status, 503)
    assert.equal((await before.call('GET', 'secret/data/forwarded', { token: root })).status, 503)
    const unsealed = await before.call('PUT', 'sys/unseal', { body: { key: cluster.unsealKey } })
    assert.equal(unsealed.body.sealed, false)
    await until(async () => (await before.call('GET', 'sys/health')).status === 473)
    assert.ok(FAST_HA.lockTtlMs > 0)
  })
})
