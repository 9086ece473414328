// OpenBao's core unit tests (expiration, request handling, policy store) replayed over HTTP: each `it` names the Go test.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { pgCreateRole } from '../helpers/pg-engine.ts'
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts'
import { rawExchange } from '../helpers/raw-http.ts'
import { describeUnless, POSTGRES, unmet } from '../helpers/requirements.ts'
import { ManualClock, type Reply, startDevServer, type TestServer } from '../helpers/server.ts'

/** Polls `probe` until it answers true; the expiry loop runs on real timers against the manual clock. */
async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await probe()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`never happened: ${what}`)
}

/** A counter's value in sys/metrics' Prometheus text for exactly these labels (0 before the first count). */
async function counter(t: TestServer, name: string, labels: Record<string, string>): Promise<number> {
  const res = await t.call('GET', 'sys/metrics?format=prometheus')
  assert.equal(res.status, 200)
  return sampleValue(parsePrometheusText(String(res.body)).samples, name, labels) ?? 0
}

const errorsOf = (res: Reply): string =>
  Array.isArray(res.body?.errors) ? res.body.errors.join('; ') : JSON.stringify(res.body)

describeUnless(await unmet(POSTGRES), 'openbao core: expiration_test.go', () => {
  const clock = new ManualClock()
  let t: TestServer
  let db: TestDatabase

  /** Whether PostgreSQL still has the role a lease's credentials named. */
  const roleExists = async (username: string) =>
    (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1
  const lookup = (leaseId: string, token?: string) =>
    t.call('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId }, ...(token ? { token } : {}) })
  const creds = async (role: string, token?: string) => {
    const res = await t.call('GET', `database/creds/${role}`, token ? { token } : {})
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body as {
      lease_id: string
      lease_duration: number
      renewable: boolean
      data: { username: string }
    }
  }
  const token = async (body: Record<string, unknown>) => {
    const res = await t.call('POST', 'auth/token/create', { body })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth.client_token as string
  }

  before(async () => {
    db = await createTestDatabase()
    t = await startDevServer({ clock })
    assert.equal((await t.call('POST', 'sys/mounts/database', { body: { type: 'database' } })).status, 204)
    const config = await t.call('POST', 'database/config/pg', {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: db.url,
        username: 'postgres',
        password: 'unused-with-trust',
        allowed_roles: '*',
      },
    })
    assert.ok(config.status < 300, JSON.stringify(config.body))
    const roles: Record<string, Record<string, unknown>> = {
      app: { default_ttl: '1h', max_ttl: '2h' },
      other: { default_ttl: '1h', max_ttl: '2h' },
      // Revocation always fails: the statement divides by zero.
      badrevoke: { default_ttl: '30s', max_ttl: '1h', revocation_statements: ['SELECT 1/0;'] },
      short: { default_ttl: '2s', max_ttl: '2s' },
    }
    for (const [name, role] of Object.entries(roles)) {
      const res = await t.call('POST', `database/roles/${name}`, {
        body: { db_name: 'pg', creation_statements: [pgCreateRole(db.url)], ...role },
      })
      assert.equal(res.status, 204, JSON.stringify(res.body))
    }
    const policy =
      'path "database/creds/*" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/creds', { body: { policy } })).status, 204)
  })
  after(async () => {
    await t?.close()
    await db?.drop()
  })

  it('TestExpiration_Register: a leased read answers a lease id under the request path that lookup knows', async () => {
    const c = await creds('app')
    assert.match(c.lease_id, /^database\/creds\/app\/.+/)
    assert.equal(c.lease_duration, 3600)
    assert.equal(c.renewable, true)
    const res = await lookup(c.lease_id)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.data.id, c.lease_id)
    assert.equal(res.body.data.ttl, 3600)
    assert.equal(res.body.data.renewable, true)
    assert.equal(Date.parse(res.body.data.issue_time), clock.now())
    assert.equal(Date.parse(res.body.data.expire_time), clock.now() + 3600_000)
    assert.equal(res.body.data.last_renewal, null)
  })

  it('TestExpiration_Revoke: revoking asks the engine to revoke, and the lease is gone', async () => {
    const c = await creds('app')
    assert.ok(await roleExists(c.data.username))
    const res = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: c.lease_id } })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    assert.equal(await roleExists(c.data.username), false)
    const gone = await lookup(c.lease_id)
    assert.equal(gone.status, 400)
    assert.match(errorsOf(gone), /invalid lease/)
  })

  it('TestExpiration_RevokeOnExpire: once its TTL has passed the lease is revoked without being asked', async () => {
    const c = await creds('app')
    clock.advance(3601)
    await eventually('the expired lease is revoked', async () => (await lookup(c.lease_id)).status === 400)
    assert.equal(await roleExists(c.data.username), false)
  })

  it('TestExpiration_RevokePrefix: every lease under the prefix is revoked, others stay', async () => {
    const mine = [await creds('app'), await creds('app'), await creds('app')]
    const kept = await creds('other')
    const res = await t.call('PUT', 'sys/leases/revoke-prefix/database/creds/app')
    assert.equal(res.status, 204, JSON.stringify(res.body))
    for (const c of mine) {
      assert.equal((await lookup(c.lease_id)).status, 400)
      assert.equal(await roleExists(c.data.username), false)
    }
    assert.equal((await lookup(kept.lease_id)).status, 200)
    const listed = await t.call('LIST', 'sys/leases/lookup/database/creds/app/')
    assert.equal(listed.status, 404, JSON.stringify(listed.body))
  })

  it('TestExpiration_RevokeByToken: revoking a token revokes the leases it created', async () => {
    const child = await token({ policies: ['creds'] })
    const a = await creds('app', child)
    const b = await creds('other', child)
    const unrelated = await creds('app')
    assert.equal((await t.call('PUT', 'auth/token/revoke', { body: { token: child } })).status, 204)
    await eventually('the token leases are revoked', async () => (await lookup(a.lease_id)).status === 400)
    await eventually('the token leases are revoked', async () => (await lookup(b.lease_id)).status === 400)
    assert.equal(await roleExists(a.data.username), false)
    assert.equal(await roleExists(b.data.username), false)
    assert.equal((await lookup(unrelated.lease_id)).status, 200)
  })

  it("TestExpiration_revokeEntry_token: revoking a parent revokes its children's tokens and their leases", async () => {
    const parent = await token({ policies: ['creds'] })
    const childRes = await t.call('POST', 'auth/token/create', {
      token: parent,
      body: { policies: ['creds'] },
    })
    assert.equal(childRes.status, 200, JSON.stringify(childRes.body))
    const child = childRes.body.auth.client_token as string
    const c = await creds('app', child)
    assert.equal((await t.call('PUT', 'auth/token/revoke', { body: { token: parent } })).status, 204)
    await eventually('the child lease is revoked', async () => (await lookup(c.lease_id)).status === 400)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: child })).status, 403)
    assert.equal(await roleExists(c.data.username), false)
  })

  it('TestExpiration_Renew: a renewal grants the increment from now and records last_renewal', async () => {
    const c = await creds('app')
    clock.advance(60)
    const res = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: c.lease_id, increment: 600 } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.lease_id, c.lease_id)
    assert.equal(res.body.lease_duration, 600)
    assert.equal(res.body.renewable, true)
    const looked = await lookup(c.lease_id)
    assert.equal(looked.body.data.ttl, 600)
    assert.equal(Date.parse(looked.body.data.last_renewal), clock.now())
    assert.equal(Date.parse(looked.body.data.expire_time), clock.now() + 600_000)
  })

  it('TestExpiration_Renew (max TTL): a renewal never reaches past the max TTL, and says so', async () => {
    const c = await creds('app')
    const res = await t.call('PUT', 'sys/leases/renew', {
      body: { lease_id: c.lease_id, increment: 3 * 3600 },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.lease_duration, 7200)
    assert.equal(res.body.warnings.length, 1)
    clock.advance(7200)
    const late = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: c.lease_id } })
    assert.equal(late.status, 400)
    assert.match(errorsOf(late), /lease expired|past the max TTL/)
  })

  it('TestExpiration_Renew_RevokeOnExpire: a renewed lease is revoked when the renewed TTL runs out', async () => {
    const c = await creds('app')
    const res = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: c.lease_id, increment: 120 } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    clock.advance(121)
    await eventually('the renewed lease is revoked', async () => (await lookup(c.lease_id)).status === 400)
    assert.equal(await roleExists(c.data.username), false)
  })

  it('TestExpiration_Renew (unknown lease): renewing a lease that does not exist is a 400', async () => {
    const res = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: 'database/creds/app/nope' } })
    assert.equal(res.status, 400)
    assert.match(errorsOf(res), /lease not found/)
  })

  it('TestExpiration_Register_BatchToken: a batch token lease ends with the token, however it is renewed', async () => {
    const batch = await token({ type: 'batch', policies: ['creds'], ttl: '60s' })
    const c = await creds('app', batch)
    assert.ok(c.lease_duration <= 60, `lease_duration ${c.lease_duration}`)
    const renewed = await t.call('PUT', 'sys/leases/renew', {
      body: { lease_id: c.lease_id, increment: 3600 },
    })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.ok(renewed.body.lease_duration <= 60, `renewed to ${renewed.body.lease_duration}`)
    clock.advance(61)
    await eventually(
      'the batch token lease is revoked',
      async () => (await lookup(c.lease_id)).status === 400,
    )
    assert.equal(await roleExists(c.data.username), false)
  })

  it('TestExpiration_RenewToken: renewing a token answers the same client token', async () => {
    const tok = await token({ policies: ['default'], ttl: '1h' })
    const res = await t.call('PUT', 'auth/token/renew-self', { token: tok, body: {} })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.client_token, tok)
    assert.equal(res.body.auth.lease_duration, 3600)
  })

  it('TestExpiration_RenewToken_period: a periodic token renews to its period, not its TTL', async () => {
    const tok = await token({ policies: ['default'], ttl: '1h', period: '1m' })
    const res = await t.call('PUT', 'auth/token/renew-self', { token: tok, body: { increment: '1h' } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.body.auth.lease_duration <= 60, `renewed to ${res.body.auth.lease_duration}`)
  })

  it('TestExpiration_RenewToken_NotRenewable: a token created non-renewable cannot be renewed', async () => {
    const tok = await token({ policies: ['default'], ttl: '1h', renewable: false })
    const res = await t.call('PUT', 'auth/token/renew-self', { token: tok, body: {} })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.match(errorsOf(res), /not renewable/)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: tok })).status, 200)
  })

  it('TestExpiration_RegisterAuth_NoLease: the root token has no lease to renew, and stays valid', async () => {
    const rootish = await token({ policies: ['root'] })
    const res = await t.call('PUT', 'auth/token/renew-self', { token: rootish, body: {} })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.match(errorsOf(res), /invalid lease ID/)
    const looked = await t.call('GET', 'auth/token/lookup-self', { token: rootish })
    assert.equal(looked.status, 200)
    assert.equal(looked.body.data.ttl, 0)
  })

  it('TestExpiration_RegisterAuth_NoTTL: only a root token may live without a TTL', async () => {
    const tok = await token({ policies: ['default'], ttl: '0' })
    const looked = await t.call('GET', 'auth/token/lookup-self', { token: tok })
    assert.equal(looked.status, 200)
    assert.ok(looked.body.data.ttl > 0, `ttl ${looked.body.data.ttl}`)
  })

  it('TestExpiration_RevokeForce: revoke-prefix fails on an engine that cannot revoke; revoke-force removes the leases', async () => {
    const c = await creds('badrevoke')
    const failed = await t.call('PUT', 'sys/leases/revoke-prefix/database/creds/badrevoke')
    assert.equal(failed.status, 400, JSON.stringify(failed.body))
    assert.equal((await lookup(c.lease_id)).status, 200)
    const forced = await t.call('PUT', 'sys/leases/revoke-force/database/creds/badrevoke')
    assert.equal(forced.status, 204, JSON.stringify(forced.body))
    assert.equal((await lookup(c.lease_id)).status, 400)
    // Force only forgets the lease: the engine never managed to revoke the user.
    assert.equal(await roleExists(c.data.username), true)
  })

  it('TestExpiration_RevokeForceSingle: revoke-force given a full lease id removes just that lease', async () => {
    const c = await creds('badrevoke')
    const other = await creds('badrevoke')
    assert.equal((await lookup(c.lease_id)).body.data.id, c.lease_id)
    const failed = await t.call('PUT', `sys/leases/revoke-prefix/${c.lease_id}`)
    assert.equal(failed.status, 400, JSON.stringify(failed.body))
    const forced = await t.call('PUT', `sys/leases/revoke-force/${c.lease_id}`)
    assert.equal(forced.status, 204, JSON.stringify(forced.body))
    const gone = await lookup(c.lease_id)
    assert.equal(gone.status, 400)
    assert.match(errorsOf(gone), /invalid lease/)
    assert.equal((await lookup(other.lease_id)).status, 200)
    assert.equal((await t.call('PUT', `sys/leases/revoke-force/${other.lease_id}`)).status, 204)
  })

  it('TestExpiration_MarkIrrevocable / listIrrevocableLeases / RevokeIrrevocable_LeaseCountDecremented', async () => {
    const c = await creds('badrevoke')
    clock.advance(31)
    // Each failed attempt schedules the next one at most 60 s later; move the clock past each.
    await eventually('the lease is marked irrevocable', async () => {
      const looked = await lookup(c.lease_id)
      if (looked.body?.data?.irrevocable === true) return true
      clock.advance(61)
      return false
    })
    const count = await t.call('GET', 'sys/leases/count?type=irrevocable')
    assert.equal(count.status, 200, JSON.stringify(count.body))
    assert.equal(count.body.data.lease_count, 1)
    const listed = await t.call('GET', 'sys/leases?type=irrevocable')
    assert.equal(listed.status, 200, JSON.stringify(listed.body))
    assert.deepEqual(
      listed.body.data.leases.map((l: { lease_id: string }) => l.lease_id),
      [c.lease_id],
    )
    assert.ok(listed.body.data.leases[0].error)
    const renew = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: c.lease_id } })
    assert.equal(renew.status, 400)
    assert.match(errorsOf(renew), /lease is expired and has failed previous revocation attempts/)
    assert.equal((await t.call('PUT', `sys/leases/revoke-force/${c.lease_id}`)).status, 204)
    const after = await t.call('GET', 'sys/leases/count?type=irrevocable')
    assert.equal(after.body.data.lease_count, 0)
  })

  it("TestExpiration_Tidy: tidy answers Vault's 202 with its warning, and keeps live leases", async () => {
    const c = await creds('app')
    const res = await t.call('PUT', 'sys/leases/tidy')
    assert.equal(res.status, 202, JSON.stringify(res.body))
    assert.deepEqual(res.body.warnings, [
      "Tidy operation successfully started. Any information from the operation will be printed to Coffer's server logs.",
    ])
    assert.equal((await lookup(c.lease_id)).status, 200)
  })

  it('TestExpiration_Restore: leases come back after a seal and unseal, and still expire', async () => {
    const c = await creds('app')
    const renewed = await t.call('PUT', 'sys/leases/renew', {
      body: { lease_id: c.lease_id, increment: 300 },
    })
    assert.equal(renewed.status, 200)
    assert.equal((await t.call('PUT', 'sys/seal')).status, 204)
    const unsealed = await t.call('PUT', 'sys/unseal', { body: { key: t.server.unsealKey } })
    assert.equal(unsealed.status, 200, JSON.stringify(unsealed.body))
    const looked = await lookup(c.lease_id)
    assert.equal(looked.status, 200, JSON.stringify(looked.body))
    assert.equal(looked.body.data.ttl, 300)
    clock.advance(301)
    await eventually('the restored lease is revoked', async () => (await lookup(c.lease_id)).status === 400)
    assert.equal(await roleExists(c.data.username), false)
  })

  it("request_handling.go (token's last use): leased credentials fetched with a token's final use are revoked, not returned", async () => {
    const leases = async () =>
      ((await t.call('LIST', 'sys/leases/lookup/database/creds/app/')).body?.data?.keys ?? []) as string[]
    const before = new Set(await leases())
    const once = await token({ policies: ['creds'], num_uses: 1 })
    const res = await t.call('GET', 'database/creds/app', { token: once })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(
      errorsOf(res),
      'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.',
    )
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: once })).status, 403)
    // The lease made for the refused credentials goes with the token.
    await eventually('the refused lease is revoked', async () =>
      (await leases()).every((id) => before.has(id)),
    )
  })

  it('TestExpiration_Register (KV v1): a KV v1 ttl is reported but registers no lease', async () => {
    assert.equal((await t.call('POST', 'sys/mounts/kv1', { body: { type: 'kv' } })).status, 204)
    assert.equal((await t.call('PUT', 'kv1/foo', { body: { zip: 'zap', ttl: '30m' } })).status, 204)
    const res = await t.call('GET', 'kv1/foo')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.lease_id, '')
    assert.equal(res.body.lease_duration, 1800)
    assert.equal(res.body.renewable, false)
    assert.equal((await t.call('LIST', 'sys/leases/lookup/kv1/')).status, 404)
  })

  it('TestExpiration_Revoke (unknown lease): revoking a lease that is not there is a no-op; lease_id is required', async () => {
    const res = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: 'database/creds/app/nope' } })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    for (const path of ['sys/leases/revoke', 'sys/leases/renew', 'sys/leases/lookup']) {
      const missing = await t.call('PUT', path, { body: {} })
      assert.equal(missing.status, 400, `${path}: ${JSON.stringify(missing.body)}`)
      assert.equal(errorsOf(missing), 'lease_id must be specified')
    }
  })

  it('TestExpiration_RenewToken_period_backend: a periodic approle token renews to its period whatever the increment', async () => {
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    assert.equal(
      (await t.call('POST', 'auth/approle/role/p', { body: { period: '60s', token_ttl: '1h' } })).status,
      204,
    )
    const roleId = (await t.call('GET', 'auth/approle/role/p/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/p/secret-id')).body.data.secret_id
    const login = await t.call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.equal(login.body.auth.lease_duration, 60)
    const renewed = await t.call('PUT', 'auth/token/renew-self', {
      token: login.body.auth.client_token,
      body: { increment: '1h' },
    })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.lease_duration, 60)
  })

  it('TestExpiration_renewAuthEntry: a token renewal stops at its explicit max TTL', async () => {
    const tok = await token({ policies: ['default'], ttl: '1h', explicit_max_ttl: '2h' })
    const renewed = await t.call('PUT', 'auth/token/renew-self', { token: tok, body: { increment: '3h' } })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.lease_duration, 7200)
    assert.ok((renewed.body.warnings ?? []).length >= 1, JSON.stringify(renewed.body))
  })

  it('TestExpiration_Revoke (access): listing leases needs sudo; a default-policy token may look one up', async () => {
    const c = await creds('app')
    const plain = await token({ policies: ['default'] })
    assert.equal(
      (await t.call('LIST', 'sys/leases/lookup/database/creds/app/', { token: plain })).status,
      403,
    )
    assert.equal(
      (await t.call('PUT', 'sys/leases/revoke-prefix/database/creds/app', { token: plain })).status,
      403,
    )
    assert.equal((await lookup(c.lease_id, plain)).status, 200)
  })

  it('TestExpiration_Renew_FinalSecond: a renewal in the final second of the max TTL never makes the lease immortal', async () => {
    const c = await creds('short')
    clock.advance(1.5)
    const renewed = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: c.lease_id } })
    if (renewed.status === 200) assert.ok(renewed.body.lease_duration <= 1, JSON.stringify(renewed.body))
    else assert.match(errorsOf(renewed), /past the max TTL, cannot renew/)
    const looked = await lookup(c.lease_id)
    assert.ok(Date.parse(looked.body.data.expire_time) <= clock.now() + 500, JSON.stringify(looked.body))
    clock.advance(1)
    await eventually(
      'the lease is revoked at its max TTL',
      async () => (await lookup(c.lease_id)).status === 400,
    )
    assert.equal(await roleExists(c.data.username), false)
  })

  it("TestExpiration_Register (TTLs): a lease takes the mount's default TTL when the engine sets none, capped at its max", async () => {
    assert.equal(
      (
        await t.call('POST', 'sys/mounts/dbtuned', {
          body: { type: 'database', config: { default_lease_ttl: '10m', max_lease_ttl: '30m' } },
        })
      ).status,
      204,
    )
    const config = await t.call('POST', 'dbtuned/config/pg', {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: db.url,
        username: 'postgres',
        password: 'unused-with-trust',
        allowed_roles: '*',
      },
    })
    assert.ok(config.status < 300, JSON.stringify(config.body))
    for (const [name, ttls] of Object.entries({ nottl: {}, long: { default_ttl: '1h', max_ttl: '2h' } })) {
      const res = await t.call('POST', `dbtuned/roles/${name}`, {
        body: { db_name: 'pg', creation_statements: [pgCreateRole(db.url)], ...ttls },
      })
      assert.equal(res.status, 204, JSON.stringify(res.body))
    }
    const plain = await t.call('GET', 'dbtuned/creds/nottl')
    assert.equal(plain.status, 200, JSON.stringify(plain.body))
    assert.equal(plain.body.lease_duration, 600)
    const long = await t.call('GET', 'dbtuned/creds/long')
    assert.equal(long.status, 200, JSON.stringify(long.body))
    assert.equal(long.body.lease_duration, 1800)
    const renewed = await t.call('PUT', 'sys/leases/renew', {
      body: { lease_id: long.body.lease_id, increment: 3600 },
    })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.lease_duration, 1800)
    assert.equal((await t.call('DELETE', 'sys/mounts/dbtuned')).status, 204)
    assert.equal((await lookup(long.body.lease_id)).status, 400)
    assert.equal(await roleExists(long.body.data.username), false)
  })

  it('TestExpiration_Renew (spellings): increment as a duration, the lease id in the URL, the older sys/renew', async () => {
    const c = await creds('app')
    const lookedKeys = Object.keys((await lookup(c.lease_id)).body.data).sort()
    assert.deepEqual(lookedKeys, ['expire_time', 'id', 'issue_time', 'last_renewal', 'renewable', 'ttl'])
    const a = await t.call('PUT', 'sys/leases/renew', { body: { lease_id: c.lease_id, increment: '10m' } })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(a.body.lease_duration, 600)
    const b = await t.call('PUT', `sys/leases/renew/${c.lease_id}`, { body: { increment: 300 } })
    assert.equal(b.status, 200, JSON.stringify(b.body))
    assert.equal(b.body.lease_duration, 300)
    const old = await t.call('PUT', `sys/renew/${c.lease_id}`, { body: { increment: 120 } })
    assert.equal(old.status, 200, JSON.stringify(old.body))
    assert.equal(old.body.lease_duration, 120)
  })

  it('TestExpiration_Revoke (sync=false): an asynchronous revocation is accepted with a 202 and still happens', async () => {
    const c = await creds('app')
    const res = await t.call('PUT', 'sys/leases/revoke', { body: { lease_id: c.lease_id, sync: false } })
    assert.equal(res.status, 202, JSON.stringify(res.body))
    await eventually('the lease is revoked', async () => (await lookup(c.lease_id)).status === 400)
    assert.equal(await roleExists(c.data.username), false)
  })

  // Replayed here, not under request_handling_test.go, because it needs this suite's leased secrets.
  it('TestRequestHandling_SecretLeaseMetric: each registered lease counts by engine, mount and TTL bucket', async () => {
    const labels = { secret_engine: 'database', mount_point: 'database/', creation_ttl: '1h' }
    const counted = () => counter(t, 'vault_secret_lease_creation', labels)
    const before = await counted()
    await creds('app')
    assert.equal(await counted(), before + 1)
    const json = await t.call('GET', 'sys/metrics')
    const counters = json.body.Counters as { Name: string; Labels: Record<string, string> }[]
    assert.ok(
      counters.some((c) => c.Name === 'vault.secret.lease.creation' && c.Labels.secret_engine === 'database'),
      JSON.stringify(counters.map((c) => c.Name)),
    )
  })

  it('TestExpiration_Renew_NotRenewable: a non-renewable token lease cannot be renewed through sys/leases', async () => {
    const res = await t.call('POST', 'auth/token/create', {
      body: { policies: ['default'], renewable: false },
    })
    const renew = await t.call('PUT', 'sys/leases/renew', {
      body: { lease_id: `auth/token/create/${res.body.auth.accessor}` },
    })
    assert.equal(renew.status, 400, JSON.stringify(renew.body))
  })
})

describe('openbao core: request_handling_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer({ storage: 'inmem' })
    assert.equal((await t.call('POST', 'sys/mounts/wraptest', { body: { type: 'kv' } })).status, 204)
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    assert.equal(
      (await t.call('POST', 'auth/userpass/users/test', { body: { password: 'foo', policies: 'default' } }))
        .status,
      204,
    )
  })
  after(() => t.close())

  it('TestRequestHandling_Wrapping: a read asked to be wrapped answers wrap_info with the asked TTL', async () => {
    assert.equal((await t.call('PUT', 'wraptest/foo', { body: { zip: 'zap' } })).status, 204)
    const plain = await t.call('GET', 'wraptest/foo')
    assert.equal(plain.body.wrap_info, null)
    const res = await t.call('GET', 'wraptest/foo', { headers: { 'x-vault-wrap-ttl': '15s' } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.wrap_info.ttl, 15)
    assert.equal(res.body.data, null)
    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token: res.body.wrap_info.token })
    assert.equal(unwrapped.status, 200, JSON.stringify(unwrapped.body))
    assert.deepEqual(unwrapped.body.data, { zip: 'zap' })
  })

  it('TestRequestHandling_Wrapping (header rules): a negative or unreadable wrap TTL is a 400; zero wraps nothing', async () => {
    assert.equal((await t.call('PUT', 'wraptest/hdr', { body: { zip: 'zap' } })).status, 204)
    const negative = await t.call('GET', 'wraptest/hdr', { headers: { 'x-vault-wrap-ttl': '-5' } })
    assert.equal(negative.status, 400, JSON.stringify(negative.body))
    // Vault's text is "requested wrap ttl cannot be negative"; Coffer's names the value it refused.
    assert.match(errorsOf(negative), /invalid wrap TTL "-5"/)
    const garbage = await t.call('GET', 'wraptest/hdr', { headers: { 'x-vault-wrap-ttl': 'soon' } })
    assert.equal(garbage.status, 400, JSON.stringify(garbage.body))
    const zero = await t.call('GET', 'wraptest/hdr', { headers: { 'x-vault-wrap-ttl': '0' } })
    assert.equal(zero.status, 200, JSON.stringify(zero.body))
    assert.equal(zero.body.wrap_info, null)
    assert.deepEqual(zero.body.data, { zip: 'zap' })
    // A write that answers nothing has nothing to wrap.
    const write = await t.call('PUT', 'wraptest/hdr', {
      body: { zip: 'zop' },
      headers: { 'x-vault-wrap-ttl': '15s' },
    })
    assert.equal(write.status, 204, JSON.stringify(write.body))
  })

  it('TestRequestHandling_Wrapping (policy): min and max wrapping TTLs in a policy are enforced', async () => {
    const policy =
      'path "wraptest/*" { capabilities = ["read"]\n min_wrapping_ttl = "10s"\n max_wrapping_ttl = "60s" }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/wrapped', { body: { policy } })).status, 204)
    const tok = (await t.call('POST', 'auth/token/create', { body: { policies: ['wrapped'] } })).body.auth
      .client_token
    // Outside the bounds the policy grants nothing: Vault's ACL answers permission denied.
    assert.equal((await t.call('GET', 'wraptest/foo', { token: tok })).status, 403)
    assert.equal(
      (await t.call('GET', 'wraptest/foo', { token: tok, headers: { 'x-vault-wrap-ttl': '5s' } })).status,
      403,
    )
    assert.equal(
      (await t.call('GET', 'wraptest/foo', { token: tok, headers: { 'x-vault-wrap-ttl': '120s' } })).status,
      403,
    )
    const ok = await t.call('GET', 'wraptest/foo', { token: tok, headers: { 'x-vault-wrap-ttl': '30s' } })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.wrap_info.ttl, 30)
  })

  it('request handling: each operation is checked against its own capability', async () => {
    const policy = 'path "wraptest/ro/*" { capabilities = ["read"] }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/readonly', { body: { policy } })).status, 204)
    assert.equal((await t.call('PUT', 'wraptest/ro/a', { body: { v: '1' } })).status, 204)
    const tok = (await t.call('POST', 'auth/token/create', { body: { policies: ['readonly'] } })).body.auth
      .client_token
    assert.equal((await t.call('GET', 'wraptest/ro/a', { token: tok })).status, 200)
    assert.equal((await t.call('PUT', 'wraptest/ro/a', { token: tok, body: { v: '2' } })).status, 403)
    assert.equal((await t.call('DELETE', 'wraptest/ro/a', { token: tok })).status, 403)
    assert.equal((await t.call('LIST', 'wraptest/ro/', { token: tok })).status, 403)
    assert.deepEqual((await t.call('GET', 'wraptest/ro/a')).body.data, { v: '1' })
  })

  it('request handling: error statuses for a missing or bad token, an unknown mount and an unsupported operation', async () => {
    const noToken = await t.call('GET', 'wraptest/foo', { token: '' })
    assert.equal(noToken.status, 403)
    assert.match(errorsOf(noToken), /permission denied/)
    const badToken = await t.call('GET', 'wraptest/foo', { token: 'hvs.notarealtoken' })
    assert.equal(badToken.status, 403)
    assert.match(errorsOf(badToken), /permission denied/)
    const unmounted = await t.call('GET', 'nosuchmount/foo')
    assert.equal(unmounted.status, 404, JSON.stringify(unmounted.body))
    assert.match(errorsOf(unmounted), /no handler for route "nosuchmount\/foo"/)
    const unsupported = await t.call('DELETE', 'sys/leases/lookup')
    assert.equal(unsupported.status, 405, JSON.stringify(unsupported.body))
  })

  it('TestRequestHandling_LoginWrapping: a login is wrapped only when asked', async () => {
    const plain = await t.call('PUT', 'auth/userpass/login/test', { token: '', body: { password: 'foo' } })
    assert.equal(plain.status, 200, JSON.stringify(plain.body))
    assert.equal(plain.body.wrap_info, null)
    assert.ok(plain.body.auth.client_token)
    const wrapped = await t.call('PUT', 'auth/userpass/login/test', {
      token: '',
      body: { password: 'foo' },
      headers: { 'x-vault-wrap-ttl': '15' },
    })
    assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body))
    assert.equal(wrapped.body.wrap_info.ttl, 15)
    assert.equal(wrapped.body.auth, null)
    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token: wrapped.body.wrap_info.token })
    assert.equal(unwrapped.status, 200, JSON.stringify(unwrapped.body))
    assert.ok(unwrapped.body.auth.client_token)
  })

  it('TestRequestHandling_LoginMetric: a login counts a token creation labelled by method, mount, TTL bucket and type', async () => {
    const labels = {
      auth_method: 'userpass',
      mount_point: 'auth/userpass/',
      creation_ttl: '+Inf',
      token_type: 'service',
    }
    const counted = () => counter(t, 'vault_token_creation', labels)
    const before = await counted()
    const login = await t.call('PUT', 'auth/userpass/login/test', { token: '', body: { password: 'foo' } })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.equal(await counted(), before + 1)
    // A wrapped login counts when its token is minted, not again when it is unwrapped.
    const wrapped = await t.call('PUT', 'auth/userpass/login/test', {
      token: '',
      body: { password: 'foo' },
      headers: { 'x-vault-wrap-ttl': '60' },
    })
    assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body))
    assert.equal(await counted(), before + 2)
    const unwrapped = await t.call('PUT', 'sys/wrapping/unwrap', { token: wrapped.body.wrap_info.token })
    assert.ok(unwrapped.body.auth.client_token)
    assert.equal(await counted(), before + 2)
    const text = String((await t.call('GET', 'sys/metrics?format=prometheus')).body)
    assert.ok(!/vault_token_creation\{[^}]*auth_method="system"/.test(text), text)
  })

  it('TestRequestHandling_Login_PeriodicToken: an approle login with a period gives an orphan periodic token', async () => {
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    assert.equal(
      (await t.call('POST', 'auth/approle/role/role-period', { body: { period: '5s' } })).status,
      204,
    )
    const roleId = (await t.call('GET', 'auth/approle/role/role-period/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/role-period/secret-id')).body.data.secret_id
    const login = await t.call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    const res = await t.call('POST', 'auth/token/lookup', { body: { token: login.body.auth.client_token } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const d = res.body.data
    assert.equal(d.accessor, login.body.auth.accessor)
    assert.equal(d.entity_id, login.body.auth.entity_id)
    assert.equal(d.creation_ttl, 5)
    assert.equal(d.period, 5)
    assert.ok(d.ttl > 0 && d.ttl <= 5, `ttl ${d.ttl}`)
    assert.equal(d.display_name, 'approle')
    assert.equal(d.explicit_max_ttl, 0)
    assert.equal(d.id, login.body.auth.client_token)
    assert.deepEqual(d.meta, { role_name: 'role-period' })
    assert.equal(d.num_uses, 0)
    assert.equal(d.orphan, true)
    assert.equal(d.path, 'auth/approle/login')
    assert.deepEqual(d.policies, ['default'])
    assert.equal(d.renewable, true)
    assert.equal(d.type, 'service')
  })

  it('TestRequestHandling_RelativePath: a path with .. or . segments is refused', async () => {
    for (const path of ['sys/policies/acl/../../../testing', 'sys/policies/acl/./testing']) {
      const body = JSON.stringify({ policy: 'path "x" { capabilities = ["read"] }' })
      const text = await rawExchange(
        t.address,
        `PUT /v1/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      )
      // Vault's Go mux redirects such a path to its cleaned form; Coffer refuses it outright (a 4xx either way).
      assert.match(text, /^HTTP\/1\.1 400/, text)
      assert.match(text, /segments are not allowed/, text)
    }
    assert.equal((await t.call('GET', 'sys/policies/acl/testing')).status, 404)
  })

  it('request handling: a token with num_uses is spent after its last use', async () => {
    const res = await t.call('POST', 'auth/token/create', { body: { policies: ['default'], num_uses: 2 } })
    const tok = res.body.auth.client_token
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: tok })).body.data.num_uses, 1)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: tok })).status, 200)
    const spent = await t.call('GET', 'auth/token/lookup-self', { token: tok })
    assert.equal(spent.status, 403)
  })

  it('request handling: a request a use-limited token spends still counts when the handler fails', async () => {
    const res = await t.call('POST', 'auth/token/create', { body: { policies: ['root'], num_uses: 2 } })
    const tok = res.body.auth.client_token
    assert.equal((await t.call('GET', 'wraptest/missing', { token: tok })).status, 404)
    assert.equal((await t.call('GET', 'wraptest/missing', { token: tok })).status, 404)
    assert.equal((await t.call('GET', 'wraptest/missing', { token: tok })).status, 403)
  })

  it('request handling: a request its policies refuse still spends a use of a use-limited token', async () => {
    const two = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'], num_uses: 2 } }))
      .body.auth
    assert.equal((await t.call('GET', 'wraptest/foo', { token: two.client_token })).status, 403)
    const looked = await t.call('GET', 'auth/token/lookup-self', { token: two.client_token })
    assert.equal(looked.status, 200, JSON.stringify(looked.body))
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: two.client_token })).status, 403)
    // A refused last use ends the token at once.
    const one = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'], num_uses: 1 } }))
      .body.auth
    assert.equal((await t.call('GET', 'wraptest/foo', { token: one.client_token })).status, 403)
    const gone = await t.call('POST', 'auth/token/lookup-accessor', { body: { accessor: one.accessor } })
    assert.equal(gone.status, 400, JSON.stringify(gone.body))
  })

  it('request handling: a sudo-protected path needs sudo even with every other capability', async () => {
    const policy = 'path "sys/audit*" { capabilities = ["create", "read", "update", "delete", "list"] }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/nosudo', { body: { policy } })).status, 204)
    const tok = (await t.call('POST', 'auth/token/create', { body: { policies: ['nosudo'] } })).body.auth
      .client_token
    const res = await t.call('GET', 'sys/audit', { token: tok })
    assert.equal(res.status, 403, JSON.stringify(res.body))
    assert.match(errorsOf(res), /permission denied/)
  })
})

describe('openbao core: policy_store_test.go', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())

  const devPolicy = 'path "dev/*" { capabilities = ["read", "list"] }'

  it('TestPolicyStore_Root: the root policy can be neither written nor deleted', async () => {
    const read = await t.call('GET', 'sys/policies/acl/root')
    assert.equal(read.status, 200, JSON.stringify(read.body))
    assert.equal(read.body.data.name, 'root')
    const set = await t.call('PUT', 'sys/policies/acl/root', { body: { policy: devPolicy } })
    assert.equal(set.status, 400)
    assert.match(errorsOf(set), /cannot update "root" policy/)
    const del = await t.call('DELETE', 'sys/policies/acl/root')
    assert.equal(del.status, 400)
    assert.match(errorsOf(del), /cannot delete "root" policy/)
  })

  it('TestPolicyStore_CRUD: names are case-insensitive, deleting is idempotent, and policies survive a seal', async () => {
    assert.equal((await t.call('GET', 'sys/policies/acl/Dev')).status, 404)
    assert.equal((await t.call('DELETE', 'sys/policies/acl/deV')).status, 204)
    assert.deepEqual((await t.call('LIST', 'sys/policies/acl')).body.data.keys, ['default', 'root'])
    assert.equal((await t.call('PUT', 'sys/policies/acl/Dev', { body: { policy: devPolicy } })).status, 204)
    const read = await t.call('GET', 'sys/policies/acl/dEv')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.name, 'dev')
    assert.equal(read.body.data.policy, devPolicy)
    assert.deepEqual((await t.call('LIST', 'sys/policies/acl')).body.data.keys, ['default', 'dev', 'root'])
    assert.equal(
      (await t.call('PUT', 'sys/policies/acl/persisted', { body: { policy: devPolicy } })).status,
      204,
    )
    assert.equal((await t.call('DELETE', 'sys/policies/acl/Dev')).status, 204)
    assert.equal((await t.call('GET', 'sys/policies/acl/deV')).status, 404)
    assert.equal((await t.call('PUT', 'sys/seal')).status, 204)
    assert.equal((await t.call('PUT', 'sys/unseal', { body: { key: t.server.unsealKey } })).status, 200)
    const kept = await t.call('GET', 'sys/policies/acl/persisted')
    assert.equal(kept.status, 200)
    assert.equal(kept.body.data.policy, devPolicy)
    assert.deepEqual((await t.call('LIST', 'sys/policies/acl')).body.data.keys, [
      'default',
      'persisted',
      'root',
    ])
    assert.equal((await t.call('DELETE', 'sys/policies/acl/persisted')).status, 204)
  })

  it('TestPolicyStore_CRUD (default): the default policy may be rewritten but not deleted', async () => {
    const del = await t.call('DELETE', 'sys/policies/acl/default')
    assert.equal(del.status, 400, JSON.stringify(del.body))
    assert.match(errorsOf(del), /cannot delete "default" policy/)
    const original = (await t.call('GET', 'sys/policies/acl/default')).body.data.policy
    assert.equal(
      (await t.call('PUT', 'sys/policies/acl/default', { body: { policy: original } })).status,
      204,
    )
  })

  it('TestPolicyStore_CRUD (bad input): an empty or unparsable policy is a 400 and stores nothing', async () => {
    const empty = await t.call('PUT', 'sys/policies/acl/broken', { body: { policy: '' } })
    assert.equal(empty.status, 400, JSON.stringify(empty.body))
    const garbage = await t.call('PUT', 'sys/policies/acl/broken', {
      body: { policy: 'path "x" { capabilities = ' },
    })
    assert.equal(garbage.status, 400, JSON.stringify(garbage.body))
    assert.match(errorsOf(garbage), /failed to parse policy/)
    assert.equal((await t.call('GET', 'sys/policies/acl/broken')).status, 404)
  })

  it('TestPolicyStore_CRUD (cache invalidation): a changed or deleted policy acts on the very next request', async () => {
    assert.equal((await t.call('POST', 'sys/mounts/cachekv', { body: { type: 'kv' } })).status, 204)
    assert.equal((await t.call('PUT', 'cachekv/a', { body: { v: '1' } })).status, 204)
    const allow = 'path "cachekv/*" { capabilities = ["read"] }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/cached', { body: { policy: allow } })).status, 204)
    const tok = (await t.call('POST', 'auth/token/create', { body: { policies: ['cached'] } })).body.auth
      .client_token
    assert.equal((await t.call('GET', 'cachekv/a', { token: tok })).status, 200)
    const deny = 'path "cachekv/*" { capabilities = ["deny"] }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/cached', { body: { policy: deny } })).status, 204)
    assert.equal((await t.call('GET', 'cachekv/a', { token: tok })).status, 403)
    assert.equal((await t.call('PUT', 'sys/policies/acl/cached', { body: { policy: allow } })).status, 204)
    assert.equal((await t.call('GET', 'cachekv/a', { token: tok })).status, 200)
    assert.equal((await t.call('DELETE', 'sys/policies/acl/cached')).status, 204)
    assert.equal((await t.call('GET', 'cachekv/a', { token: tok })).status, 403)
  })

  it('TestPolicyStore_Predefined: response-wrapping is readable but not listed, written or deleted', async () => {
    const keys = (await t.call('LIST', 'sys/policies/acl')).body.data.keys
    assert.ok(!keys.includes('response-wrapping'))
    for (const path of ['sys/policies/acl/response-wrapping', 'sys/policy/response-wrapping']) {
      const read = await t.call('GET', path)
      assert.equal(read.status, 200, `${path}: ${JSON.stringify(read.body)}`)
      assert.equal(read.body.data.name, 'response-wrapping')
      const rules = read.body.data.policy ?? read.body.data.rules
      assert.match(rules, /path "cubbyhole\/response" \{\s+capabilities = \["create", "read"\]\s+\}/)
      assert.match(rules, /path "sys\/wrapping\/unwrap" \{\s+capabilities = \["update"\]\s+\}/)
    }
    const set = await t.call('PUT', 'sys/policies/acl/response-wrapping', { body: { policy: devPolicy } })
    assert.equal(set.status, 400, JSON.stringify(set.body))
    const del = await t.call('DELETE', 'sys/policies/acl/response-wrapping')
    assert.equal(del.status, 400, JSON.stringify(del.body))
  })

  it('TestPolicyStore_ACL: policies layer, the most permissive grant wins and deny beats all', async () => {
    const dev = `
path "dev/*" { capabilities = ["create", "update"] }
path "stage/*" { capabilities = ["read"] }
path "prod/secret" { capabilities = ["deny"] }`
    const ops = `
path "dev/*" { capabilities = ["read", "list"] }
path "stage/*" { capabilities = ["sudo", "delete"] }
path "prod/*" { capabilities = ["read"] }`
    assert.equal((await t.call('PUT', 'sys/policies/acl/dev', { body: { policy: dev } })).status, 204)
    assert.equal((await t.call('PUT', 'sys/policies/acl/ops', { body: { policy: ops } })).status, 204)
    const tok = (await t.call('POST', 'auth/token/create', { body: { policies: ['dev', 'ops'] } })).body.auth
      .client_token
    const caps = async (path: string) =>
      (
        (await t.call('POST', 'sys/capabilities-self', { token: tok, body: { paths: [path] } })).body.data[
          path
        ] as string[]
      )
        .slice()
        .sort()
    assert.deepEqual(await caps('dev/foo'), ['create', 'list', 'read', 'update'])
    assert.deepEqual(await caps('stage/foo'), ['delete', 'read', 'sudo'])
    assert.deepEqual(await caps('prod/foo'), ['read'])
    assert.deepEqual(await caps('prod/secret'), ['deny'])
    assert.deepEqual(await caps('other/foo'), ['deny'])
  })

  it('TestPolicyStore_ACL (layered): legacy policy words, deny in either policy, exact paths before globs', async () => {
    const first = `
name = "LayerOne"
path "dev/*" { policy = "sudo" }
path "stage/*" { policy = "write" }
path "stage/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" { policy = "sudo" }
path "prod/*" { policy = "read" }
path "prod/aws/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "foo/bar" { capabilities = ["read", "create", "sudo"] }
path "baz/quux" { capabilities = ["read", "create", "patch"] }`
    const second = `
path "dev/hide/*" { policy = "deny" }
path "stage/aws/policy/*" {
  policy = "deny"
  capabilities = ["read", "update", "sudo"]
}
path "prod/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "foo/bar" { capabilities = ["deny"] }
path "baz/quux" { capabilities = ["deny"] }`
    assert.equal((await t.call('PUT', 'sys/policies/acl/layer-one', { body: { policy: first } })).status, 204)
    assert.equal(
      (await t.call('PUT', 'sys/policies/acl/layer-two', { body: { policy: second } })).status,
      204,
    )
    const tok = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['layer-one', 'layer-two'] } })
    ).body.auth.client_token
    const caps = async (path: string) =>
      (await t.call('POST', 'sys/capabilities-self', { token: tok, body: { paths: [path] } })).body.data[
        path
      ] as string[]
    const has = async (path: string, want: string[], without: string[] = []) => {
      const got = await caps(path)
      for (const c of want) assert.ok(got.includes(c), `${path}: ${got} lacks ${c}`)
      for (const c of without) assert.ok(!got.includes(c), `${path}: ${got} has ${c}`)
    }
    await has('dev/foo', ['read', 'update', 'sudo'])
    await has('stage/foo', ['delete'], ['sudo'])
    await has('stage/aws/foo', ['list', 'update', 'sudo'])
    await has('prod/foo', ['delete', 'update', 'read', 'list'], ['sudo'])
    await has('sys/seal', ['update', 'sudo'])
    for (const denied of [
      'dev/hide/foo',
      'stage/aws/policy/foo',
      'prod/aws/foo',
      'sys/status',
      'foo/bar',
      'baz/quux',
    ])
      assert.deepEqual(await caps(denied), ['deny'], denied)
  })

  it('TestDefaultPolicy: the default policy allows its own token paths and nothing arbitrary', async () => {
    const tok = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })).body.auth
      .client_token
    const caps = async (path: string) =>
      (await t.call('POST', 'sys/capabilities-self', { token: tok, body: { paths: [path] } })).body.data[
        path
      ] as string[]
    assert.ok((await caps('auth/token/lookup-self')).includes('read'))
    assert.ok((await caps('auth/token/renew-self')).includes('update'))
    assert.ok((await caps('auth/token/revoke-self')).includes('update'))
    assert.ok((await caps('sys/capabilities-self')).includes('update'))
    assert.deepEqual(await caps('foo/bar'), ['deny'])
    assert.deepEqual(await caps('auth/foo'), ['deny'])
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: tok })).status, 200)
    assert.equal((await t.call('GET', 'secret/data/foo', { token: tok })).status, 403)
  })
})
