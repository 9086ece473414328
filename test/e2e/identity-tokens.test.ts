// Identity tokens end to end: keys per algorithm verified against the published JWKS, templates, introspection,
// rotation on a manual clock, and a Coffer-issued token logging in to Coffer's own jwt auth method.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

describe('identity tokens', () => {
  const clock = new ManualClock()
  let t: TestServer
  let userpassAccessor = ''
  let aliceToken = ''
  let aliceEntity = ''
  let issuer = ''

  const jwks = async (): Promise<JSONWebKeySet> => {
    const res = await t.call('GET', 'identity/oidc/.well-known/keys', { token: '' })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    return res.body
  }
  const kids = async () => (await jwks()).keys.map((k) => k.kid)
  const mint = async (role: string, token = aliceToken) => {
    const res = await t.call('GET', `identity/oidc/token/${role}`, { token })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.data as { token: string; client_id: string; ttl: number }
  }
  const introspect = async (token: string, clientId?: string) => {
    const res = await t.call('POST', 'identity/oidc/introspect', {
      body: { token, ...(clientId === undefined ? {} : { client_id: clientId }) },
    })
    assert.equal(res.status, 200)
    return res.body
  }
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await t.call(method, path, body === undefined ? {} : { body })
    assert.ok(
      res.status === 200 || res.status === 204,
      `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    )
    return res
  }
  // The identity backend's periodic hook, called directly: core's own once-a-second run may be under way, and
  // this call then waits for it (the hook's writes are serialised) instead of being skipped.
  const runPeriodic = async () => {
    const backend = t.server.core.services.mounts.router.get('identity/')!.backend
    await backend.definition.periodic!({
      storage: backend.storage,
      system: backend.system,
      state: backend.state,
    })
  }

  before(async () => {
    t = await startDevServer({ clock })
    issuer = `${t.address}/v1/identity/oidc`
    await ok('POST', 'sys/auth/userpass', { type: 'userpass' })
    userpassAccessor = (await t.call('GET', 'sys/auth')).body.data['userpass/'].accessor
    await ok('PUT', 'sys/policies/acl/id-tokens', {
      policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }',
    })
    await ok('POST', 'auth/userpass/users/alice', { password: 'pw-123456', token_policies: ['id-tokens'] })
    const login = await t.call('POST', 'auth/userpass/login/alice', {
      token: '',
      body: { password: 'pw-123456' },
    })
    aliceToken = login.body.auth.client_token
    aliceEntity = login.body.auth.entity_id
    await ok('POST', `identity/entity/id/${aliceEntity}`, { name: 'alice', metadata: { color: 'green' } })
    await ok('POST', 'identity/group', { name: 'web', member_entity_ids: [aliceEntity] })
  })
  after(() => t.close())

  it("has Vault's default key: listed, RS256 with 24h periods for every client, and not deletable", async () => {
    assert.deepEqual((await t.call('LIST', 'identity/oidc/key')).body.data.keys, ['default'])
    assert.deepEqual((await t.call('GET', 'identity/oidc/key/default')).body.data, {
      rotation_period: 86400,
      verification_ttl: 86400,
      algorithm: 'RS256',
      allowed_client_ids: ['*'],
    })
    const del = await t.call('DELETE', 'identity/oidc/key/default')
    assert.equal(del.status, 400)
    assert.deepEqual(del.body.errors, ['deletion of key "default" not allowed'])
    assert.equal((await t.call('GET', 'identity/oidc/key/nope')).status, 404)
  })

  it('serves discovery and keys without a token; the issuer follows identity/oidc/config', async () => {
    const disc = await t.call('GET', 'identity/oidc/.well-known/openid-configuration', { token: '' })
    assert.equal(disc.status, 200)
    assert.deepEqual(disc.body, {
      issuer,
      jwks_uri: `${issuer}/.well-known/keys`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ALGORITHMS,
    })
    assert.deepEqual(await jwks(), { keys: [] })
    const bad = await t.call('POST', 'identity/oidc/config', {
      body: { issuer: 'https://x.example.com/path' },
    })
    assert.equal(bad.status, 400)
    const set = await t.call('POST', 'identity/oidc/config', {
      body: { issuer: 'https://x.example.com:8200' },
    })
    assert.equal(set.body.warnings.length, 1)
    const moved = await t.call('GET', 'identity/oidc/.well-known/openid-configuration', { token: '' })
    assert.equal(moved.body.issuer, 'https://x.example.com:8200/v1/identity/oidc')
    assert.equal((await t.call('POST', 'identity/oidc/config', { body: { issuer: '' } })).status, 204)
    assert.deepEqual((await t.call('GET', 'identity/oidc/config')).body.data, { issuer: '' })
  })

  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: a token for the caller's entity verifies against .well-known/keys`, async () => {
      const name = `k-${algorithm.toLowerCase()}`
      await ok('POST', `identity/oidc/key/${name}`, { algorithm, allowed_client_ids: '*' })
      await ok('POST', `identity/oidc/role/r-${algorithm.toLowerCase()}`, { key: name, ttl: '1h' })
      const issued = await mint(`r-${algorithm.toLowerCase()}`)
      assert.equal(issued.ttl, 3600)
      assert.equal(issued.client_id.length, 26)
      const { payload, protectedHeader } = await jwtVerify(issued.token, createLocalJWKSet(await jwks()), {
        issuer,
        audience: issued.client_id,
        currentDate: new Date(clock.now()),
      })
      assert.equal(protectedHeader.alg, algorithm)
      assert.equal(payload.sub, aliceEntity)
      assert.equal(payload['namespace'], 'root')
      assert.equal(payload.iat, Math.floor(clock.now() / 1000))
      assert.equal(payload.exp, payload.iat! + 3600)
      assert.deepEqual(await introspect(issued.token, issued.client_id), { active: true })
    })
  }

  it('fills the role template from the entity, its aliases and groups; refuses reserved claims', async () => {
    const template = JSON.stringify({
      who: '{{identity.entity.name}}',
      color: '{{identity.entity.metadata.color}}',
      login: `{{identity.entity.aliases.${userpassAccessor}.name}}`,
      groups: '{{identity.entity.groups.names}}',
    })
      .replace(/"\{\{/g, '{{')
      .replace(/\}\}"/g, '}}')
    await ok('POST', 'identity/oidc/role/templated', {
      key: 'default',
      template: Buffer.from(template).toString('base64'),
    })
    const role = (await t.call('GET', 'identity/oidc/role/templated')).body.data
    assert.equal(role.template, template)
    assert.equal(role.key, 'default')
    assert.equal(role.ttl, 86400)
    const issued = await mint('templated')
    const { payload } = await jwtVerify(issued.token, createLocalJWKSet(await jwks()), {
      currentDate: new Date(clock.now()),
    })
    assert.equal(payload['who'], 'alice')
    assert.equal(payload['color'], 'green')
    assert.equal(payload['login'], 'alice')
    assert.deepEqual(payload['groups'], ['web'])
    const reserved = await t.call('POST', 'identity/oidc/role/bad', {
      body: { key: 'default', template: '{"sub":"x"}' },
    })
    assert.equal(reserved.status, 400)
    assert.match(reserved.body.errors[0], /^top level key "sub" not allowed/)
  })

  it('refuses a token without an entity, a key that does not allow the role, and a missing role', async () => {
    const root = await t.call('GET', 'identity/oidc/token/templated')
    assert.equal(root.status, 400)
    assert.deepEqual(root.body.errors, ["no entity associated with the request's token"])
    await ok('POST', 'identity/oidc/key/narrow', { allowed_client_ids: ['someone-else'] })
    await ok('POST', 'identity/oidc/role/narrow', { key: 'narrow', ttl: '1h' })
    const refused = await t.call('GET', 'identity/oidc/token/narrow', { token: aliceToken })
    assert.equal(refused.status, 400)
    assert.match(refused.body.errors[0], /does not list the client ID of the role "narrow"/)
    assert.equal((await t.call('GET', 'identity/oidc/token/missing', { token: aliceToken })).status, 400)
  })

  it('checks ttls against the key, and keeps a referenced key from deletion', async () => {
    await ok('POST', 'identity/oidc/key/short', { verification_ttl: '1h', allowed_client_ids: '*' })
    const long = await t.call('POST', 'identity/oidc/role/long', { body: { key: 'short', ttl: '2h' } })
    assert.deepEqual(long.body.errors, [
      "a role's token ttl cannot be longer than the verification_ttl of the key it references",
    ])
    await ok('POST', 'identity/oidc/role/fits', { key: 'short', ttl: '1h' })
    const shrink = await t.call('POST', 'identity/oidc/key/short', { body: { verification_ttl: '30m' } })
    assert.equal(shrink.status, 400)
    const used = await t.call('DELETE', 'identity/oidc/key/short')
    assert.deepEqual(used.body.errors, [
      'unable to delete key "short" because it is currently referenced by these roles: fits',
    ])
    const before = await kids()
    const kid = decodeProtectedHeader((await mint('fits')).token).kid
    assert.ok(before.includes(kid))
    assert.equal((await t.call('DELETE', 'identity/oidc/role/fits')).status, 204)
    assert.equal((await t.call('DELETE', 'identity/oidc/key/short')).status, 204)
    assert.equal((await kids()).includes(kid), false)
    assert.equal((await t.call('GET', 'identity/oidc/role/fits')).status, 404)
    assert.ok((await t.call('LIST', 'identity/oidc/role')).body.data.keys.includes('templated'))
  })

  it('introspection: wrong client id, expiry on the clock, a rotated-out key, a disabled entity', async () => {
    await ok('POST', 'identity/oidc/key/intro', {
      allowed_client_ids: '*',
      rotation_period: '1h',
      verification_ttl: '1h',
    })
    await ok('POST', 'identity/oidc/role/intro', { key: 'intro', ttl: '10m', client_id: 'intro-client' })
    const issued = await mint('intro')
    assert.equal(issued.client_id, 'intro-client')
    assert.deepEqual(await introspect(issued.token), { active: true })
    assert.deepEqual(await introspect(issued.token, 'other'), {
      active: false,
      error: 'error validating claims: go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
    })
    assert.equal((await introspect('not-a-jwt')).active, false)
    const forged = `${issued.token.slice(0, issued.token.lastIndexOf('.'))}.AAAA`
    assert.deepEqual(await introspect(forged), {
      active: false,
      error: 'unable to validate the token signature',
    })

    // Past exp plus go-jose's minute of leeway.
    clock.advance(600 + 61)
    assert.deepEqual(await introspect(issued.token), {
      active: false,
      error: 'error validating claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)',
    })

    const fresh = await mint('intro')
    const kid = decodeProtectedHeader(fresh.token).kid!
    await ok('POST', 'identity/oidc/key/intro/rotate', { verification_ttl: 0 })
    clock.advance(1)
    assert.equal((await kids()).includes(kid), false)
    assert.deepEqual(await introspect(fresh.token), {
      active: false,
      error: 'unable to validate the token signature',
    })

    const next = await mint('intro')
    assert.notEqual(decodeProtectedHeader(next.token).kid, kid)
    await ok('POST', `identity/entity/id/${aliceEntity}`, { disabled: true })
    assert.deepEqual(await introspect(next.token), { active: false, error: 'entity is disabled' })
    await ok('POST', `identity/entity/id/${aliceEntity}`, { disabled: false })
  })

  it('rotates on rotation_period from the periodic hook; the old key stays published for verification_ttl', async () => {
    await ok('POST', 'identity/oidc/key/spin', {
      allowed_client_ids: '*',
      rotation_period: '2m',
      verification_ttl: '5m',
    })
    await ok('POST', 'identity/oidc/role/spin', { key: 'spin', ttl: '5m' })
    const first = decodeProtectedHeader((await mint('spin')).token).kid!
    await runPeriodic()
    assert.equal(decodeProtectedHeader((await mint('spin')).token).kid, first)
    clock.advance(121)
    await runPeriodic()
    const second = decodeProtectedHeader((await mint('spin')).token).kid!
    assert.notEqual(second, first)
    assert.ok((await kids()).includes(first))
    clock.advance(301)
    await runPeriodic()
    const published = await kids()
    assert.equal(published.includes(first), false)
    assert.ok(published.includes(second))
  })

  it("round trip: a Coffer identity token logs in to Coffer's own jwt auth (jwks_url and discovery)", async () => {
    await ok('POST', 'identity/oidc/key/federate', { allowed_client_ids: '*', algorithm: 'ES256' })
    await ok('POST', 'identity/oidc/role/federate', { key: 'federate', ttl: '15m' })
    const issued = await mint('federate')
    await ok('PUT', 'sys/policies/acl/federated', {
      policy: 'path "secret/data/*" { capabilities = ["read"] }',
    })
    const mounts = {
      'jwt-jwks': { jwks_url: `${issuer}/.well-known/keys`, bound_issuer: issuer },
      'jwt-discovery': { oidc_discovery_url: issuer },
    }
    for (const [mount, config] of Object.entries(mounts)) {
      await ok('POST', `sys/auth/${mount}`, { type: 'jwt' })
      await ok('POST', `auth/${mount}/config`, config)
      await ok('POST', `auth/${mount}/role/workload`, {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: [issued.client_id],
        token_policies: ['federated'],
      })
      const login = await t.call('POST', `auth/${mount}/login`, {
        token: '',
        body: { role: 'workload', jwt: issued.token },
      })
      assert.equal(login.status, 200, `${mount}: ${JSON.stringify(login.body)}`)
      assert.ok(login.body.auth.policies.includes('federated'))
      assert.equal(login.body.auth.metadata.role, 'workload')
      const wrongAud = await t.call('POST', `auth/${mount}/login`, {
        token: '',
        body: { role: 'workload', jwt: (await mint('templated')).token },
      })
      assert.equal(wrongAud.status, 400, mount)
    }
  })

  it('never shows private key material in any response', async () => {
    const bodies = [
      await t.call('GET', 'identity/oidc/key/federate'),
      await t.call('GET', 'identity/oidc/.well-known/keys', { token: '' }),
      await t.call('LIST', 'identity/oidc/key'),
    ]
    for (const res of bodies) assert.doesNotMatch(JSON.stringify(res.body), /"(d|p|q|dp|dq|qi)":/)
  })
})
