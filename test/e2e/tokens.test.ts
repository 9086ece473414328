// The token store over HTTP: create rules, lookup fields, renewal caps, expiry on time, revocation trees, roles.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

describe('token store', () => {
  const clock = new ManualClock()
  let t: TestServer
  before(async () => {
    t = await startDevServer({ clock })
    await t.call('PUT', 'sys/policies/acl/app', {
      body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/creator', {
      body: {
        policy:
          'path "auth/token/create" { capabilities = ["update"] }\npath "auth/token/create-orphan" { capabilities = ["update"] }\npath "secret/*" { capabilities = ["read"] }',
      },
    })
  })
  after(() => t.close())

  const create = async (body: Record<string, unknown>, token?: string) =>
    t.call('POST', 'auth/token/create', { body, ...(token ? { token } : {}) })

  it('refuses metadata that would claim an AWS identity (what Secrets Manager resource policies name)', async () => {
    for (const key of ['arn', 'account_id', 'user_id', 'access_key_id']) {
      const res = await create({ policies: ['app'], meta: { [key]: 'arn:aws:iam::000000000000:user/admin' } })
      assert.equal(res.status, 400, key)
      assert.match(res.body.errors[0], new RegExp(`metadata key "${key}" is reserved`))
    }
  })

  it('creates a token with policies, ttl and metadata, and looks it up with the fields ESO needs', async () => {
    const res = await create({
      policies: ['app'],
      ttl: '1h',
      meta: { team: 'a' },
      display_name: 'ci job',
      num_uses: 0,
    })
    assert.equal(res.status, 200)
    const auth = res.body.auth
    assert.deepEqual(auth.policies, ['app', 'default'])
    assert.equal(auth.lease_duration, 3600)
    assert.equal(auth.renewable, true)
    assert.equal(auth.token_type, 'service')
    assert.equal(auth.orphan, false)
    assert.deepEqual(auth.metadata, { team: 'a' })
    const self = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
    assert.equal(self.status, 200)
    const d = self.body.data
    assert.equal(d.type, 'service')
    assert.equal(d.ttl, 3600)
    assert.equal(d.expire_time, new Date(clock.now() + 3600_000).toISOString().replace('Z', '000000Z'))
    assert.equal(d.display_name, 'token-ci-job')
    assert.equal(d.id, auth.client_token)
    assert.equal(d.accessor, auth.accessor)
    assert.equal(d.path, 'auth/token/create')
    const byAccessor = await t.call('POST', 'auth/token/lookup-accessor', {
      body: { accessor: auth.accessor },
    })
    assert.equal(byAccessor.body.data.id, '')
    assert.equal(byAccessor.body.data.accessor, auth.accessor)
    const other = await t.call('POST', 'auth/token/lookup', { body: { token: auth.client_token } })
    assert.equal(other.body.data.accessor, auth.accessor)
    assert.equal((await t.call('POST', 'auth/token/lookup', { body: { token: 'cvs.nope' } })).status, 403)
  })

  it('stops honouring a token the moment it expires, and renewal respects explicit_max_ttl', async () => {
    const res = await create({ policies: ['app'], ttl: '10m', explicit_max_ttl: '15m' })
    const token = res.body.auth.client_token
    clock.advance(9 * 60)
    const renewed = await t.call('POST', 'auth/token/renew-self', { token, body: { increment: '1h' } })
    assert.equal(renewed.status, 200)
    assert.equal(renewed.body.auth.lease_duration, 6 * 60, 'capped by explicit_max_ttl')
    clock.advance(6 * 60 - 1)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
    clock.advance(1)
    const expired = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(expired.status, 403)
    assert.deepEqual(expired.body, { errors: ['permission denied'] })
  })

  it('limits a num_uses token to its uses', async () => {
    const token = (await create({ policies: ['app'], num_uses: 2 })).body.auth.client_token
    // As Vault: the lookup-self's own use is counted before it reads the token, so it shows what is left.
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).body.data.num_uses, 1)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
  })

  it('a limited-use token looking itself up through auth/token/lookup sees the uses left, -1 on its last', async () => {
    await t.call('PUT', 'sys/policies/acl/lookup-any', {
      body: { policy: 'path "auth/token/lookup" { capabilities = ["update"] }' },
    })
    const token = (await create({ policies: ['lookup-any'], num_uses: 2 })).body.auth.client_token
    const first = await t.call('POST', 'auth/token/lookup', { token, body: { token } })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.data.num_uses, 1)
    const last = await t.call('POST', 'auth/token/lookup', { token, body: { token } })
    assert.equal(last.status, 200, JSON.stringify(last.body))
    assert.equal(last.body.data.num_uses, -1)
    assert.equal((await t.call('POST', 'auth/token/lookup', { token, body: { token } })).status, 403)
  })

  it('enforces the child-policy subset rule and privileged options for non-root parents', async () => {
    const parent = (await create({ policies: ['creator'] })).body.auth.client_token
    const denied = await create({ policies: ['app'] }, parent)
    assert.equal(denied.status, 400)
    assert.match(denied.body.errors[0], /subset of parent/)
    const orphan = await create({ policies: ['creator'], no_parent: true }, parent)
    assert.equal(orphan.status, 400)
    const custom = await create({ id: 'cvs.chosen', policies: ['creator'] }, parent)
    assert.equal(custom.status, 400)
    const child = await create({}, parent)
    assert.equal(child.status, 200)
    assert.deepEqual(child.body.auth.policies, ['creator', 'default'])
    const warned = await create({ policies: ['ghost'] })
    assert.deepEqual(warned.body.warnings, ['Policy "ghost" does not exist'])
  })

  it('revokes a whole tree with the parent, and only the parent with revoke-orphan', async () => {
    const parent = (await create({ policies: ['creator'] })).body.auth.client_token
    const child = (await create({ policies: ['creator'] }, parent)).body.auth.client_token
    const grandchild = (await create({ policies: ['creator'] }, child)).body.auth.client_token
    assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token: child } })).status, 204)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: grandchild })).status, 403)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: parent })).status, 200)

    const p2 = (await create({ policies: ['creator'] })).body.auth.client_token
    const c2 = (await create({ policies: ['creator'] }, p2)).body.auth.client_token
    assert.equal((await t.call('POST', 'auth/token/revoke-orphan', { body: { token: p2 } })).status, 204)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: p2 })).status, 403)
    const survivor = await t.call('GET', 'auth/token/lookup-self', { token: c2 })
    assert.equal(survivor.status, 200)
    assert.equal(survivor.body.data.orphan, true)

    const a = (await create({ policies: ['app'] })).body.auth
    assert.equal(
      (await t.call('POST', 'auth/token/revoke-accessor', { body: { accessor: a.accessor } })).status,
      204,
    )
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: a.client_token })).status, 403)
    const self = (await create({ policies: ['app'] })).body.auth.client_token
    assert.equal((await t.call('POST', 'auth/token/revoke-self', { token: self })).status, 204)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: self })).status, 403)
  })

  it('creates orphans through create-orphan and periodic tokens that renew to their period', async () => {
    const parent = (await create({ policies: ['creator'] })).body.auth.client_token
    const orphan = await t.call('POST', 'auth/token/create-orphan', {
      token: parent,
      body: { policies: ['creator'] },
    })
    assert.equal(orphan.body.auth.orphan, true)
    const periodic = (await create({ policies: ['app'], period: '1h' })).body.auth
    assert.equal(periodic.lease_duration, 3600)
    clock.advance(1800)
    const renewed = await t.call('POST', 'auth/token/renew', {
      body: { token: periodic.client_token, increment: 60 },
    })
    assert.equal(renewed.body.auth.lease_duration, 3600)
  })

  it('applies token roles', async () => {
    assert.equal(
      (
        await t.call('POST', 'auth/token/roles/deployer', {
          body: { allowed_policies: ['app'], orphan: true, token_ttl: '30m' },
        })
      ).status,
      204,
    )
    const role = await t.call('GET', 'auth/token/roles/deployer')
    assert.deepEqual(role.body.data.allowed_policies, ['app'])
    assert.equal(role.body.data.orphan, true)
    assert.deepEqual(
      (await t.call('LIST', 'auth/token/roles')).body?.data?.keys ??
        (await t.call('GET', 'auth/token/roles?list=true')).body.data.keys,
      ['deployer'],
    )
    const made = await t.call('POST', 'auth/token/create/deployer', { body: { policies: ['app'] } })
    assert.equal(made.status, 200)
    assert.equal(made.body.auth.orphan, true)
    assert.equal(made.body.auth.lease_duration, 1800)
    const outside = await t.call('POST', 'auth/token/create/deployer', { body: { policies: ['creator'] } })
    assert.equal(outside.status, 400)
    assert.equal((await t.call('DELETE', 'auth/token/roles/deployer')).status, 204)
    assert.equal((await t.call('GET', 'auth/token/roles/deployer')).status, 404)
  })

  it('stores tokens only as salted hashes', async () => {
    const token = (await create({ policies: ['app'] })).body.auth.client_token
    assert.match(token, /^cvs\.[0-9A-Za-z]{47}$/)
    const stored = await t.server.core.barrier.list('sys/token/id/')
    assert.ok(stored.length > 0)
    // A generated token's key is its clock characters (public: the creation time) and its HMAC; chosen tokens
    // (the dev root token among them) are keyed by the HMAC alone.
    assert.ok(
      stored.every((key) => /^(?:[0-9A-Za-z]{7}-)?[0-9a-f]{64}$/.test(key)),
      stored.join(' '),
    )
    assert.ok(stored.some((key) => key.startsWith(`${token.slice(4, 11)}-`)))
    const randomPart = token.slice(11)
    for (const key of stored) {
      assert.ok(!key.includes(randomPart.slice(0, 8)))
      const raw = Buffer.from((await t.server.core.barrier.get(`sys/token/id/${key}`))!).toString('utf8')
      assert.ok(!raw.includes(token))
      assert.ok(!raw.includes(randomPart))
    }
  })

  it('keys generated tokens in creation order and chosen ones by their HMAC alone', async () => {
    const made: string[] = []
    for (let i = 0; i < 3; i++) {
      clock.advance(2)
      made.push((await create({ policies: ['app'] })).body.auth.client_token)
    }
    const keys = (await t.server.core.barrier.list('sys/token/id/')).filter((k) => k.includes('-'))
    const positions = made.map((token) => keys.findIndex((k) => k.startsWith(`${token.slice(4, 11)}-`)))
    assert.ok(positions.every((p) => p >= 0))
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      'later tokens sort after earlier ones',
    )
    // A token shaped like a generated one but not made by this store (the API refuses such a chosen id, so it is
    // issued directly) never puts its characters into a storage key, and is found through the HMAC-only key (as
    // tokens made before the clock prefix are).
    const chosen = `cvs.${'Q'.repeat(7)}${'w'.repeat(40)}`
    const older = `cvs.${'z'.repeat(40)}`
    for (const id of [chosen, older]) {
      assert.equal((await create({ id, policies: ['app'] })).status, 400)
      await t.server.core.services.tokens.issue('service', {
        id,
        policies: ['app', 'default'],
        parentHash: '',
        ttl: 3600,
        maxTtl: 3600,
        path: 'auth/token/create',
      })
      const self = await t.call('GET', 'auth/token/lookup-self', { token: id })
      assert.equal(self.status, 200)
      assert.deepEqual(self.body.data.policies, ['app', 'default'])
    }
    const after = await t.server.core.barrier.list('sys/token/id/')
    assert.ok(!after.some((key) => key.startsWith('QQQQQQQ')))
    // Unknown tokens of either shape are refused.
    for (const unknown of [`cvs.${'A'.repeat(47)}`, `cvs.${'A'.repeat(40)}`])
      assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: unknown })).status, 403)
  })
})
