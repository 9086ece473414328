// OpenBao's internal/vault identity store unit tests replayed over HTTP: each `it` checks what the named Go test observes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

let t: TestServer
let userpass: string
let tokenAccessor: string

before(async () => {
  t = await startDevServer()
  assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
  const policy =
    'path "auth/token/create" { capabilities = ["update"] }\npath "identity/oidc/token/*" { capabilities = ["read"] }'
  assert.equal((await t.call('POST', 'sys/policies/acl/caller', { body: { policy } })).status, 204)
  const mounts = (await t.call('GET', 'sys/auth')).body.data
  userpass = mounts['userpass/'].accessor
  tokenAccessor = mounts['token/'].accessor
})
after(() => t.close())

async function ok(method: string, path: string, body?: unknown) {
  const r = await t.call(method, path, body === undefined ? {} : { body })
  assert.ok(r.status === 200 || r.status === 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body?.data
}

async function fails(method: string, path: string, body?: unknown): Promise<string> {
  const r = await t.call(method, path, body === undefined ? {} : { body })
  assert.equal(r.status, 400, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.errors.join('\n')
}

/** A userpass user with `policies`, logged in; the token carries the entity the login made. */
async function login(user: string, policies: string) {
  await ok('POST', `auth/userpass/users/${user}`, { password: 'pw', policies })
  const r = await t.call('POST', `auth/userpass/login/${user}`, { body: { password: 'pw' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.auth as { client_token: string; entity_id: string }
}

describe('identity_store_test.go', () => {
  it('TestIdentityStore_DeleteEntityAlias', async () => {
    const entity = await ok('POST', 'identity/entity', { name: 'del-alias-entity' })
    const alias = await ok('POST', 'identity/entity-alias', {
      name: 'del-alias',
      mount_accessor: userpass,
      canonical_id: entity.id,
    })
    await ok('DELETE', `identity/entity-alias/id/${alias.id}`)
    assert.equal((await t.call('GET', `identity/entity-alias/id/${alias.id}`)).status, 404)
    const read = await ok('GET', `identity/entity/id/${entity.id}`)
    assert.deepEqual(read.aliases, [])
  })

  it('TestIdentityStore_EntityByAliasFactors', async () => {
    const alias = await ok('POST', 'identity/entity-alias', { name: 'factors', mount_accessor: userpass })
    const found = await ok('POST', 'identity/lookup/entity', {
      alias_name: 'factors',
      alias_mount_accessor: userpass,
    })
    assert.equal(found.id, alias.canonical_id)
  })

  it('TestIdentityStore_CreateOrFetchEntity', async () => {
    // A first login makes the entity and its alias; the next login finds them, adding nothing.
    const first = await login('fetched', 'default')
    const again = await t.call('POST', 'auth/userpass/login/fetched', { body: { password: 'pw' } })
    assert.equal(again.body.auth.entity_id, first.entity_id)
    const entity = await ok('GET', `identity/entity/id/${first.entity_id}`)
    assert.deepEqual(
      entity.aliases.map((a: { name: string; mount_accessor: string }) => [a.name, a.mount_accessor]),
      [['fetched', userpass]],
    )
    // An alias made beforehand on another mount ties that mount's login to the same entity: two aliases.
    assert.equal(
      (await t.call('POST', 'sys/auth/userpass-fetch', { body: { type: 'userpass' } })).status,
      204,
    )
    const other = (await t.call('GET', 'sys/auth')).body.data['userpass-fetch/'].accessor
    await ok('POST', 'identity/entity-alias', {
      name: 'fetched-2',
      mount_accessor: other,
      canonical_id: first.entity_id,
    })
    await ok('POST', 'auth/userpass-fetch/users/fetched-2', { password: 'pw' })
    const second = await t.call('POST', 'auth/userpass-fetch/login/fetched-2', { body: { password: 'pw' } })
    assert.equal(second.body.auth.entity_id, first.entity_id)
    assert.equal((await ok('GET', `identity/entity/id/${first.entity_id}`)).aliases.length, 2)
  })

  it('TestIdentityStore_TokenEntityInheritance', async () => {
    const auth = await login('inherit', 'caller')
    const child = await t.call('POST', 'auth/token/create', { token: auth.client_token, body: {} })
    assert.equal(child.status, 200, JSON.stringify(child.body))
    assert.equal(child.body.auth.entity_id, auth.entity_id)
    // A token made by one with no entity (root) has none.
    const orphan = await t.call('POST', 'auth/token/create-orphan', { body: {} })
    assert.equal(orphan.body.auth.entity_id, '')
  })

  it('TestIdentityStore_WrapInfoInheritance', async () => {
    const auth = await login('wrapper', 'caller')
    const wrapped = await t.call('POST', 'auth/token/create', {
      token: auth.client_token,
      body: {},
      headers: { 'x-vault-wrap-ttl': '5m' },
    })
    assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body))
    const look = await t.call('POST', 'sys/wrapping/lookup', {
      body: { token: wrapped.body.wrap_info.token },
    })
    assert.equal(look.status, 200)
    assert.equal(wrapped.body.wrap_info.creation_path, 'auth/token/create')
  })

  it('TestIdentityStore_MetadataKeyRegex', async () => {
    // Keys of letters, digits and =/+_- are taken; a colon is refused, for entities and groups alike.
    await ok('POST', 'identity/entity', { name: 'meta-good', metadata: { 'validVALID012_-=+/': 'x' } })
    assert.match(
      await fails('POST', 'identity/entity', { name: 'meta-bad', metadata: { 'a:b': 'x' } }),
      /key contains invalid characters/,
    )
    assert.equal((await t.call('GET', 'identity/entity/name/meta-bad')).status, 404)
    assert.match(
      await fails('POST', 'identity/group', { name: 'meta-bad', metadata: { 'a:b': 'x' } }),
      /invalid group metadata/,
    )
    assert.equal((await t.call('GET', 'identity/group/name/meta-bad')).status, 404)
    assert.match(
      await fails('POST', 'identity/entity/name/meta-good', { metadata: { 'vault-x': 'y' } }),
      /reserved/,
    )
    assert.match(
      await fails('POST', 'identity/entity/name/meta-good', { metadata: { k: 'v'.repeat(513) } }),
      /value is too long/,
    )
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
    assert.match(await fails('POST', 'identity/entity/name/meta-good', { metadata: many }), /more than 64/)
    const kept = await ok('GET', 'identity/entity/name/meta-good')
    assert.deepEqual(kept.metadata, { 'validVALID012_-=+/': 'x' })
  })

  it('TestIdentityStore_UpdateAliasMetadataPerAccessor', async () => {
    // One entity may hold aliases on several mounts; each keeps its own name.
    const entity = await ok('POST', 'identity/entity', { name: 'per-accessor' })
    await ok('POST', 'identity/entity-alias', {
      name: 'pa-up',
      mount_accessor: userpass,
      canonical_id: entity.id,
    })
    await ok('POST', 'identity/entity-alias', {
      name: 'pa-tok',
      mount_accessor: tokenAccessor,
      canonical_id: entity.id,
    })
    const read = await ok('GET', `identity/entity/id/${entity.id}`)
    const names = read.aliases.map(
      (a: { name: string; mount_accessor: string }) => `${a.mount_accessor}:${a.name}`,
    )
    assert.deepEqual(names.sort(), [`${tokenAccessor}:pa-tok`, `${userpass}:pa-up`].sort())
  })

  it('TestIdentityStore_DeleteCaseSensitivityKey', async () => {
    const entity = await ok('POST', 'identity/entity', { name: 'CaseDelete' })
    await ok('DELETE', 'identity/entity/name/casedelete')
    assert.equal((await t.call('GET', `identity/entity/id/${entity.id}`)).status, 404)
  })
})

/** The claims of a compact JWS, unverified: the tests read what was issued. */
function claims(jwt: string) {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())
}

describe('identity_store_oidc_test.go', () => {
  it('TestOIDC_Path_OIDC_RoleNoKeyParameter', async () => {
    assert.match(await fails('POST', 'identity/oidc/role/no-key', {}), /the key parameter is required/)
  })

  it('TestOIDC_Path_OIDC_RoleNilKeyEntry', async () => {
    assert.match(await fails('POST', 'identity/oidc/role/nil-key', { key: 'missing-key' }), /cannot find key/)
    assert.equal((await t.call('GET', 'identity/oidc/role/nil-key')).status, 404)
  })

  it('TestOIDC_Path_OIDCRole_UpdateNoKey', async () => {
    await ok('POST', 'identity/oidc/key/upd-nokey', { verification_ttl: '2m', rotation_period: '2m' })
    await ok('POST', 'identity/oidc/role/upd-nokey', { key: 'upd-nokey', ttl: '1m' })
    await ok('POST', 'identity/oidc/role/upd-nokey', { ttl: '2m' })
    const role = await ok('GET', 'identity/oidc/role/upd-nokey')
    assert.deepEqual(role, { key: 'upd-nokey', ttl: 120, template: '', client_id: role.client_id })
  })

  it('TestOIDC_Path_OIDCRole_UpdateEmptyKey', async () => {
    await ok('POST', 'identity/oidc/key/upd-empty', {})
    await ok('POST', 'identity/oidc/role/upd-empty', { key: 'upd-empty' })
    await fails('POST', 'identity/oidc/role/upd-empty', { key: '' })
    const role = await ok('GET', 'identity/oidc/role/upd-empty')
    assert.deepEqual(role, { key: 'upd-empty', ttl: 86400, template: '', client_id: role.client_id })
  })

  it('TestOIDC_Path_OIDCRoleRole', async () => {
    await ok('POST', 'identity/oidc/key/rr-key', {})
    await ok('POST', 'identity/oidc/role/rr', { key: 'rr-key' })
    const first = await ok('GET', 'identity/oidc/role/rr')
    assert.deepEqual(first, { key: 'rr-key', ttl: 86400, template: '', client_id: first.client_id })
    await ok('POST', 'identity/oidc/role/rr', {
      template: '{"some-key":"some-value"}',
      ttl: '2h',
      client_id: 'my_custom_id',
    })
    assert.deepEqual(await ok('GET', 'identity/oidc/role/rr'), {
      key: 'rr-key',
      ttl: 7200,
      template: '{"some-key":"some-value"}',
      client_id: 'my_custom_id',
    })
    await ok('DELETE', 'identity/oidc/role/rr')
    assert.equal((await t.call('GET', 'identity/oidc/role/rr')).status, 404)
  })

  it('TestOIDC_Path_OIDCRole_InvalidTokenTTL', async () => {
    await ok('POST', 'identity/oidc/key/short-key', { verification_ttl: 60 })
    await fails('POST', 'identity/oidc/role/too-long', { key: 'short-key', ttl: 3600 })
    assert.equal((await t.call('GET', 'identity/oidc/role/too-long')).status, 404)
  })

  it('TestOIDC_Path_OIDCRole', async () => {
    await ok('POST', 'identity/oidc/key/list-key', { allowed_client_ids: 'list-role1,list-role2' })
    await ok('POST', 'identity/oidc/role/list-role1', { key: 'list-key' })
    await ok('POST', 'identity/oidc/role/list-role2', { key: 'list-key' })
    const listed = (await ok('LIST', 'identity/oidc/role')).keys
    assert.ok(listed.includes('list-role1') && listed.includes('list-role2'))
    await ok('DELETE', 'identity/oidc/role/list-role2')
    const after = (await ok('LIST', 'identity/oidc/role')).keys
    assert.ok(after.includes('list-role1') && !after.includes('list-role2'))
  })

  it('TestOIDC_Path_OIDCKeyKey', async () => {
    await ok('POST', 'identity/oidc/key/kk', {})
    assert.deepEqual(await ok('GET', 'identity/oidc/key/kk'), {
      rotation_period: 86400,
      verification_ttl: 86400,
      algorithm: 'RS256',
      allowed_client_ids: [],
    })
    await ok('POST', 'identity/oidc/key/kk', {
      rotation_period: '10m',
      verification_ttl: '1h',
      allowed_client_ids: 'kk-role',
    })
    assert.deepEqual(await ok('GET', 'identity/oidc/key/kk'), {
      rotation_period: 600,
      verification_ttl: 3600,
      algorithm: 'RS256',
      allowed_client_ids: ['kk-role'],
    })
    // The Go test writes the role with an update on a missing role, so its ttl stays 0; over HTTP the write is a
    // create and takes the 24h default, longer than the key's 1h: the role names a ttl that fits.
    await ok('POST', 'identity/oidc/role/kk-role', { key: 'kk', ttl: '30m' })
    assert.match(await fails('DELETE', 'identity/oidc/key/kk'), /referenced|role/)
    await ok('DELETE', 'identity/oidc/role/kk-role')
    await ok('DELETE', 'identity/oidc/key/kk')
    assert.equal((await t.call('GET', 'identity/oidc/key/kk')).status, 404)
  })

  it('TestOIDC_Path_OIDCKey_InvalidTokenTTL', async () => {
    await ok('POST', 'identity/oidc/key/ttl-key', { verification_ttl: '4m' })
    await ok('POST', 'identity/oidc/role/ttl-role', { key: 'ttl-key', ttl: '4m' })
    await fails('POST', 'identity/oidc/key/ttl-key', {
      rotation_period: '10m',
      verification_ttl: '2m',
      allowed_client_ids: 'ttl-role',
    })
    assert.equal((await ok('GET', 'identity/oidc/key/ttl-key')).verification_ttl, 240)
  })

  it('TestOIDC_Path_OIDCKey', async () => {
    await ok('POST', 'identity/oidc/key/lk1', {})
    await ok('POST', 'identity/oidc/key/lk2', {})
    const listed = (await ok('LIST', 'identity/oidc/key')).keys
    assert.ok(listed.includes('lk1') && listed.includes('lk2'))
    await ok('DELETE', 'identity/oidc/key/lk2')
    const after = (await ok('LIST', 'identity/oidc/key')).keys
    assert.ok(after.includes('lk1') && !after.includes('lk2'))
  })

  it('TestOIDC_PublicKeys_NoRole / TestOIDC_PublicKeys / TestOIDC_SharedPublicKeysByRoles', async () => {
    // Each case runs on its own server: the key set spans every key in use.
    const s = await startDevServer()
    try {
      const jwks = async () => {
        const r = await s.call('GET', 'identity/oidc/.well-known/keys', { token: '' })
        assert.equal(r.status, 200)
        return r.body.keys as { kid: string }[]
      }
      await s.call('POST', 'identity/oidc/key/pk', { body: {} })
      assert.equal((await jwks()).length, 0, 'a key no role uses publishes nothing')
      await s.call('POST', 'identity/oidc/role/pk-role', { body: { key: 'pk' } })
      const one = await jwks()
      assert.equal(one.length, 2, 'current and next key')
      assert.equal((await s.call('POST', 'identity/oidc/key/pk/rotate', { body: {} })).status, 204)
      assert.equal((await jwks()).length, 3)
      assert.equal((await s.call('POST', 'identity/oidc/key/pk/rotate', { body: {} })).status, 204)
      assert.equal((await jwks()).length, 4)
      // More roles on one key share its public keys.
      await s.call('POST', 'identity/oidc/role/pk-role2', { body: { key: 'pk' } })
      await s.call('POST', 'identity/oidc/role/pk-role3', { body: { key: 'pk' } })
      assert.equal((await jwks()).length, 4)
      await s.call('POST', 'identity/oidc/key/pk2', { body: {} })
      await s.call('POST', 'identity/oidc/role/pk2-role', { body: { key: 'pk2' } })
      assert.equal((await jwks()).length, 6)
      for (const role of ['pk-role', 'pk-role2', 'pk-role3'])
        assert.equal((await s.call('DELETE', `identity/oidc/role/${role}`)).status, 204)
      assert.equal((await s.call('DELETE', 'identity/oidc/key/pk')).status, 204)
      assert.equal((await jwks()).length, 2)
    } finally {
      await s.close()
    }
  })

  it('TestOIDC_SignIDToken', async () => {
    const auth = await login('signer', 'caller')
    await ok('POST', 'identity/oidc/key/sign-key', { allowed_client_ids: '*' })
    await ok('POST', 'identity/oidc/role/sign-role', { key: 'sign-key' })
    const clientId = (await ok('GET', 'identity/oidc/role/sign-role')).client_id
    await ok('POST', 'identity/oidc/key/sign-key', { allowed_client_ids: '' })
    const refused = await t.call('GET', 'identity/oidc/token/sign-role', { token: auth.client_token })
    assert.equal(refused.status, 400)
    assert.match(refused.body.errors[0], /client ID/)
    await ok('POST', 'identity/oidc/key/sign-key', { allowed_client_ids: clientId })
    const issued = await t.call('GET', 'identity/oidc/token/sign-role', { token: auth.client_token })
    assert.equal(issued.status, 200, JSON.stringify(issued.body))
    const c = claims(issued.body.data.token)
    assert.equal(c.sub, auth.entity_id)
    assert.equal(c.aud, clientId)
    assert.equal(c.exp - c.iat, 86400)
    const header = JSON.parse(Buffer.from(issued.body.data.token.split('.')[0], 'base64url').toString())
    const kids = (
      (await t.call('GET', 'identity/oidc/.well-known/keys', { token: '' })).body.keys as { kid: string }[]
    ).map((k) => k.kid)
    assert.ok(kids.includes(header.kid), 'the signing key is published')
  })

  it('TestOIDC_SignIDToken_NilSigningKey', async () => {
    // A role whose key is gone issues nothing (Vault refuses to delete a key in use; the role is checked anyway).
    const auth = await login('nilkey', 'caller')
    assert.equal(
      (await t.call('GET', 'identity/oidc/token/no-such-role', { token: auth.client_token })).status,
      400,
    )
    // The root token has no entity: Vault issues no identity token for it.
    await ok('POST', 'identity/oidc/key/root-key', { allowed_client_ids: '*' })
    await ok('POST', 'identity/oidc/role/root-role', { key: 'root-key' })
    assert.match(await fails('GET', 'identity/oidc/token/root-role'), /no entity/)
  })

  it('TestOIDC_PeriodicFunc', async () => {
    // Rotation every 2m, old keys kept for 1m: each cycle publishes at least what the Go test counts, and no more
    // than three keys (the key retired the cycle before is gone, its verification_ttl over).
    const clock = new ManualClock()
    const s = await startDevServer({ clock })
    try {
      const backend = s.server.core.services.mounts.router.get('identity/')!.backend
      const periodic = () =>
        backend.definition.periodic!({
          storage: backend.storage,
          system: backend.system,
          state: backend.state,
        })
      const count = async () =>
        ((await s.call('GET', 'identity/oidc/.well-known/keys', { token: '' })).body.keys as unknown[]).length
      assert.equal(
        (
          await s.call('POST', 'identity/oidc/key/spin', {
            body: { rotation_period: '2m', verification_ttl: '1m' },
          })
        ).status,
        204,
      )
      assert.equal(
        (await s.call('POST', 'identity/oidc/role/spin', { body: { key: 'spin', ttl: '1m' } })).status,
        204,
      )
      const seen = new Set<string>()
      for (const expected of [2, 3, 2, 3]) {
        clock.advance(121)
        await periodic()
        const n = await count()
        // Just rotated: the new current and next keys, and the one retired a moment ago, for its minute.
        assert.equal(n, 3)
        assert.ok(n >= expected)
        const keys = (await s.call('GET', 'identity/oidc/.well-known/keys', { token: '' })).body.keys as {
          kid: string
        }[]
        for (const k of keys) seen.add(k.kid)
      }
      assert.ok(seen.size >= 5, 'each cycle rotated in a new key')
    } finally {
      await s.close()
    }
  })

  it('TestOIDC_Config', async () => {
    const s = await startDevServer()
    try {
      assert.equal((await s.call('GET', 'identity/oidc/config')).body.data.issuer, '')
      assert.equal(
        (await s.call('POST', 'identity/oidc/config', { body: { issuer: 'https://example.com:1234' } }))
          .status,
        200,
      )
      assert.equal((await s.call('GET', 'identity/oidc/config')).body.data.issuer, 'https://example.com:1234')
      for (const iss of [
        'asldfk',
        'ftp://a.com',
        'a.com',
        'http://a.com/',
        'https://a.com/foo',
        'http:://a.com',
      ]) {
        const r = await s.call('POST', 'identity/oidc/config', { body: { issuer: iss } })
        assert.equal(r.status, 400, iss)
      }
      assert.equal((await s.call('GET', 'identity/oidc/config')).body.data.issuer, 'https://example.com:1234')
    } finally {
      await s.close()
    }
  })

  it('TestOIDC_Path_OpenIDConfig', async () => {
    const s = await startDevServer()
    try {
      const before = await s.call('GET', 'identity/oidc/.well-known/openid-configuration', { token: '' })
      assert.equal(before.status, 200)
      assert.ok(before.body.issuer.endsWith('/v1/identity/oidc'), before.body.issuer)
      await s.call('POST', 'identity/oidc/config', { body: { issuer: 'https://example.com:1234' } })
      const afterSet = await s.call('GET', 'identity/oidc/.well-known/openid-configuration/', { token: '' })
      assert.equal(afterSet.status, 200)
      assert.equal(afterSet.body.issuer, 'https://example.com:1234/v1/identity/oidc')
    } finally {
      await s.close()
    }
  })

  it('TestOIDC_pathOIDCKeyExistenceCheck / TestOIDC_pathOIDCRoleExistenceCheck', async () => {
    // Keys and roles have an existence check: writing a missing one needs "create", a present one "update".
    await ok('POST', 'sys/policies/acl/oidc-update', {
      policy: 'path "identity/oidc/*" { capabilities = ["update"] }',
    })
    await ok('POST', 'sys/policies/acl/oidc-create', {
      policy: 'path "identity/oidc/*" { capabilities = ["create"] }',
    })
    const updater = (await login('oidc-updater', 'oidc-update')).client_token
    const creator = (await login('oidc-creator', 'oidc-create')).client_token
    const write = async (token: string, path: string, body: unknown) =>
      (await t.call('POST', `identity/oidc/${path}`, { token, body })).status
    assert.equal(await write(updater, 'key/exists-key-1', {}), 403)
    assert.equal(await write(creator, 'key/exists-key', {}), 204)
    assert.equal(await write(creator, 'key/exists-key', { rotation_period: '2h' }), 403)
    assert.equal(await write(updater, 'key/exists-key', { rotation_period: '3h' }), 204)
    assert.equal(await write(updater, 'role/exists-role-1', { key: 'exists-key' }), 403)
    assert.equal(await write(creator, 'role/exists-role', { key: 'exists-key' }), 204)
    assert.equal(await write(creator, 'role/exists-role', { ttl: '1h' }), 403)
    assert.equal(await write(updater, 'role/exists-role', { ttl: '2h' }), 204)
    assert.equal((await t.call('GET', 'identity/oidc/key/exists-key-1')).status, 404)
    assert.equal((await t.call('GET', 'identity/oidc/role/exists-role-1')).status, 404)
  })

  it('TestOIDC_Path_Introspect', async () => {
    // The Go test posts to "oidc/introspect/": Vault's pattern takes an optional trailing slash.
    const bad = await t.call('POST', 'identity/oidc/introspect/', { body: { token: 'not-a-valid-token' } })
    assert.equal(bad.status, 200, JSON.stringify(bad.body))
    assert.equal(bad.body.active, false)
    assert.ok(bad.body.error)
    const auth = await login('introspected', 'caller')
    for (const alg of ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
      await ok('POST', `identity/oidc/key/intro-${alg}`, { algorithm: alg, allowed_client_ids: '*' })
      await ok('POST', `identity/oidc/role/intro-${alg}`, { key: `intro-${alg}` })
      const issued = await t.call('GET', `identity/oidc/token/intro-${alg}`, { token: auth.client_token })
      assert.equal(issued.status, 200, JSON.stringify(issued.body))
      const checked = await t.call('POST', 'identity/oidc/introspect/', {
        body: { token: issued.body.data.token },
      })
      assert.deepEqual(checked.body, { active: true }, alg)
    }
  })
})

describe('identity_store_entities_test.go', () => {
  it('TestIdentityStore_EntityDeleteGroupMembershipUpdate', async () => {
    const entity = await ok('POST', 'identity/entity', { name: 'member-to-delete' })
    const group = await ok('POST', 'identity/group', { name: 'loses-member', member_entity_ids: [entity.id] })
    await ok('DELETE', `identity/entity/id/${entity.id}`)
    assert.equal((await ok('GET', `identity/group/id/${group.id}`)).member_entity_ids, null)
  })

  it('TestIdentityStore_CaseInsensitiveEntityName', async () => {
    const made = await ok('POST', 'identity/entity', { name: 'MixedCaseEntity' })
    assert.equal((await ok('GET', `identity/entity/id/${made.id}`)).name, 'MixedCaseEntity')
    assert.equal((await ok('GET', 'identity/entity/name/MixedCaseEntity')).id, made.id)
    assert.equal((await ok('GET', 'identity/entity/name/mixedcaseentity')).id, made.id)
    // A write under the other case updates the same entity.
    await ok('POST', 'identity/entity', { name: 'mixedcaseentity' })
    const names = (await ok('LIST', 'identity/entity/name')).keys as string[]
    assert.equal(names.filter((n) => n.toLowerCase() === 'mixedcaseentity').length, 1)
  })

  it('TestIdentityStore_EntityByName', async () => {
    const made = await t.call('POST', 'identity/entity/name/by-name-entity', { body: {} })
    assert.equal(made.status, 200, 'a create answers with the new id')
    assert.equal((await ok('GET', 'identity/entity/name/by-name-entity')).name, 'by-name-entity')
    await ok('POST', 'identity/entity/name/by-name-entity', { metadata: { foo: 'bar' } })
    assert.deepEqual((await ok('GET', 'identity/entity/name/by-name-entity')).metadata, { foo: 'bar' })
    await ok('DELETE', 'identity/entity/name/by-name-entity')
    assert.equal((await t.call('GET', 'identity/entity/name/by-name-entity')).status, 404)
    assert.equal((await t.call('POST', 'identity/entity/name/by-name-entity', { body: {} })).status, 200)
    assert.equal((await t.call('POST', 'identity/entity/name/by-name-entity2', { body: {} })).status, 200)
    const names = (await ok('LIST', 'identity/entity/name')).keys as string[]
    assert.ok(names.includes('by-name-entity') && names.includes('by-name-entity2'))
  })

  it('TestIdentityStore_EntityReadGroupIDs', async () => {
    const entity = await ok('POST', 'identity/entity', { name: 'reads-groups' })
    const direct = await ok('POST', 'identity/group', { name: 'rg-direct', member_entity_ids: [entity.id] })
    const inherited = await ok('POST', 'identity/group', {
      name: 'rg-inherited',
      member_group_ids: [direct.id],
    })
    const found = await ok('POST', 'identity/lookup/entity', { id: entity.id })
    assert.deepEqual(found.direct_group_ids, [direct.id])
    assert.deepEqual(found.inherited_group_ids, [inherited.id])
    assert.deepEqual([...found.group_ids].sort(), [direct.id, inherited.id].sort())
  })

  it('TestIdentityStore_EntityCreateUpdate', async () => {
    const made = await ok('POST', 'identity/entity', {
      name: 'create-update',
      metadata: ['someusefulkey=someusefulvalue'],
      policies: ['p1', 'p2'],
    })
    await ok('POST', `identity/entity/id/${made.id}`, { name: 'create-update-2', policies: 'p3' })
    const read = await ok('GET', `identity/entity/id/${made.id}`)
    assert.equal(read.name, 'create-update-2')
    assert.deepEqual(read.policies, ['p3'])
    assert.deepEqual(read.metadata, { someusefulkey: 'someusefulvalue' })
  })

  it('TestIdentityStore_BatchDelete', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await ok('POST', 'identity/entity', { name: `batch-${i}` })).id)
    await ok('POST', 'identity/entity/batch-delete', { entity_ids: ids })
    for (const id of ids) assert.equal((await t.call('GET', `identity/entity/id/${id}`)).status, 404)
  })

  it('TestIdentityStore_ListEntities', async () => {
    const made = await ok('POST', 'identity/entity', { name: 'listed-entity' })
    await ok('POST', 'identity/entity-alias', {
      name: 'listed-alias',
      mount_accessor: userpass,
      canonical_id: made.id,
    })
    const listed = await ok('LIST', 'identity/entity/id')
    assert.ok(listed.keys.includes(made.id))
    assert.equal(listed.key_info[made.id].name, 'listed-entity')
    assert.equal(listed.key_info[made.id].aliases[0].name, 'listed-alias')
  })

  it('TestIdentityStore_EntityCRUD', async () => {
    const made = await ok('POST', 'identity/entity', { name: 'crud', metadata: { a: 'b' }, policies: ['p'] })
    const read = await ok('GET', `identity/entity/id/${made.id}`)
    assert.equal(read.name, 'crud')
    assert.deepEqual(read.policies, ['p'])
    await ok('POST', `identity/entity/id/${made.id}`, {
      name: 'crud-2',
      metadata: { c: 'd' },
      policies: ['q'],
    })
    const updated = await ok('GET', `identity/entity/id/${made.id}`)
    assert.deepEqual([updated.name, updated.metadata, updated.policies], ['crud-2', { c: 'd' }, ['q']])
    await ok('DELETE', `identity/entity/id/${made.id}`)
    assert.equal((await t.call('GET', `identity/entity/id/${made.id}`)).status, 404)
  })

  it('TestIdentityStore_MergeEntitiesByID', async () => {
    const to = await ok('POST', 'identity/entity', { name: 'merge-to' })
    const from = await ok('POST', 'identity/entity', { name: 'merge-from', policies: ['from-policy'] })
    const alias = await ok('POST', 'identity/entity-alias', {
      name: 'merge-from-alias',
      mount_accessor: userpass,
      canonical_id: from.id,
    })
    const group = await ok('POST', 'identity/group', { name: 'merge-group', member_entity_ids: [from.id] })
    await ok('POST', 'identity/entity/merge', { to_entity_id: to.id, from_entity_ids: [from.id] })
    assert.equal((await t.call('GET', `identity/entity/id/${from.id}`)).status, 404)
    const merged = await ok('GET', `identity/entity/id/${to.id}`)
    assert.deepEqual(
      merged.aliases.map((a: { id: string }) => a.id),
      [alias.id],
    )
    assert.deepEqual(merged.merged_entity_ids, [from.id])
    // Only aliases move: the merged entity's policies are not added to the one that stays.
    assert.deepEqual(merged.policies, [])
    assert.deepEqual((await ok('GET', `identity/group/id/${group.id}`)).member_entity_ids, [to.id])
  })

  it('TestIdentityStore_MergeEntitiesByID_DuplicateFromEntityIDs', async () => {
    const to = await ok('POST', 'identity/entity', { name: 'dup-to', policies: ['p1', 'p1', 'p2'] })
    const from = await ok('POST', 'identity/entity', { name: 'dup-from' })
    // The Go test ties the alias through the deprecated alias path and entity_id field.
    const alias = await ok('POST', 'identity/alias', {
      name: 'dup-from-alias',
      mount_accessor: userpass,
      entity_id: from.id,
    })
    assert.equal(alias.canonical_id, from.id)
    assert.equal((await ok('GET', `identity/entity/id/${from.id}`)).aliases.length, 1)
    await ok('POST', 'identity/entity/merge', { to_entity_id: to.id, from_entity_ids: [from.id, from.id] })
    const merged = await ok('GET', `identity/entity/id/${to.id}`)
    assert.equal(merged.aliases.length, 1)
    assert.deepEqual(merged.merged_entity_ids, [from.id])
  })

  it('TestIdentityStore_MergeEntitiesByID_DuplicateFromEntityIDs (older alias paths)', async () => {
    // Vault answers on alias and persona as on entity-alias: create, read, update, list and delete.
    const entity = await ok('POST', 'identity/entity', { name: 'old-paths' })
    const made = await ok('POST', 'identity/persona', {
      name: 'old-persona',
      mount_accessor: userpass,
      entity_id: entity.id,
    })
    assert.equal(made.canonical_id, entity.id)
    assert.equal((await ok('GET', `identity/alias/id/${made.id}`)).name, 'old-persona')
    await ok('POST', `identity/persona/id/${made.id}`, { name: 'old-persona-2' })
    assert.equal((await ok('GET', `identity/entity-alias/id/${made.id}`)).name, 'old-persona-2')
    assert.ok((await ok('LIST', 'identity/alias/id')).keys.includes(made.id))
    await ok('DELETE', `identity/alias/id/${made.id}`)
    assert.equal((await t.call('GET', `identity/persona/id/${made.id}`)).status, 404)
  })

  it('TestIdentityStore_EntityUpdateRefusesRoot', async () => {
    await ok('POST', 'identity/entity', { name: 'refuses-root', policies: 'testing' })
    const before = await ok('GET', 'identity/entity/name/refuses-root')
    await fails('POST', 'identity/entity/name/refuses-root', { policies: 'default,root' })
    assert.deepEqual(await ok('GET', 'identity/entity/name/refuses-root'), before)
  })
})

describe('identity_store_aliases_test.go', () => {
  it('TestIdentityStore_DuplicateAliases', async () => {
    const first = await ok('POST', 'identity/entity-alias', {
      name: 'dup-alias',
      mount_accessor: tokenAccessor,
    })
    // The same (mount, name) again is the same alias, not a second one.
    const again = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'dup-alias', mount_accessor: tokenAccessor },
    })
    assert.ok(again.status === 200 || again.status === 204)
    if (again.status === 200) assert.equal(again.body.data.id, first.id)
    const other = await ok('POST', 'identity/entity', { name: 'dup-alias-other' })
    await ok('POST', `identity/entity-alias/id/${first.id}`, { canonical_id: other.id })
    const moved = await ok('GET', `identity/entity/id/${other.id}`)
    assert.equal(moved.aliases.length, 1)
  })

  it('TestIdentityStore_CaseInsensitiveEntityAliasName', async () => {
    const made = await ok('POST', 'identity/entity-alias', {
      name: 'MixedCaseAlias',
      mount_accessor: userpass,
    })
    assert.equal((await ok('GET', `identity/entity-alias/id/${made.id}`)).name, 'MixedCaseAlias')
    const found = await ok('POST', 'identity/lookup/entity', {
      alias_name: 'mixedcasealias',
      alias_mount_accessor: userpass,
    })
    assert.equal(found.id, made.canonical_id)
  })

  it('TestIdentityStore_AliasSameAliasNames', async () => {
    await ok('POST', 'identity/entity-alias', { name: 'same-name', mount_accessor: userpass })
    const again = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'same-name', mount_accessor: userpass },
    })
    assert.ok(again.status === 200 || again.status === 204, JSON.stringify(again.body))
    const ids = (await ok('LIST', 'identity/entity-alias/id')).key_info as Record<string, { name: string }>
    assert.equal(Object.values(ids).filter((a) => a.name === 'same-name').length, 1)
  })

  it('TestIdentityStore_AliasRegister', async () => {
    const made = await ok('POST', 'identity/entity-alias', { name: 'registered', mount_accessor: userpass })
    assert.ok(made.id && made.canonical_id)
    assert.equal((await ok('GET', `identity/entity/id/${made.canonical_id}`)).aliases[0].id, made.id)
    assert.match(
      await fails('POST', 'identity/entity-alias', { name: 'x', mount_accessor: 'auth_nope_1' }),
      /mount/,
    )
  })

  it('TestIdentityStore_AliasUpdate', async () => {
    const made = await ok('POST', 'identity/entity-alias', {
      name: 'cm-alias',
      mount_accessor: userpass,
      custom_metadata: { foo: 'baz', bar: 'qux' },
    })
    const read = async () => (await ok('GET', `identity/entity-alias/id/${made.id}`)).custom_metadata
    // No custom_metadata: kept.
    await ok('POST', `identity/entity-alias/id/${made.id}`, { name: 'cm-alias-2' })
    assert.deepEqual(await read(), { foo: 'baz', bar: 'qux' })
    // New custom_metadata: replaced, not merged.
    await ok('POST', `identity/entity-alias/id/${made.id}`, { custom_metadata: { foo: 'bar' } })
    assert.deepEqual(await read(), { foo: 'bar' })
    // An empty map: cleared.
    await ok('POST', `identity/entity-alias/id/${made.id}`, { custom_metadata: {} })
    assert.deepEqual((await read()) ?? {}, {})
    assert.equal((await ok('GET', `identity/entity-alias/id/${made.id}`)).name, 'cm-alias-2')
  })

  it('TestIdentityStore_AliasMove_DuplicateAccessor', async () => {
    const e1 = await ok('POST', 'identity/entity', { name: 'move-dup-1' })
    await ok('POST', 'identity/entity-alias', {
      name: 'move-dup-a1',
      mount_accessor: userpass,
      canonical_id: e1.id,
    })
    const e2 = await ok('POST', 'identity/entity', { name: 'move-dup-2' })
    const a2 = await ok('POST', 'identity/entity-alias', {
      name: 'move-dup-a2',
      mount_accessor: userpass,
      canonical_id: e2.id,
    })
    // e1 already has an alias on this mount: a second may not be moved onto it.
    await fails('POST', `identity/entity-alias/id/${a2.id}`, { canonical_id: e1.id })
    assert.equal((await ok('GET', `identity/entity-alias/id/${a2.id}`)).canonical_id, e2.id)
  })

  it('TestIdentityStore_AliasUpdate_DuplicateAccessor', async () => {
    const e = await ok('POST', 'identity/entity', { name: 'upd-dup' })
    await ok('POST', 'identity/entity-alias', {
      name: 'upd-dup-a1',
      mount_accessor: userpass,
      canonical_id: e.id,
    })
    const a2 = await ok('POST', 'identity/entity-alias', {
      name: 'upd-dup-a2',
      mount_accessor: tokenAccessor,
      canonical_id: e.id,
    })
    await fails('POST', `identity/entity-alias/id/${a2.id}`, { mount_accessor: userpass })
    assert.equal((await ok('GET', `identity/entity-alias/id/${a2.id}`)).mount_accessor, tokenAccessor)
  })

  it('TestIdentityStore_AliasCreate_DuplicateAccessor', async () => {
    const e = await ok('POST', 'identity/entity', { name: 'create-dup' })
    await ok('POST', 'identity/entity-alias', {
      name: 'create-dup-a1',
      mount_accessor: userpass,
      canonical_id: e.id,
    })
    await fails('POST', 'identity/entity-alias', {
      name: 'create-dup-a2',
      mount_accessor: userpass,
      canonical_id: e.id,
    })
    assert.equal((await ok('GET', `identity/entity/id/${e.id}`)).aliases.length, 1)
  })

  it('TestIdentityStore_AliasUpdate_ByID', async () => {
    const made = await ok('POST', 'identity/entity-alias', { name: 'by-id', mount_accessor: userpass })
    await ok('POST', `identity/entity-alias/id/${made.id}`, {
      name: 'by-id-renamed',
      mount_accessor: tokenAccessor,
    })
    const read = await ok('GET', `identity/entity-alias/id/${made.id}`)
    assert.deepEqual([read.name, read.mount_accessor], ['by-id-renamed', tokenAccessor])
    assert.equal(
      (await t.call('POST', 'identity/entity-alias/id/no-such-alias', { body: { name: 'x' } })).status >= 400,
      true,
    )
  })

  it('TestIdentityStore_AliasReadDelete', async () => {
    const made = await ok('POST', 'identity/entity-alias', { name: 'read-delete', mount_accessor: userpass })
    const read = await ok('GET', `identity/entity-alias/id/${made.id}`)
    assert.deepEqual(
      [read.id, read.name, read.mount_accessor, read.canonical_id, read.mount_type],
      [made.id, 'read-delete', userpass, made.canonical_id, 'userpass'],
    )
    await ok('DELETE', `identity/entity-alias/id/${made.id}`)
    assert.equal((await t.call('GET', `identity/entity-alias/id/${made.id}`)).status, 404)
  })
})

/** The identity policies a token gets now, as its lookup-self reports them. */
async function identityPolicies(token: string): Promise<string[]> {
  const r = await t.call('GET', 'auth/token/lookup-self', { token })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return [...(r.body.data.identity_policies ?? [])].sort()
}

describe('identity_store_groups_test.go', () => {
  it('TestIdentityStore_Groups_AddByNameEntityUpdate', async () => {
    const entity = await ok('POST', 'identity/entity', { name: 'added-by-name' })
    const group = await t.call('POST', 'identity/group/name/add-by-name', {
      body: { member_entity_ids: [entity.id] },
    })
    assert.equal(group.status, 200)
    const read = await ok('GET', `identity/entity/id/${entity.id}`)
    assert.deepEqual(read.direct_group_ids, [group.body.data.id])
  })

  it('TestIdentityStore_MemberGroupIDDelete', async () => {
    const child = await ok('POST', 'identity/group', { name: 'mgd-child' })
    await ok('POST', 'identity/group', { name: 'mgd-parent', member_group_ids: [child.id] })
    assert.deepEqual((await ok('GET', 'identity/group/name/mgd-parent')).member_group_ids, [child.id])
    await ok('POST', 'identity/group/name/mgd-parent', { member_group_ids: [] })
    assert.equal((await ok('GET', 'identity/group/name/mgd-parent')).member_group_ids, null)
    assert.equal((await ok('GET', `identity/group/id/${child.id}`)).parent_group_ids, null)
  })

  it('TestIdentityStore_CaseInsensitiveGroupName', async () => {
    const made = await ok('POST', 'identity/group', { name: 'MixedCaseGroup' })
    assert.equal((await ok('GET', `identity/group/id/${made.id}`)).name, 'MixedCaseGroup')
    assert.equal((await ok('GET', 'identity/group/name/mixedcasegroup')).id, made.id)
    await ok('POST', 'identity/group', { name: 'mixedcasegroup' })
    const names = (await ok('LIST', 'identity/group/name')).keys as string[]
    assert.equal(names.filter((n) => n.toLowerCase() === 'mixedcasegroup').length, 1)
  })

  it('TestIdentityStore_GroupByName', async () => {
    assert.equal((await t.call('POST', 'identity/group/name/by-name-group', { body: {} })).status, 200)
    await ok('POST', 'identity/group/name/by-name-group', { metadata: { foo: 'bar' } })
    assert.deepEqual((await ok('GET', 'identity/group/name/by-name-group')).metadata, { foo: 'bar' })
    await ok('DELETE', 'identity/group/name/by-name-group')
    assert.equal((await t.call('GET', 'identity/group/name/by-name-group')).status, 404)
  })

  it('TestIdentityStore_Groups_TypeMembershipAdditions', async () => {
    await fails('POST', 'identity/group', { type: 'external', member_entity_ids: 'sampleentityid' })
    await fails('POST', 'identity/group', { type: 'external', member_group_ids: 'samplegroupid' })
  })

  it('TestIdentityStore_Groups_TypeImmutability', async () => {
    const internal = await ok('POST', 'identity/group', {})
    const external = await ok('POST', 'identity/group', { type: 'external' })
    await fails('POST', `identity/group/id/${internal.id}`, { type: 'external' })
    await fails('POST', `identity/group/id/${external.id}`, { type: 'internal' })
  })

  it('TestIdentityStore_GroupsCreateUpdate / TestIdentityStore_GroupsCreateUpdateDuplicatePolicy', async () => {
    const made = await ok('POST', 'identity/group', {
      policies: ['testpolicy1', 'testpolicy2'],
      metadata: ['testkey1=testvalue1', 'testkey2=testvalue2'],
    })
    const read = await ok('GET', `identity/group/id/${made.id}`)
    assert.deepEqual(read.policies, ['testpolicy1', 'testpolicy2'])
    assert.deepEqual(read.metadata, { testkey1: 'testvalue1', testkey2: 'testvalue2' })
    assert.equal(read.parent_group_ids, null)
    await ok('POST', 'identity/group', {
      id: made.id,
      policies: ['updatedpolicy1', 'updatedpolicy2', 'updatedpolicy2'],
    })
    assert.deepEqual((await ok('GET', `identity/group/id/${made.id}`)).policies, [
      'updatedpolicy1',
      'updatedpolicy2',
    ])
  })

  it('TestIdentityStore_GroupsCRUD_ByID', async () => {
    const made = await ok('POST', 'identity/group', { name: 'crud-group', policies: 'p' })
    await ok('POST', `identity/group/id/${made.id}`, { name: 'crud-group-2', policies: 'q' })
    const read = await ok('GET', `identity/group/id/${made.id}`)
    assert.deepEqual([read.name, read.policies], ['crud-group-2', ['q']])
    await ok('DELETE', `identity/group/id/${made.id}`)
    assert.equal((await t.call('GET', `identity/group/id/${made.id}`)).status, 404)
  })

  it('TestIdentityStore_GroupMultiCase', async () => {
    // An entity in two groups gets both groups' policies on its token, and loses one when it leaves that group.
    const auth = await login('multicase', 'default')
    const build = await ok('POST', 'identity/group', { name: 'build', policies: 'buildpolicy' })
    await ok('POST', 'identity/group', { name: 'deploy', policies: 'deploypolicy' })
    await ok('POST', `identity/group/id/${build.id}`, { member_entity_ids: [auth.entity_id] })
    await ok('POST', 'identity/group/name/deploy', { member_entity_ids: [auth.entity_id] })
    assert.deepEqual(await identityPolicies(auth.client_token), ['buildpolicy', 'deploypolicy'])
    await ok('POST', 'identity/group/name/deploy', { member_entity_ids: [] })
    assert.deepEqual(await identityPolicies(auth.client_token), ['buildpolicy'])
  })

  it('TestIdentityStore_GroupHierarchyCases', async () => {
    // kube ⊂ engineering ⊂ vault: a member of kube gets all three groups' policies, a member of vault only vault's.
    const kubeUser = await login('kube-user', 'default')
    const vaultUser = await login('vault-user', 'default')
    const kube = await ok('POST', 'identity/group', {
      name: 'h-kube',
      policies: 'kubepolicy',
      member_entity_ids: [kubeUser.entity_id],
    })
    const eng = await ok('POST', 'identity/group', {
      name: 'h-engineering',
      policies: 'engpolicy',
      member_group_ids: [kube.id],
    })
    await ok('POST', 'identity/group', {
      name: 'h-vault',
      policies: 'vaultpolicy',
      member_group_ids: [eng.id],
      member_entity_ids: [vaultUser.entity_id],
    })
    assert.deepEqual(await identityPolicies(kubeUser.client_token), [
      'engpolicy',
      'kubepolicy',
      'vaultpolicy',
    ])
    assert.deepEqual(await identityPolicies(vaultUser.client_token), ['vaultpolicy'])
    const found = await ok('POST', 'identity/lookup/entity', { id: kubeUser.entity_id })
    assert.deepEqual(found.direct_group_ids, [kube.id])
    assert.equal(found.inherited_group_ids.length, 2)
    // Cutting engineering loose from vault takes vault's policy away from kube's members.
    await ok('POST', 'identity/group/name/h-vault', { member_group_ids: [] })
    assert.deepEqual(await identityPolicies(kubeUser.client_token), ['engpolicy', 'kubepolicy'])
  })

  it('TestIdentityStore_GroupCycleDetection', async () => {
    const a = await ok('POST', 'identity/group', { name: 'cycle-a' })
    const b = await ok('POST', 'identity/group', { name: 'cycle-b', member_group_ids: [a.id] })
    const c = await ok('POST', 'identity/group', { name: 'cycle-c', member_group_ids: [b.id] })
    await fails('POST', `identity/group/id/${a.id}`, { member_group_ids: [c.id] })
    await fails('POST', `identity/group/id/${a.id}`, { member_group_ids: [a.id] })
    assert.equal((await ok('GET', `identity/group/id/${a.id}`)).member_group_ids, null)
  })
})

describe('identity_store_group_aliases_test.go', () => {
  it('TestIdentityStore_CaseInsensitiveGroupAliasName', async () => {
    const group = await ok('POST', 'identity/group', { type: 'external' })
    const alias = await ok('POST', 'identity/group-alias', {
      name: 'MixedCaseGroupAlias',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
    assert.equal((await ok('GET', `identity/group-alias/id/${alias.id}`)).name, 'MixedCaseGroupAlias')
    await ok('POST', `identity/group-alias/id/${alias.id}`, {
      name: 'mixedcasegroupalias',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
    assert.equal((await ok('GET', `identity/group-alias/id/${alias.id}`)).name, 'mixedcasegroupalias')
  })

  it('TestIdentityStore_EnsureNoDanglingGroupAlias', async () => {
    assert.equal((await t.call('POST', 'sys/auth/userpass-2', { body: { type: 'userpass' } })).status, 204)
    const second = (await t.call('GET', 'sys/auth')).body.data['userpass-2/'].accessor
    const group = await ok('POST', 'identity/group', { type: 'external' })
    const first = await ok('POST', 'identity/group-alias', {
      name: 'dangling',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
    assert.equal((await ok('GET', `identity/group-alias/id/${first.id}`)).id, first.id)
    // A second alias for the same group replaces the first, which is gone rather than left dangling.
    const replacement = await ok('POST', 'identity/group-alias', {
      name: 'dangling',
      mount_accessor: second,
      canonical_id: group.id,
    })
    assert.equal((await ok('GET', `identity/group-alias/id/${replacement.id}`)).id, replacement.id)
    assert.equal((await t.call('GET', `identity/group-alias/id/${first.id}`)).status, 404)
    assert.equal((await ok('GET', `identity/group/id/${group.id}`)).alias.id, replacement.id)
    const listed = (await ok('LIST', 'identity/group-alias/id')).keys as string[]
    assert.ok(listed.includes(replacement.id) && !listed.includes(first.id))
    // The first alias's (mount, name) is free again.
    const other = await ok('POST', 'identity/group', { type: 'external' })
    await ok('POST', 'identity/group-alias', {
      name: 'dangling',
      mount_accessor: userpass,
      canonical_id: other.id,
    })
  })

  it('TestIdentityStore_GroupAliasDeletionOnGroupDeletion', async () => {
    const group = await ok('POST', 'identity/group', { type: 'external' })
    const alias = await ok('POST', 'identity/group-alias', {
      name: 'deleted-with-group',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
    await ok('DELETE', `identity/group/id/${group.id}`)
    assert.equal((await t.call('GET', `identity/group-alias/id/${alias.id}`)).status, 404)
  })

  it('TestIdentityStore_GroupAliases_CRUD', async () => {
    const group = await ok('POST', 'identity/group', { type: 'external' })
    const alias = await ok('POST', 'identity/group-alias', {
      name: 'crud-group-alias',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
    const read = await ok('GET', `identity/group-alias/id/${alias.id}`)
    assert.deepEqual(
      [read.name, read.mount_accessor, read.canonical_id, read.mount_type],
      ['crud-group-alias', userpass, group.id, 'userpass'],
    )
    await ok('POST', `identity/group-alias/id/${alias.id}`, {
      name: 'crud-group-alias-2',
      mount_accessor: userpass,
    })
    assert.equal((await ok('GET', `identity/group-alias/id/${alias.id}`)).name, 'crud-group-alias-2')
    await ok('DELETE', `identity/group-alias/id/${alias.id}`)
    assert.equal((await t.call('GET', `identity/group-alias/id/${alias.id}`)).status, 404)
    assert.deepEqual((await ok('GET', `identity/group/id/${group.id}`)).alias, {})
  })

  it('TestIdentityStore_GroupAliases_AliasOnInternalGroup', async () => {
    const group = await ok('POST', 'identity/group', { type: 'internal' })
    await fails('POST', 'identity/group-alias', {
      name: 'on-internal',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
  })

  it('TestIdentityStore_GroupAliasesUpdate', async () => {
    const group = await ok('POST', 'identity/group', { type: 'external' })
    const alias = await ok('POST', 'identity/group-alias', {
      name: 'update-group-alias',
      mount_accessor: userpass,
      canonical_id: group.id,
    })
    await ok('POST', `identity/group-alias/id/${alias.id}`, {
      name: 'updated-group-alias',
      mount_accessor: tokenAccessor,
      canonical_id: group.id,
    })
    const read = await ok('GET', `identity/group-alias/id/${alias.id}`)
    assert.deepEqual([read.name, read.mount_accessor], ['updated-group-alias', tokenAccessor])
  })
})

describe('identity_lookup_test.go', () => {
  it('TestIdentityStore_Lookup_Entity', async () => {
    const entity = await ok('POST', 'identity/entity', { name: 'lookup-entity' })
    const alias = await ok('POST', 'identity/entity-alias', {
      name: 'lookup-alias',
      mount_accessor: userpass,
      entity_id: entity.id,
    })
    for (const body of [
      { id: entity.id },
      { name: 'lookup-entity' },
      { alias_id: alias.id },
      { alias_name: 'lookup-alias', alias_mount_accessor: userpass },
    ])
      assert.equal((await ok('POST', 'identity/lookup/entity', body)).id, entity.id, JSON.stringify(body))
    await fails('POST', 'identity/lookup/entity', { id: entity.id, name: 'lookup-entity' })
    await fails('POST', 'identity/lookup/entity', { alias_name: 'lookup-alias' })
    await fails('POST', 'identity/lookup/entity', { alias_mount_accessor: userpass })
    await fails('POST', 'identity/lookup/entity', {})
    await ok('DELETE', `identity/entity-alias/id/${alias.id}`)
    const gone = await t.call('POST', 'identity/lookup/entity', { body: { alias_id: alias.id } })
    assert.equal(gone.status, 204)
  })

  it('TestIdentityStore_Lookup_Group', async () => {
    const group = await ok('POST', 'identity/group', { name: 'lookup-group' })
    assert.equal((await ok('POST', 'identity/lookup/group', { id: group.id })).id, group.id)
    assert.equal((await ok('POST', 'identity/lookup/group', { name: 'lookup-group' })).id, group.id)
    await fails('POST', 'identity/lookup/group', { id: group.id, name: 'lookup-group' })
    const external = await ok('POST', 'identity/group', { type: 'external' })
    const alias = await ok('POST', 'identity/group-alias', {
      name: 'lookup-group-alias',
      mount_accessor: userpass,
      canonical_id: external.id,
    })
    assert.equal((await ok('POST', 'identity/lookup/group', { alias_id: alias.id })).id, external.id)
    assert.equal(
      (
        await ok('POST', 'identity/lookup/group', {
          alias_name: 'lookup-group-alias',
          alias_mount_accessor: userpass,
        })
      ).id,
      external.id,
    )
    await fails('POST', 'identity/lookup/group', { alias_name: 'lookup-group-alias' })
    await fails('POST', 'identity/lookup/group', {})
  })
})

describe('identity store validation messages (identity/*.go ErrorResponse texts)', () => {
  it('TestIdentityStore_Lookup_Entity / TestIdentityStore_Lookup_Group (query parameter errors)', async () => {
    for (const kind of ['entity', 'group']) {
      const path = `identity/lookup/${kind}`
      assert.equal(await fails('POST', path, {}), 'query parameter not supplied')
      const conflict = 'query parameter conflict; please supply distinct set of query parameters'
      assert.equal(await fails('POST', path, { id: 'x', name: 'y' }), conflict)
      // An alias name with anything but its mount accessor is a conflict, not a missing accessor.
      assert.equal(await fails('POST', path, { id: 'x', alias_name: 'y' }), conflict)
      const both = "both 'alias_name' and 'alias_mount_accessor' needs to be set"
      assert.equal(await fails('POST', path, { alias_name: 'y' }), both)
      assert.equal(await fails('POST', path, { alias_mount_accessor: userpass }), both)
    }
  })

  it('TestIdentityStore_AliasRegister (neither id nor mount_accessor and name)', async () => {
    const want = "'id' or 'mount_accessor' and 'name' must be provided"
    assert.equal(await fails('POST', 'identity/entity-alias', { mount_accessor: userpass }), want)
    assert.equal(await fails('POST', 'identity/entity-alias', { name: 'only-a-name' }), want)
    assert.equal(
      await fails('POST', 'identity/entity-alias', {
        name: 'no-such-entity',
        mount_accessor: userpass,
        canonical_id: 'no-such-entity-id',
      }),
      'invalid canonical ID',
    )
  })

  it('TestIdentityStore_AliasUpdate_ByID (invalid alias id)', async () => {
    assert.equal(
      await fails('POST', 'identity/entity-alias/id/invalidaliasid', { name: 'x' }),
      'invalid alias ID provided',
    )
    const made = await ok('POST', 'identity/entity-alias', { name: 'upd-canon', mount_accessor: userpass })
    assert.equal(
      await fails('POST', `identity/entity-alias/id/${made.id}`, { canonical_id: 'no-such-entity-id' }),
      "given 'canonical_id' is not associated with an entity",
    )
    const other = await ok('POST', 'identity/entity-alias', { name: 'upd-canon-2', mount_accessor: userpass })
    assert.equal(
      await fails('POST', `identity/entity-alias/id/${made.id}`, { name: 'upd-canon-2' }),
      'alias with combination of mount accessor and name already exists',
    )
    assert.equal((await ok('GET', `identity/entity-alias/id/${other.id}`)).name, 'upd-canon-2')
  })

  it('TestIdentityStore_AliasCreate_DuplicateAccessor / TestIdentityStore_AliasUpdate_DuplicateAccessor / TestIdentityStore_AliasMove_DuplicateAccessor (messages)', async () => {
    const e1 = await ok('POST', 'identity/entity', { name: 'msg-dup-1' })
    await ok('POST', 'identity/entity-alias', {
      name: 'msg-dup-a1',
      mount_accessor: userpass,
      canonical_id: e1.id,
    })
    assert.equal(
      await fails('POST', 'identity/entity-alias', {
        name: 'msg-dup-a2',
        mount_accessor: userpass,
        canonical_id: e1.id,
      }),
      'Alias already exists for requested entity and mount accessor',
    )
    const onToken = await ok('POST', 'identity/entity-alias', {
      name: 'msg-dup-a3',
      mount_accessor: tokenAccessor,
      canonical_id: e1.id,
    })
    assert.equal(
      await fails('POST', `identity/entity-alias/id/${onToken.id}`, { mount_accessor: userpass }),
      "Alias cannot be updated as the entity already has an alias for the given 'mount_accessor' ",
    )
    const e2 = await ok('POST', 'identity/entity', { name: 'msg-dup-2' })
    const a4 = await ok('POST', 'identity/entity-alias', {
      name: 'msg-dup-a4',
      mount_accessor: userpass,
      canonical_id: e2.id,
    })
    assert.equal(
      await fails('POST', `identity/entity-alias/id/${a4.id}`, { canonical_id: e1.id }),
      'Alias cannot be updated as the given entity already has an alias for this mount ',
    )
  })

  it('TestIdentityStore_MergeEntitiesByID (request errors)', async () => {
    const to = await ok('POST', 'identity/entity', { name: 'merge-msg-to' })
    assert.equal(
      await fails('POST', 'identity/entity/merge', { from_entity_ids: [to.id] }),
      'missing entity id to merge to',
    )
    assert.equal(
      await fails('POST', 'identity/entity/merge', { to_entity_id: to.id }),
      'missing entity ids to merge from',
    )
    assert.equal(
      await fails('POST', 'identity/entity/merge', {
        to_entity_id: to.id,
        from_entity_ids: ['no-such-entity'],
      }),
      'entity id to merge from is invalid',
    )
    assert.equal(
      await fails('POST', 'identity/entity/merge', {
        to_entity_id: 'no-such-entity',
        from_entity_ids: [to.id],
      }),
      'entity id to merge to is invalid',
    )
  })

  it('TestIdentityStore_EntityCRUD (unknown id)', async () => {
    assert.equal(
      await fails('POST', 'identity/entity/id/no-such-entity', { policies: 'p' }),
      'entity not found from id',
    )
  })

  it('TestIdentityStore_GroupsCRUD_ByID (unknown id)', async () => {
    assert.equal(
      await fails('POST', 'identity/group/id/no-such-group', { policies: 'p' }),
      'invalid group ID',
    )
  })

  it('TestIdentityStore_GroupAliases_CRUD / TestIdentityStore_GroupAliases_AliasOnInternalGroup (messages)', async () => {
    assert.equal(
      await fails('POST', 'identity/group-alias/id/no-such-alias', { name: 'x' }),
      'invalid group alias ID',
    )
    const internal = await ok('POST', 'identity/group', { name: 'ga-msg-internal' })
    assert.equal(
      await fails('POST', 'identity/group-alias', {
        name: 'ga-msg',
        mount_accessor: userpass,
        canonical_id: internal.id,
      }),
      "alias can't be set on an internal group",
    )
    assert.equal(
      await fails('POST', 'identity/group-alias', {
        name: 'ga-msg',
        mount_accessor: userpass,
        canonical_id: 'no-such-group',
      }),
      "invalid group ID given in 'canonical_id'",
    )
    const g1 = await ok('POST', 'identity/group', { name: 'ga-msg-ext-1', type: 'external' })
    const g2 = await ok('POST', 'identity/group', { name: 'ga-msg-ext-2', type: 'external' })
    await ok('POST', 'identity/group-alias', {
      name: 'ga-msg-taken',
      mount_accessor: userpass,
      canonical_id: g1.id,
    })
    assert.equal(
      await fails('POST', 'identity/group-alias', {
        name: 'ga-msg-taken',
        mount_accessor: userpass,
        canonical_id: g2.id,
      }),
      'combination of mount and group alias name is already in use',
    )
  })

  it('TestIdentityStore_MergeEntitiesByID_UnsafeShared', async () => {
    assert.equal(
      (await t.call('POST', 'sys/auth/userpass-merge', { body: { type: 'userpass' } })).status,
      204,
    )
    const other = (await t.call('GET', 'sys/auth')).body.data['userpass-merge/'].accessor
    const meta = ['organization=hashicorp', 'team=vault']
    const e1 = await ok('POST', 'identity/entity', {
      name: 'shared-merge-2',
      metadata: ['someusefulkey=someusefulvalue'],
    })
    await ok('POST', 'identity/alias', {
      name: 'shared-alias-1',
      mount_accessor: userpass,
      metadata: meta,
      entity_id: e1.id,
    })
    assert.equal((await ok('GET', `identity/entity/id/${e1.id}`)).aliases.length, 1)
    const g1 = await ok('POST', 'identity/group', { member_entity_ids: e1.id })
    const e2 = await ok('POST', 'identity/entity', {
      name: 'shared-merge',
      metadata: ['someusefulkey=someusefulvalue'],
    })
    await ok('POST', 'identity/alias', {
      name: 'shared-alias-2',
      mount_accessor: other,
      metadata: meta,
      entity_id: e2.id,
    })
    const g2 = await ok('POST', 'identity/group', { member_entity_ids: e2.id })
    await ok('POST', 'identity/entity/merge', { to_entity_id: e1.id, from_entity_ids: [e2.id] })
    assert.equal((await t.call('GET', `identity/entity/id/${e2.id}`)).status, 404)
    const merged = await ok('GET', `identity/entity/id/${e1.id}`)
    assert.equal(merged.aliases.length, 2)
    for (const alias of merged.aliases)
      assert.equal((await ok('GET', `identity/entity-alias/id/${alias.id}`)).canonical_id, e1.id)
    assert.deepEqual([...merged.direct_group_ids].sort(), [g1.id, g2.id].sort())
    for (const g of [g1, g2])
      assert.deepEqual((await ok('GET', `identity/group/id/${g.id}`)).member_entity_ids, [e1.id])
  })
})

describe('identity store validation messages, groups and entities (identity/*.go texts)', () => {
  it('TestIdentityStore_GroupCycleDetection (messages)', async () => {
    const a = await ok('POST', 'identity/group', { name: 'cycle-msg-a' })
    const b = await ok('POST', 'identity/group', { name: 'cycle-msg-b', member_group_ids: [a.id] })
    const c = await ok('POST', 'identity/group', { name: 'cycle-msg-c', member_group_ids: [b.id] })
    assert.equal(
      await fails('POST', `identity/group/id/${a.id}`, { member_group_ids: [c.id] }),
      `cyclic relationship detected for member group ID "${c.id}"`,
    )
    assert.equal(
      await fails('POST', `identity/group/id/${a.id}`, { member_group_ids: [a.id] }),
      `member group ID "${a.id}" is same as the ID of the group`,
    )
  })

  it('TestIdentityStore_GroupsCreateUpdate (unknown members)', async () => {
    assert.equal(
      await fails('POST', 'identity/group', {
        name: 'unknown-members',
        member_entity_ids: ['no-such-entity'],
      }),
      'invalid entity ID "no-such-entity"',
    )
    assert.equal(
      await fails('POST', 'identity/group', { name: 'unknown-members', member_group_ids: ['no-such-group'] }),
      'invalid member group ID "no-such-group"',
    )
    assert.equal((await t.call('GET', 'identity/group/name/unknown-members')).status, 404)
  })

  it('TestIdentityStore_Groups_TypeImmutability / TestIdentityStore_Groups_TypeMembershipAdditions (messages)', async () => {
    assert.equal(
      await fails('POST', 'identity/group', { name: 'typed', type: 'weird' }),
      'invalid group type "weird"',
    )
    const internal = await ok('POST', 'identity/group', { name: 'typed-internal' })
    assert.equal(
      await fails('POST', `identity/group/id/${internal.id}`, { type: 'external' }),
      'group type cannot be changed',
    )
    assert.equal(
      await fails('POST', 'identity/group', { type: 'external', member_entity_ids: 'sampleentityid' }),
      "member entities can't be set manually for external groups",
    )
    assert.equal(
      await fails('POST', 'identity/group', { type: 'external', member_group_ids: 'samplegroupid' }),
      "member groups can't be set for external groups",
    )
  })

  it('TestIdentityStore_BatchDelete (no ids)', async () => {
    assert.equal(
      await fails('POST', 'identity/entity/batch-delete', { entity_ids: [] }),
      'missing entity ids to delete',
    )
    assert.equal(await fails('POST', 'identity/entity/batch-delete', {}), 'missing entity ids to delete')
  })

  it('TestIdentityStore_EntityUpdateRefusesRoot / TestIdentityStore_GroupsCreateUpdate (root policy, names in use)', async () => {
    assert.equal(
      await fails('POST', 'identity/entity', { name: 'root-msg', policies: 'root' }),
      'policies cannot contain root',
    )
    assert.equal(
      await fails('POST', 'identity/group', { name: 'root-msg', policies: 'root' }),
      'policies cannot contain root',
    )
    await ok('POST', 'identity/entity', { name: 'taken-entity' })
    const e = await ok('POST', 'identity/entity', { name: 'renamed-entity' })
    assert.equal(
      await fails('POST', `identity/entity/id/${e.id}`, { name: 'taken-entity' }),
      'entity name is already in use',
    )
    await ok('POST', 'identity/group', { name: 'taken-group' })
    const g = await ok('POST', 'identity/group', { name: 'renamed-group' })
    assert.equal(
      await fails('POST', `identity/group/id/${g.id}`, { name: 'taken-group' }),
      'group name is already in use',
    )
  })
})

describe('identity store CRUD details (identity_store_entities_test.go, identity_store_groups_test.go)', () => {
  const rootSpellings = ['rooT', 'Root', 'rOoT', 'root', 'root ', ' root']

  it('TestIdentityStore_EntityCRUD (duplicate policies, root in any case)', async () => {
    const made = await ok('POST', 'identity/entity', {
      name: 'crud-root',
      metadata: ['someusefulkey=someusefulvalue'],
      policies: ['testpolicy1', 'testpolicy1', 'testpolicy2', 'testpolicy2'],
    })
    assert.deepEqual((await ok('GET', `identity/entity/id/${made.id}`)).policies, [
      'testpolicy1',
      'testpolicy2',
    ])
    for (const name of rootSpellings) {
      await fails('POST', `identity/entity/id/${made.id}`, { policies: [name] })
      const read = await ok('GET', `identity/entity/id/${made.id}`)
      assert.ok(!read.policies.includes('root'), name)
      assert.deepEqual(read.policies, ['testpolicy1', 'testpolicy2'])
    }
  })

  it('TestIdentityStore_GroupsCRUD_ByID', async () => {
    const e1 = await ok('POST', 'identity/entity', { name: 'crud-by-id-1' })
    const e2 = await ok('POST', 'identity/entity', { name: 'crud-by-id-2' })
    const groupData = {
      policies: 'testpolicy1,testpolicy2',
      metadata: ['testkey1=testvalue1', 'testkey2=testvalue2'],
      member_entity_ids: [e1.id, e2.id],
    }
    const m1 = await ok('POST', 'identity/group', groupData)
    const m2 = await ok('POST', 'identity/group', groupData)
    const g = await ok('POST', 'identity/group', { ...groupData, member_group_ids: [m1.id, m2.id] })
    const read = await ok('GET', `identity/group/id/${g.id}`)
    assert.deepEqual(Object.keys(read).sort(), [
      'alias',
      'creation_time',
      'id',
      'last_update_time',
      'member_entity_ids',
      'member_group_ids',
      'metadata',
      'modify_index',
      'name',
      'namespace_id',
      'parent_group_ids',
      'policies',
      'type',
    ])
    assert.deepEqual(read.policies, ['testpolicy1', 'testpolicy2'])
    assert.deepEqual(read.metadata, { testkey1: 'testvalue1', testkey2: 'testvalue2' })
    assert.equal(read.parent_group_ids, null)
    assert.equal(read.namespace_id, 'root')
    assert.deepEqual([...read.member_group_ids].sort(), [m1.id, m2.id].sort())
    assert.deepEqual([...read.member_entity_ids].sort(), [e1.id, e2.id].sort())
    await ok('POST', `identity/group/id/${g.id}`, {
      ...groupData,
      member_group_ids: [m1.id, m2.id],
      policies: 'updatedpolicy1,updatedpolicy2',
      metadata: ['updatedkey=updatedvalue'],
    })
    const updated = await ok('GET', `identity/group/id/${g.id}`)
    assert.deepEqual(updated.policies, ['updatedpolicy1', 'updatedpolicy2'])
    assert.deepEqual(updated.metadata, { updatedkey: 'updatedvalue' })
    for (const name of rootSpellings) {
      await fails('POST', `identity/group/id/${g.id}`, { policies: [name] })
      assert.deepEqual((await ok('GET', `identity/group/id/${g.id}`)).policies, [
        'updatedpolicy1',
        'updatedpolicy2',
      ])
    }
    await ok('DELETE', `identity/group/id/${g.id}`)
    assert.equal((await t.call('GET', `identity/group/id/${g.id}`)).status, 404)
  })
})

describe('identity_store_aliases_test.go (table cases)', () => {
  it('TestIdentityStore_AliasUpdate (every case of its table)', async () => {
    type Data = { name?: string; mount_accessor?: string; custom_metadata?: Record<string, string> }
    const m = userpass
    const cases: [string, Data, Data][] = [
      [
        'noop',
        { name: 'tbl-noop', mount_accessor: m, custom_metadata: { foo: 'baz', bar: 'qux' } },
        { name: 'tbl-noop', mount_accessor: m, custom_metadata: { foo: 'baz', bar: 'qux' } },
      ],
      [
        'no-custom-metadata',
        { name: 'tbl-none', mount_accessor: m },
        { name: 'tbl-none', mount_accessor: m },
      ],
      [
        'update-name-custom-metadata',
        { name: 'tbl-unc', mount_accessor: m, custom_metadata: {} },
        { name: 'tbl-unc-2', mount_accessor: m, custom_metadata: { bar: 'qux' } },
      ],
      [
        'update-name',
        { name: 'tbl-un', mount_accessor: m, custom_metadata: { foo: 'baz' } },
        { name: 'tbl-un-2', mount_accessor: m, custom_metadata: { foo: 'baz' } },
      ],
      [
        'update-metadata',
        { name: 'tbl-um', mount_accessor: m, custom_metadata: { foo: 'bar' } },
        { name: 'tbl-um', mount_accessor: m, custom_metadata: { foo: 'baz', bar: 'qux' } },
      ],
      [
        'clear-metadata',
        { name: 'tbl-clear', mount_accessor: m, custom_metadata: { foo: 'bar' } },
        { name: 'tbl-clear', mount_accessor: m, custom_metadata: {} },
      ],
      [
        'only-metadata',
        { name: 'tbl-only', mount_accessor: m, custom_metadata: { foo: 'bar' } },
        { custom_metadata: { bar: 'baz' } },
      ],
      [
        'only-metadata-clear',
        { name: 'tbl-only-clear', mount_accessor: m, custom_metadata: { foo: 'bar' } },
        { custom_metadata: {} },
      ],
      [
        'only-metadata-none-before',
        { name: 'tbl-nm', mount_accessor: m },
        { custom_metadata: { foo: 'bar' } },
      ],
    ]
    // The read shows each field sent, and no custom_metadata as an empty one. Vault's handler answers `{}` for an
    // alias it has just made without any, but `null` once the alias has been read back from storage (an empty
    // protobuf map decodes as nil), as after any restart; Coffer always answers the stored form, so null counts
    // as empty here.
    const check = (label: string, sent: Data, read: Record<string, unknown>) => {
      const expected = { custom_metadata: {}, ...sent }
      const actual = Object.fromEntries(
        Object.keys(expected).map((k) => [k, k === 'custom_metadata' ? (read[k] ?? {}) : read[k]]),
      )
      assert.deepEqual(actual, expected, label)
    }
    for (const [label, createData, updateData] of cases) {
      const made = await ok('POST', 'identity/entity-alias', createData)
      check(`${label}: create`, createData, await ok('GET', `identity/entity-alias/id/${made.id}`))
      await ok('POST', `identity/entity-alias/id/${made.id}`, updateData)
      check(`${label}: update`, updateData, await ok('GET', `identity/entity-alias/id/${made.id}`))
    }
  })
})

describe('identity_store_groups_test.go (full cases)', () => {
  it('TestIdentityStore_GroupsCreateUpdate (policy spellings, members on both sides)', async () => {
    const e1 = await ok('POST', 'identity/entity', {})
    const e2 = await ok('POST', 'identity/entity', {})
    const data = {
      policies: 'testpolicy1,testPolicy1 , testpolicy2',
      metadata: ['testkey1=testvalue1', 'testkey2=testvalue2'],
      member_entity_ids: [e1.id, e2.id],
    }
    const m1 = await ok('POST', 'identity/group', data)
    const m2 = await ok('POST', 'identity/group', data)
    const g = await ok('POST', 'identity/group', { ...data, member_group_ids: [m1.id, m2.id] })
    const read = await ok('GET', `identity/group/id/${g.id}`)
    assert.deepEqual(read.policies, ['testpolicy1', 'testpolicy2'])
    assert.equal(read.parent_group_ids, null)
    assert.deepEqual((await ok('GET', `identity/group/id/${m1.id}`)).parent_group_ids, [g.id])
    // An update by id in the body, on the group/id path as the Go test sends it.
    await ok('POST', `identity/group/id/${g.id}`, {
      ...data,
      id: g.id,
      member_group_ids: [m1.id, m2.id],
      policies: 'updatedpolicy1,updatedpolicy2',
      metadata: ['updatedkey=updatedvalue'],
    })
    const updated = await ok('GET', `identity/group/id/${g.id}`)
    assert.deepEqual(updated.policies, ['updatedpolicy1', 'updatedpolicy2'])
    assert.deepEqual(updated.metadata, { updatedkey: 'updatedvalue' })
    assert.deepEqual([...updated.member_group_ids].sort(), [m1.id, m2.id].sort())
  })

  it('TestIdentityStore_GroupHierarchyCases (the whole tree)', async () => {
    const group = async (name: string, extra: Record<string, unknown> = {}) =>
      (await ok('POST', 'identity/group', { name: `tree-${name}`, policies: `${name}policy`, ...extra }))
        .id as string
    const kube = await group('kube')
    const identity = await group('identity')
    const build = await group('build')
    const deploy = await group('deploy')
    const vault = await group('vault', { member_group_ids: [kube, identity] })
    const ops = await group('ops', { member_group_ids: [build, deploy] })
    const engMembers = [vault, ops]
    const eng = await group('eng', { member_group_ids: engMembers })
    const members = async (id: string) =>
      [...(await ok('GET', `identity/group/id/${id}`)).member_group_ids].sort()
    assert.deepEqual(await members(eng), [...engMembers].sort())
    assert.deepEqual(await members(vault), [kube, identity].sort())
    assert.deepEqual(await members(ops), [build, deploy].sort())
    // eng is above kube: making it kube's member would close a loop.
    await fails('POST', `identity/group/id/${kube}`, { member_group_ids: [eng] })

    const u1 = await login('tree-kube-user', 'default')
    await ok('POST', `identity/group/id/${kube}`, { member_entity_ids: [u1.entity_id] })
    const u2 = await login('tree-ops-user', 'default')
    await ok('POST', `identity/group/id/${ops}`, {
      member_entity_ids: [u2.entity_id],
      member_group_ids: [build, deploy],
    })
    const u3 = await login('tree-eng-user', 'default')
    await ok('POST', `identity/group/id/${eng}`, {
      member_entity_ids: [u3.entity_id],
      member_group_ids: engMembers,
    })

    assert.deepEqual(await identityPolicies(u1.client_token), ['engpolicy', 'kubepolicy', 'vaultpolicy'])
    assert.deepEqual(await identityPolicies(u2.client_token), ['engpolicy', 'opspolicy'])
    assert.deepEqual(await identityPolicies(u3.client_token), ['engpolicy'])
    const groupsOf = async (entityId: string) => {
      const e = await ok('POST', 'identity/lookup/entity', { id: entityId })
      return [e.direct_group_ids.length, e.inherited_group_ids.length]
    }
    assert.deepEqual(await groupsOf(u1.entity_id), [1, 2])
    assert.deepEqual(await groupsOf(u2.entity_id), [1, 1])
    assert.deepEqual(await groupsOf(u3.entity_id), [1, 0])
  })
})

describe('identity store write responses (as the Go tests read resp.Data after writes)', () => {
  it('TestIdentityStore_GroupAliases_CRUD / TestIdentityStore_GroupsCRUD_ByID (update responses)', async () => {
    const g = await ok('POST', 'identity/group', { type: 'external', name: 'resp-ext' })
    const made = await ok('POST', 'identity/group-alias', {
      name: 'testgroupalias',
      mount_accessor: userpass,
      canonical_id: g.id,
      mount_type: 'ldap',
    })
    assert.equal((await ok('GET', `identity/group-alias/id/${made.id}`)).id, made.id)
    // A group alias update answers with its id and group, as a create does.
    const updated = await ok('POST', `identity/group-alias/id/${made.id}`, {
      name: 'testupdatedgroupaliasname',
      mount_accessor: userpass,
      canonical_id: g.id,
      mount_type: 'ldap',
    })
    assert.deepEqual(updated, { id: made.id, canonical_id: g.id })
    await ok('DELETE', `identity/group-alias/id/${made.id}`)
    assert.equal((await t.call('GET', `identity/group-alias/id/${made.id}`)).status, 404)
    // A group update answers with the group's id and name (handleGroupUpdateCommon), by id and by name.
    assert.deepEqual(await ok('POST', `identity/group/id/${g.id}`, { policies: 'p' }), {
      id: g.id,
      name: 'resp-ext',
    })
    assert.deepEqual(await ok('POST', 'identity/group/name/resp-ext', { policies: 'q' }), {
      id: g.id,
      name: 'resp-ext',
    })
  })

  it('TestIdentityStore_AliasUpdate_ByID (update responses)', async () => {
    const made = await ok('POST', 'identity/entity-alias', { name: 'resp-alias', mount_accessor: userpass })
    const updated = await ok('POST', `identity/entity-alias/id/${made.id}`, { name: 'resp-alias-2' })
    assert.deepEqual(updated, { id: made.id, canonical_id: made.canonical_id })
    // Nothing changed: an empty 204, as Vault's idempotent no-op.
    const same = await t.call('POST', `identity/entity-alias/id/${made.id}`, {
      body: { name: 'resp-alias-2' },
    })
    assert.equal(same.status, 204)
  })

  it('TestIdentityStore_EntityCreateUpdate (responses)', async () => {
    const made = await t.call('POST', 'identity/entity', { body: { name: 'resp-entity' } })
    assert.equal(made.status, 200)
    assert.deepEqual(Object.keys(made.body.data).sort(), ['aliases', 'id', 'name'])
    const again = await t.call('POST', `identity/entity/id/${made.body.data.id}`, { body: { policies: 'p' } })
    assert.equal(again.status, 204)
  })
})

describe('identity store alias writes by mount and name (store_aliases.go handleAliasCreateUpdateCommon)', () => {
  it('TestIdentityStore_DuplicateAliases (a write found by mount and name sets what it sends)', async () => {
    const made = await ok('POST', 'identity/entity-alias', {
      name: 'factors-cm',
      mount_accessor: userpass,
      custom_metadata: { team: 'a' },
    })
    // The same (mount, name) and the same custom_metadata: nothing to change, an empty 204.
    const same = await t.call('POST', 'identity/entity-alias', {
      body: { name: 'factors-cm', mount_accessor: userpass, custom_metadata: { team: 'a' } },
    })
    assert.equal(same.status, 204)
    // Without custom_metadata it is an update to none (only an update by id keeps what was there).
    const cleared = await ok('POST', 'identity/entity-alias', {
      name: 'factors-cm',
      mount_accessor: userpass,
    })
    assert.deepEqual(cleared, { id: made.id, canonical_id: made.canonical_id })
    assert.deepEqual((await ok('GET', `identity/entity-alias/id/${made.id}`)).custom_metadata ?? {}, {})
  })
})

describe('identity store indexes as the API sees them', () => {
  it('TestIdentityStore_MemDBEntityIndexes / TestIdentityStore_MemDBAliasIndexes (a delete takes every index)', async () => {
    const e = await ok('POST', 'identity/entity', { name: 'indexed-entity' })
    const a1 = await ok('POST', 'identity/entity-alias', {
      name: 'indexed-1',
      mount_accessor: userpass,
      canonical_id: e.id,
    })
    const a2 = await ok('POST', 'identity/entity-alias', {
      name: 'indexed-2',
      mount_accessor: tokenAccessor,
      canonical_id: e.id,
    })
    const g = await ok('POST', 'identity/group', { name: 'indexed-group', member_entity_ids: [e.id] })
    assert.equal((await ok('GET', 'identity/entity/name/indexed-entity')).id, e.id)
    assert.equal(
      (
        await ok('POST', 'identity/lookup/entity', {
          alias_name: 'indexed-1',
          alias_mount_accessor: userpass,
        })
      ).id,
      e.id,
    )
    // Deleting one alias leaves the entity and its other alias.
    await ok('DELETE', `identity/entity-alias/id/${a1.id}`)
    assert.equal((await t.call('GET', `identity/entity-alias/id/${a1.id}`)).status, 404)
    const lookup = { alias_name: 'indexed-1', alias_mount_accessor: userpass }
    assert.equal((await t.call('POST', 'identity/lookup/entity', { body: lookup })).status, 204)
    assert.deepEqual(
      (await ok('GET', `identity/entity/id/${e.id}`)).aliases.map((a: { id: string }) => a.id),
      [a2.id],
    )
    // Deleting the entity (by name) takes its aliases, its name and its group membership with it.
    await ok('DELETE', 'identity/entity/name/indexed-entity')
    assert.equal((await t.call('GET', `identity/entity/id/${e.id}`)).status, 404)
    assert.equal((await t.call('GET', 'identity/entity/name/indexed-entity')).status, 404)
    assert.equal((await t.call('GET', `identity/entity-alias/id/${a2.id}`)).status, 404)
    assert.ok(!((await ok('LIST', 'identity/entity-alias/id'))?.keys ?? []).includes(a2.id))
    assert.ok(!((await ok('LIST', 'identity/entity/name'))?.keys ?? []).includes('indexed-entity'))
    assert.equal((await ok('GET', `identity/group/id/${g.id}`)).member_entity_ids, null)
    // The name and the (mount, name) pairs are free again.
    const again = await ok('POST', 'identity/entity', { name: 'indexed-entity' })
    assert.notEqual(again.id, e.id)
    await ok('POST', 'identity/entity-alias', {
      name: 'indexed-2',
      mount_accessor: tokenAccessor,
      canonical_id: again.id,
    })
  })

  it('TestIdentityStore_GroupByName (list by name)', async () => {
    for (const name of ['testgroupname', 'testgroupname2'])
      assert.ok((await ok('POST', `identity/group/name/${name}`, {})).id)
    const keys = (await ok('LIST', 'identity/group/name')).keys as string[]
    assert.deepEqual(
      keys.filter((k) => k.startsWith('testgroupname')),
      ['testgroupname', 'testgroupname2'],
    )
  })
})

describe('identity store list key_info (handlePathEntityListCommon, handleAliasListCommon)', () => {
  it('TestIdentityStore_ListEntities (key_info fields, by id and by name)', async () => {
    const bare = await ok('POST', 'identity/entity', { name: 'ki-bare' })
    const withAlias = await ok('POST', 'identity/entity', { name: 'ki-alias' })
    const alias = await ok('POST', 'identity/entity-alias', {
      name: 'ki-a',
      mount_accessor: userpass,
      canonical_id: withAlias.id,
      custom_metadata: { k: 'v' },
    })
    const info = (await ok('LIST', 'identity/entity/id')).key_info
    // An entity without aliases lists its name only; aliases list id, name and mount.
    assert.deepEqual(info[bare.id], { name: 'ki-bare' })
    assert.deepEqual(info[withAlias.id], {
      name: 'ki-alias',
      aliases: [
        {
          id: alias.id,
          name: 'ki-a',
          mount_accessor: userpass,
          mount_type: 'userpass',
          mount_path: 'auth/userpass/',
        },
      ],
    })
    // Vault keys its info by entity id, so a list by name (whose keys are names) carries none.
    assert.equal((await ok('LIST', 'identity/entity/name')).key_info, undefined)
  })

  it('TestIdentityStore_AliasReadDelete / TestIdentityStore_GroupAliases_CRUD (alias list key_info fields)', async () => {
    const e = await ok('POST', 'identity/entity', { name: 'ki-alias-owner' })
    const alias = await ok('POST', 'identity/entity-alias', {
      name: 'ki-listed',
      mount_accessor: userpass,
      canonical_id: e.id,
      custom_metadata: { k: 'v' },
    })
    const entry = (await ok('LIST', 'identity/entity-alias/id')).key_info[alias.id]
    assert.deepEqual(Object.keys(entry).sort(), [
      'canonical_id',
      'custom_metadata',
      'local',
      'metadata',
      'mount_accessor',
      'mount_path',
      'mount_type',
      'name',
    ])
    assert.deepEqual(
      [entry.name, entry.canonical_id, entry.custom_metadata, entry.local, entry.mount_type],
      ['ki-listed', e.id, { k: 'v' }, false, 'userpass'],
    )
    const g = await ok('POST', 'identity/group', { name: 'ki-ext', type: 'external' })
    const ga = await ok('POST', 'identity/group-alias', {
      name: 'ki-ga',
      mount_accessor: userpass,
      canonical_id: g.id,
    })
    const gentry = (await ok('LIST', 'identity/group-alias/id')).key_info[ga.id]
    assert.deepEqual(Object.keys(gentry).sort(), Object.keys(entry).sort())
    assert.deepEqual([gentry.name, gentry.canonical_id, gentry.local], ['ki-ga', g.id, false])
  })
})

describe('identity group list key_info (handleGroupListCommon)', () => {
  it('TestIdentityStore_GroupByName / TestIdentityStore_GroupAliases_CRUD (group list key_info)', async () => {
    const e = await ok('POST', 'identity/entity', { name: 'gl-member' })
    const inner = await ok('POST', 'identity/group', { name: 'gl-inner', member_entity_ids: [e.id] })
    await ok('POST', 'identity/group', { name: 'gl-outer', member_group_ids: [inner.id] })
    const ext = await ok('POST', 'identity/group', { name: 'gl-ext', type: 'external' })
    const ga = await ok('POST', 'identity/group-alias', {
      name: 'gl-ga',
      mount_accessor: userpass,
      canonical_id: ext.id,
    })
    const info = (await ok('LIST', 'identity/group/id')).key_info
    assert.deepEqual(info[inner.id], { name: 'gl-inner', num_member_entities: 1, num_parent_groups: 1 })
    assert.deepEqual(info[ext.id], {
      name: 'gl-ext',
      num_member_entities: 0,
      num_parent_groups: 0,
      alias: {
        id: ga.id,
        name: 'gl-ga',
        mount_accessor: userpass,
        mount_type: 'userpass',
        mount_path: 'auth/userpass/',
      },
    })
    // Keyed by id, so the list by name carries none.
    assert.equal((await ok('LIST', 'identity/group/name')).key_info, undefined)
  })
})

describe('identity read fields (handleEntityReadCommon, handleAliasReadCommon, handleGroupReadCommon)', () => {
  const sorted = (o: object) => Object.keys(o).sort()
  const aliasFields = [
    'canonical_id',
    'creation_time',
    'id',
    'last_update_time',
    'merged_from_canonical_ids',
    'metadata',
    'mount_accessor',
    'mount_path',
    'mount_type',
    'name',
  ]

  it('TestIdentityStore_EntityCRUD / TestIdentityStore_AliasReadDelete (fields of the reads)', async () => {
    const e = await ok('POST', 'identity/entity', { name: 'fields-entity' })
    const a = await ok('POST', 'identity/entity-alias', {
      name: 'fields-alias',
      mount_accessor: userpass,
      canonical_id: e.id,
    })
    const entity = await ok('GET', `identity/entity/id/${e.id}`)
    assert.deepEqual(sorted(entity), [
      'aliases',
      'creation_time',
      'direct_group_ids',
      'disabled',
      'group_ids',
      'id',
      'inherited_group_ids',
      'last_update_time',
      'merged_entity_ids',
      'metadata',
      'name',
      'namespace_id',
      'policies',
    ])
    // An entity's aliases: the alias fields, with local and custom_metadata, without namespace_id.
    assert.deepEqual(sorted(entity.aliases[0]), [...aliasFields, 'custom_metadata', 'local'].sort())
    assert.deepEqual(
      sorted(await ok('GET', `identity/entity-alias/id/${a.id}`)),
      [...aliasFields, 'custom_metadata', 'local', 'namespace_id'].sort(),
    )
  })

  it('TestIdentityStore_GroupAliases_CRUD (fields of the group read and its alias)', async () => {
    const g = await ok('POST', 'identity/group', { name: 'fields-ext', type: 'external' })
    const ga = await ok('POST', 'identity/group-alias', {
      name: 'fields-ga',
      mount_accessor: userpass,
      canonical_id: g.id,
    })
    // A group's alias lists the alias fields only.
    assert.deepEqual(sorted((await ok('GET', `identity/group/id/${g.id}`)).alias), aliasFields)
    assert.deepEqual(
      sorted(await ok('GET', `identity/group-alias/id/${ga.id}`)),
      [...aliasFields, 'custom_metadata', 'local', 'namespace_id'].sort(),
    )
  })
})

describe('identity merge checks in Vault order (mergeEntity)', () => {
  it('TestIdentityStore_MergeEntitiesByID (which refusal comes first)', async () => {
    const to = await ok('POST', 'identity/entity', { name: 'order-to' })
    // An unknown target is refused before its presence among the sources is looked at.
    assert.equal(
      await fails('POST', 'identity/entity/merge', {
        to_entity_id: 'order-missing',
        from_entity_ids: ['order-missing'],
      }),
      'entity id to merge to is invalid',
    )
    assert.equal(
      await fails('POST', 'identity/entity/merge', {
        to_entity_id: 'order-missing',
        from_entity_ids: [to.id, 'x'],
        conflicting_alias_ids_to_keep: ['a', 'b'],
      }),
      'entity id to merge to is invalid',
    )
    // Sources are checked one at a time, in order: an unknown one before the target named later.
    assert.equal(
      await fails('POST', 'identity/entity/merge', {
        to_entity_id: to.id,
        from_entity_ids: ['order-unknown', to.id],
      }),
      'entity id to merge from is invalid',
    )
    assert.equal(
      await fails('POST', 'identity/entity/merge', {
        to_entity_id: to.id,
        from_entity_ids: [to.id, 'order-unknown'],
      }),
      'to_entity_id should not be present in from_entity_ids',
    )
  })
})

describe('identity_store_groups_test.go (upgrade tests, as the API sees them)', () => {
  it('TestIdentityStore_FixOverwrittenMemberGroupIDs', async () => {
    const g1 = await ok('POST', 'identity/group', { name: 'fix-group1' })
    await ok('POST', 'identity/group', { name: 'fix-group2', policies: 'default', member_group_ids: [g1.id] })
    // An update by name sending only policies keeps the members.
    await ok('POST', 'identity/group/name/fix-group2', { policies: 'default,another-policy' })
    const read = await ok('GET', 'identity/group/name/fix-group2')
    assert.deepEqual(read.member_group_ids, [g1.id])
    assert.deepEqual(read.policies, ['another-policy', 'default'])
  })
})
