// sys/remount over HTTP: KV data, database leases and an auth method's users and tokens across a move; status; refusals.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { canLoginMariaDb } from '../../src/server/engines/database/test-helpers.ts'
import { revokeDatabaseLeases } from '../helpers/database-leases.ts'
import { mariaDbEngine } from '../helpers/mariadb-engine.ts'
import { describeUnless, MARIADB, unmet } from '../helpers/requirements.ts'
import { type Reply, startDevServer, type TestServer } from '../helpers/server.ts'

/** Start a move and poll its status until it ends (each poll is a round trip, no timer); returns the final status. */
async function move(t: TestServer, from: string, to: string): Promise<string> {
  const started = await t.call('POST', 'sys/remount', { body: { from, to } })
  assert.equal(started.status, 200, JSON.stringify(started.body))
  return finished(t, started.body.data.migration_id)
}

async function finished(t: TestServer, id: string): Promise<string> {
  for (let i = 0; i < 10_000; i++) {
    const status = await t.call('GET', `sys/remount/status/${id}`)
    assert.equal(status.status, 200, JSON.stringify(status.body))
    const state = status.body.data.migration_info.status as string
    if (state !== 'in-progress') return state
  }
  throw new Error(`move ${id} never ended`)
}

const MOVE_ERRORS: [string, string, string][] = [
  ['', 'x', "both 'from' and 'to' path must be specified as a string"],
  [' secret', 'x', "'from' path cannot contain trailing whitespace"],
  ['secret', 'x ', "'to' path cannot contain trailing whitespace"],
  ['secret', 'a//b', "invalid destination mount: path 'a//b/' does not match cleaned path 'a/b/'"],
  ['secret', 'a/../b', "invalid destination mount: path 'a/../b/' does not match cleaned path 'b/'"],
  ['secret', 'a\u0007b', 'invalid destination mount: path cannot contain non-printable characters'],
  ['sys', 'system', 'cannot remount "sys/"'],
  ['cubbyhole', 'cubby', 'cannot remount "cubbyhole/"'],
  ['identity', 'ident', 'cannot remount "identity/"'],
  ['secret', 'sys/secret', 'cannot remount to destination sys/secret/'],
  ['secret', 'auth/secret', 'cannot remount to destination auth/secret/'],
  ['secret', 'cubbyhole/x', 'cannot remount to destination cubbyhole/x/'],
  ['auth/token', 'auth/tok', 'cannot remount "auth/token/"'],
  ['auth/people', 'people', 'cannot remount auth mount to non-auth mount "people/"'],
  ['auth/people', 'auth/token2', 'cannot remount to destination "auth/token2/"'],
  ['nowhere', 'somewhere', 'no matching mount at "nowhere/"'],
  ['auth/nobody', 'auth/somebody', 'no matching mount at "auth/nobody/"'],
  ['secret', 'secret', 'path already in use at "secret/"'],
  ['secret', 'secret/inner', 'path already in use at "secret/"'],
  ['other', 'kv', 'path already in use at "kv/inner/"'],
]

describe('sys/remount', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  it('moves a KV v2 mount with its data: readable at the new path, gone at the old', async () => {
    assert.equal((await t.call('POST', 'sys/mounts/kv-a', { body: { type: 'kv-v2' } })).status, 204)
    const before = (await t.call('GET', 'sys/mounts/kv-a')).body.data
    await t.call('POST', 'kv-a/data/app', { body: { data: { password: 'p1' } } })
    await t.call('POST', 'kv-a/data/app', { body: { data: { password: 'p2' } } })
    assert.equal(await move(t, 'kv-a', 'kv-b'), 'success')
    const read = await t.call('GET', 'kv-b/data/app')
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data.data, { password: 'p2' })
    assert.equal(read.body.data.metadata.version, 2)
    assert.equal((await t.call('GET', 'kv-b/data/app?version=1')).body.data.data.password, 'p1')
    assert.equal((await t.call('GET', 'kv-a/data/app')).status, 404)
    const mounts = (await t.call('GET', 'sys/mounts')).body.data
    assert.equal(mounts['kv-a/'], undefined)
    // The same mount, moved: its UUID, accessor, type and options stay.
    assert.equal(mounts['kv-b/'].uuid, before.uuid)
    assert.equal(mounts['kv-b/'].accessor, before.accessor)
    assert.deepEqual(mounts['kv-b/'].options, { version: '2' })
    // The KV CLI's preflight finds it at its new path.
    const ui = await t.call('GET', 'sys/internal/ui/mounts/kv-b/app')
    assert.equal(ui.body.data.path, 'kv-b/')
  })

  it('answers 200 with a migration id (also at the top level) and a warning; the status names both mounts', async () => {
    await t.call('POST', 'sys/mounts/st-a', { body: { type: 'kv' } })
    const started = await t.call('POST', 'sys/remount', { body: { from: 'st-a', to: '/st-b/' } })
    assert.equal(started.status, 200)
    const id = started.body.data.migration_id as string
    assert.match(id, /^[0-9a-f-]{36}$/)
    assert.equal(started.body.migration_id, id)
    assert.equal(started.body.warnings.length, 1)
    assert.equal(await finished(t, id), 'success')
    const status = await t.call('GET', `sys/remount/status/${id}`)
    assert.deepEqual(status.body.data, {
      migration_id: id,
      migration_info: { source_mount: 'st-a/', target_mount: 'st-b/', status: 'success' },
    })
    assert.equal(status.body.migration_id, undefined, 'the status path is not one of the top-level routes')
    const unknown = await t.call('GET', 'sys/remount/status/00000000-0000-0000-0000-000000000000')
    assert.equal(unknown.status, 404)
  })

  it('a path inside a mount is queued and its move fails, as in Vault', async () => {
    const started = await t.call('POST', 'sys/remount', { body: { from: 'secret/inner', to: 'elsewhere' } })
    assert.equal(started.status, 200)
    assert.equal(await finished(t, started.body.data.migration_id), 'failure')
    assert.equal((await t.call('GET', 'sys/mounts/secret')).status, 200)
  })

  it("refuses with Vault's error texts", async () => {
    await t.call('POST', 'sys/auth/people', { body: { type: 'userpass' } })
    await t.call('POST', 'sys/mounts/other', { body: { type: 'kv' } })
    await t.call('POST', 'sys/mounts/kv/inner', { body: { type: 'kv' } })
    for (const [from, to, error] of MOVE_ERRORS) {
      const res = await t.call('POST', 'sys/remount', { body: { from, to } })
      assert.equal(res.status, 400, `${from} -> ${to}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, [error], `${from} -> ${to}`)
    }
  })

  it('needs sudo; the status does not', async () => {
    await t.call('PUT', 'sys/policies/acl/mover', {
      body: {
        policy:
          'path "sys/remount" { capabilities = ["update"] }\npath "sys/remount/status/*" { capabilities = ["read"] }',
      },
    })
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['mover'] } })).body.auth
      .client_token as string
    await t.call('POST', 'sys/mounts/sudo-a', { body: { type: 'kv' } })
    const refused = await t.call('POST', 'sys/remount', { token, body: { from: 'sudo-a', to: 'sudo-b' } })
    assert.equal(refused.status, 403)
    const started = await t.call('POST', 'sys/remount', { body: { from: 'sudo-a', to: 'sudo-b' } })
    const id = started.body.data.migration_id as string
    assert.equal((await t.call('GET', `sys/remount/status/${id}`, { token })).status, 200)
  })

  it('moves an auth method with its users; its tokens are revoked (as Vault revokes them), new logins work and renew', async () => {
    await t.call('POST', 'sys/auth/up', { body: { type: 'userpass' } })
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: { policy: 'path "secret/*" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'auth/up/users/alice', { body: { password: 'pw', token_policies: 'reader' } })
    const accessor = (await t.call('GET', 'sys/auth/up')).body.data.accessor
    const first = (await t.call('POST', 'auth/up/login/alice', { token: '', body: { password: 'pw' } })).body
      .auth
    assert.equal(await move(t, 'auth/up', 'auth/up2'), 'success')
    // Vault revokes every lease under the source path, the tokens its logins issued among them.
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: first.client_token })).status, 403)
    assert.equal(
      (await t.call('POST', 'auth/up/login/alice', { token: '', body: { password: 'pw' } })).status,
      404,
    )
    const login = await t.call('POST', 'auth/up2/login/alice', { token: '', body: { password: 'pw' } })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    const token = login.body.auth.client_token as string
    // Same mount accessor, so the same entity alias and entity.
    assert.equal(login.body.auth.entity_id, first.entity_id)
    assert.equal((await t.call('GET', 'sys/auth')).body.data['up2/'].accessor, accessor)
    const self = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.body.data.path, 'auth/up2/login/alice')
    const renewed = await t.call('POST', 'auth/token/renew-self', { token, body: { increment: '1h' } })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal((await t.call('GET', 'secret/data/anything', { token })).status, 404)
  })

  it('concurrent requests to a moving mount get clean answers, never a 500', async () => {
    await t.call('POST', 'sys/mounts/busy-a', { body: { type: 'kv-v2' } })
    await t.call('POST', 'busy-a/data/k', { body: { data: { v: 0 } } })
    const replies: Promise<Reply>[] = []
    const burst = (round: number) => {
      for (const prefix of ['busy-a', 'busy-b']) {
        replies.push(t.call('GET', `${prefix}/data/k`))
        replies.push(t.call('POST', `${prefix}/data/k`, { body: { data: { v: round } } }))
        replies.push(t.call('LIST', `${prefix}/metadata`))
      }
    }
    burst(0)
    const started = t.call('POST', 'sys/remount', { body: { from: 'busy-a', to: 'busy-b' } })
    burst(1)
    const id = (await started).body.data.migration_id as string
    burst(2)
    assert.equal(await finished(t, id), 'success')
    burst(3)
    for (const reply of await Promise.all(replies)) {
      assert.ok([200, 204, 404].includes(reply.status), `${reply.status} ${JSON.stringify(reply.body)}`)
    }
    assert.equal((await t.call('GET', 'busy-b/data/k')).status, 200)
  })
})

describeUnless(await unmet(MARIADB), 'sys/remount of a database engine with leases', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    await mariaDbEngine(t.call, { mount: 'db' })
  })
  after(async () => {
    // The last credentials issued under db3/ are still leased: revoke them so their MariaDB user goes too.
    if (t) await revokeDatabaseLeases(t.call)
    await t?.close()
  })

  it("revokes the source's leases as Vault does; leases under the new path renew and revoke through the moved engine", async () => {
    const old = await t.call('GET', 'db/creds/app')
    assert.equal(old.status, 200)
    assert.equal(await canLoginMariaDb(old.body.data.username, old.body.data.password), true)
    assert.equal(await move(t, 'db', 'db2'), 'success')
    // The lease and its user are gone: lookup answers as for any unknown lease.
    const lookup = await t.call('PUT', 'sys/leases/lookup', { body: { lease_id: old.body.lease_id } })
    assert.equal(lookup.status, 400)
    assert.deepEqual(lookup.body.errors, ['invalid lease'])
    assert.equal(await canLoginMariaDb(old.body.data.username, old.body.data.password), false)
    // The engine kept its connection config and roles.
    const creds = await t.call('GET', 'db2/creds/app')
    assert.equal(creds.status, 200, JSON.stringify(creds.body))
    assert.match(creds.body.lease_id, /^db2\/creds\/app\//)
    const { username, password } = creds.body.data
    assert.equal(await canLoginMariaDb(username, password), true)
    const renew = await t.call('PUT', 'sys/leases/renew', {
      body: { lease_id: creds.body.lease_id, increment: 600 },
    })
    assert.equal(renew.status, 200, JSON.stringify(renew.body))
    assert.equal(renew.body.lease_duration, 600)
    const revoke = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: creds.body.lease_id } })
    assert.equal(revoke.status, 204)
    assert.equal(await canLoginMariaDb(username, password), false)
  })

  it('credentials asked for while the engine moves leave no lease under the old path', async () => {
    const replies = Array.from({ length: 6 }, () => t.call('GET', 'db2/creds/app'))
    const started = t.call('POST', 'sys/remount', { body: { from: 'db2', to: 'db3' } })
    replies.push(...Array.from({ length: 6 }, () => t.call('GET', 'db2/creds/app')))
    assert.equal(await finished(t, (await started).body.data.migration_id), 'success')
    for (const reply of await Promise.all(replies)) {
      assert.ok([200, 404].includes(reply.status), `${reply.status} ${JSON.stringify(reply.body)}`)
      // Whatever was issued from the old path has been revoked with it, or undone.
      if (reply.status === 200)
        assert.equal(await canLoginMariaDb(reply.body.data.username, reply.body.data.password), false)
    }
    assert.equal((await t.call('LIST', 'sys/leases/lookup/db2/creds/app')).status, 404)
    assert.equal((await t.call('GET', 'db3/creds/app')).status, 200)
  })
})
