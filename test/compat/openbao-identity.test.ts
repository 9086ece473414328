// OpenBao's internal/vault identity store unit tests replayed over HTTP: each `it` checks what the named Go test observes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

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
