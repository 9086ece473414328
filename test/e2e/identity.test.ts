// Identity end to end: logins create and reuse entities, entity and group policies, templated paths, disabling, JWT groups.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('identity store', () => {
  let t: TestServer
  let userpassAccessor = ''
  const login = async (user: string) => {
    const res = await t.call('POST', `auth/userpass/login/${user}`, {
      token: '',
      body: { password: 'pw-123456' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth
  }

  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    userpassAccessor = (await t.call('GET', 'sys/auth')).body.data['userpass/'].accessor
    for (const user of ['alice', 'bob', 'carol', 'dave'])
      await t.call('POST', `auth/userpass/users/${user}`, { body: { password: 'pw-123456' } })
    await t.call('PUT', 'sys/policies/acl/team-read', {
      body: { policy: 'path "secret/data/team/*" { capabilities = ["read"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/tokens', {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/ops-read', {
      body: { policy: 'path "secret/data/ops/*" { capabilities = ["read"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/per-user', {
      body: {
        policy: `path "secret/data/users/{{identity.entity.aliases.${userpassAccessor}.name}}/*" {
  capabilities = ["read", "create", "update"]
}
path "secret/data/by-entity/{{identity.entity.name}}" { capabilities = ["read"] }
path "secret/data/groups/{{identity.groups.names.ops.id}}" { capabilities = ["read"] }`,
      },
    })
    for (const path of ['team/doc', 'ops/runbook', 'users/alice/key', 'users/bob/key'])
      await t.call('POST', `secret/data/${path}`, { body: { data: { v: path } } })
  })
  after(() => t.close())

  it('a userpass login creates the entity; a second login reuses it; lookup-self shows it', async () => {
    const first = await login('alice')
    assert.match(first.entity_id, /^[0-9a-f-]{36}$/)
    const second = await login('alice')
    assert.equal(second.entity_id, first.entity_id)
    const self = await t.call('GET', 'auth/token/lookup-self', { token: second.client_token })
    assert.equal(self.body.data.entity_id, first.entity_id)
    const entity = await t.call('GET', `identity/entity/id/${first.entity_id}`)
    assert.equal(entity.status, 200)
    assert.match(entity.body.data.name, /^entity_[0-9a-f]{8}$/)
    assert.equal(entity.body.data.aliases.length, 1)
    assert.equal(entity.body.data.aliases[0].name, 'alice')
    assert.equal(entity.body.data.aliases[0].mount_accessor, userpassAccessor)
    assert.equal(entity.body.data.aliases[0].mount_type, 'userpass')
    const lookup = await t.call('POST', 'identity/lookup/entity', {
      body: { alias_name: 'alice', alias_mount_accessor: userpassAccessor },
    })
    assert.equal(lookup.body.data.id, first.entity_id)
    const bob = await login('bob')
    assert.notEqual(bob.entity_id, first.entity_id)
  })

  it('entity policies grant access at once, to tokens issued before; login responses show identity_policies', async () => {
    const { client_token: token, entity_id: id } = await login('carol')
    assert.equal((await t.call('GET', 'secret/data/team/doc', { token })).status, 403)
    assert.equal(
      (await t.call('POST', `identity/entity/id/${id}`, { body: { policies: ['team-read', 'tokens'] } }))
        .status,
      204,
    )
    assert.equal((await t.call('GET', 'secret/data/team/doc', { token })).status, 200)
    const again = await login('carol')
    assert.deepEqual(again.identity_policies, ['team-read', 'tokens'])
    assert.deepEqual(again.token_policies, ['default'])
    assert.deepEqual(again.policies, ['default', 'team-read', 'tokens'])
    const self = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.deepEqual(self.body.data.identity_policies, ['team-read', 'tokens'])
    // A child token acts for the same entity.
    const child = await t.call('POST', 'auth/token/create', { token, body: { policies: ['default'] } })
    assert.equal(child.body.auth.entity_id, id)
    assert.equal(
      (await t.call('GET', 'secret/data/team/doc', { token: child.body.auth.client_token })).status,
      200,
    )
    await t.call('POST', `identity/entity/id/${id}`, { body: { policies: [] } })
    assert.equal((await t.call('GET', 'secret/data/team/doc', { token })).status, 403)
  })

  it('internal group policies reach members, also through a nested group', async () => {
    const { client_token: token, entity_id: id } = await login('dave')
    assert.equal((await t.call('GET', 'secret/data/ops/runbook', { token })).status, 403)
    const inner = await t.call('POST', 'identity/group', {
      body: { name: 'oncall', member_entity_ids: [id] },
    })
    assert.equal(inner.status, 200)
    const outer = await t.call('POST', 'identity/group', {
      body: { name: 'ops', policies: ['ops-read', 'per-user'], member_group_ids: [inner.body.data.id] },
    })
    assert.equal(outer.status, 200)
    assert.equal((await t.call('GET', 'secret/data/ops/runbook', { token })).status, 200)
    const entity = await t.call('GET', `identity/entity/id/${id}`)
    assert.deepEqual(entity.body.data.direct_group_ids, [inner.body.data.id])
    assert.deepEqual(entity.body.data.inherited_group_ids, [outer.body.data.id])
    // A templated path naming the group resolves only for its members.
    await t.call('POST', `secret/data/groups/${outer.body.data.id}`, { body: { data: { v: 1 } } })
    assert.equal((await t.call('GET', `secret/data/groups/${outer.body.data.id}`, { token })).status, 200)
    const alice = await login('alice')
    await t.call('POST', `identity/entity/id/${alice.entity_id}`, { body: { policies: ['per-user'] } })
    assert.equal(
      (await t.call('GET', `secret/data/groups/${outer.body.data.id}`, { token: alice.client_token })).status,
      403,
    )
    const cycle = await t.call('POST', `identity/group/id/${inner.body.data.id}`, {
      body: { member_group_ids: [outer.body.data.id] },
    })
    assert.equal(cycle.status, 400)
    assert.match(cycle.body.errors[0], /cyclic relationship detected for member group ID/)
    await t.call('POST', `identity/entity/id/${alice.entity_id}`, { body: { policies: [] } })
    await t.call('DELETE', `identity/group/id/${inner.body.data.id}`)
    assert.equal((await t.call('GET', 'secret/data/ops/runbook', { token })).status, 403)
  })

  it('a templated per-user folder lets alice read hers but not bob’s', async () => {
    await t.call('POST', 'auth/userpass/users/alice/policies', { body: { token_policies: 'per-user' } })
    await t.call('POST', 'auth/userpass/users/bob/policies', { body: { token_policies: 'per-user' } })
    const alice = (await login('alice')).client_token
    const bob = (await login('bob')).client_token
    assert.equal((await t.call('GET', 'secret/data/users/alice/key', { token: alice })).status, 200)
    assert.equal((await t.call('GET', 'secret/data/users/bob/key', { token: alice })).status, 403)
    assert.equal((await t.call('GET', 'secret/data/users/bob/key', { token: bob })).status, 200)
    assert.equal((await t.call('GET', 'secret/data/users/alice/key', { token: bob })).status, 403)
    const caps = await t.call('POST', 'sys/capabilities-self', {
      token: alice,
      body: { paths: ['secret/data/users/alice/x', 'secret/data/users/bob/x'] },
    })
    assert.deepEqual(caps.body.data['secret/data/users/alice/x'], ['create', 'read', 'update'])
    assert.deepEqual(caps.body.data['secret/data/users/bob/x'], ['deny'])
    // Renaming the entity moves what {{identity.entity.name}} names, for the existing token too.
    const aliceId = (await login('alice')).entity_id
    await t.call('POST', 'secret/data/by-entity/alice-renamed', { body: { data: { v: 1 } } })
    assert.equal((await t.call('GET', 'secret/data/by-entity/alice-renamed', { token: alice })).status, 403)
    await t.call('POST', `identity/entity/id/${aliceId}`, { body: { name: 'alice-renamed' } })
    assert.equal((await t.call('GET', 'secret/data/by-entity/alice-renamed', { token: alice })).status, 200)
    // A token with no entity matches no templated path.
    const plain = await t.call('POST', 'auth/token/create-orphan', { body: { policies: ['per-user'] } })
    const token = plain.body.auth.client_token
    assert.equal((await t.call('GET', 'secret/data/users/alice/key', { token })).status, 403)
  })

  it('disabling the entity refuses its tokens and its logins; enabling restores them', async () => {
    const { client_token: token, entity_id: id } = await login('bob')
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
    await t.call('POST', `identity/entity/id/${id}`, { body: { disabled: true } })
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
    const refused = await t.call('POST', 'auth/userpass/login/bob', {
      token: '',
      body: { password: 'pw-123456' },
    })
    assert.equal(refused.status, 403)
    await t.call('POST', `identity/entity/id/${id}`, { body: { disabled: false } })
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
  })

  it('a JWT groups claim puts the entity in the external group its group alias names', async () => {
    assert.equal((await t.call('POST', 'sys/auth/jwt', { body: { type: 'jwt' } })).status, 204)
    const jwtAccessor = (await t.call('GET', 'sys/auth')).body.data['jwt/'].accessor
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    await t.call('POST', 'auth/jwt/config', {
      body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: 'https://idp.example' },
    })
    await t.call('POST', 'auth/jwt/role/dev', {
      body: {
        role_type: 'jwt',
        user_claim: 'sub',
        groups_claim: 'groups',
        bound_audiences: ['coffer'],
      },
    })
    const group = await t.call('POST', 'identity/group', {
      body: { name: 'engineering', type: 'external', policies: ['team-read'] },
    })
    assert.equal(group.status, 200)
    const alias = await t.call('POST', 'identity/group-alias', {
      body: { name: 'eng', mount_accessor: jwtAccessor, canonical_id: group.body.data.id },
    })
    assert.equal(alias.status, 200)
    const jwtLogin = async (groups: string[]) => {
      const jwt = await new SignJWT({ sub: 'erin', aud: 'coffer', iss: 'https://idp.example', groups })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey)
      const res = await t.call('POST', 'auth/jwt/login', { token: '', body: { jwt, role: 'dev' } })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.auth
    }
    const member = await jwtLogin(['eng', 'other'])
    assert.deepEqual(member.identity_policies, ['team-read'])
    assert.equal((await t.call('GET', 'secret/data/team/doc', { token: member.client_token })).status, 200)
    const read = await t.call('GET', `identity/group/id/${group.body.data.id}`)
    assert.deepEqual(read.body.data.member_entity_ids, [member.entity_id])
    assert.equal(read.body.data.alias.name, 'eng')
    const byAlias = await t.call('POST', 'identity/lookup/group', {
      body: { alias_name: 'eng', alias_mount_accessor: jwtAccessor },
    })
    assert.equal(byAlias.body.data.id, group.body.data.id)
    // Leaving the group at the identity provider removes the membership at the next login.
    const left = await jwtLogin(['other'])
    assert.equal(left.entity_id, member.entity_id)
    assert.equal(left.identity_policies, undefined)
    assert.equal((await t.call('GET', 'secret/data/team/doc', { token: member.client_token })).status, 403)
  })

  it('refuses bad identity requests with clear 400s', async () => {
    const bad = async (path: string, body: unknown, pattern: RegExp) => {
      const res = await t.call('POST', path, { body })
      assert.equal(res.status, 400, `${path} ${JSON.stringify(res.body)}`)
      assert.match(res.body.errors[0], pattern)
    }
    const ext = await t.call('POST', 'identity/group', { body: { name: 'ext-x', type: 'external' } })
    const internal = await t.call('POST', 'identity/group', { body: { name: 'int-x' } })
    const alice = (await login('alice')).entity_id
    await bad('identity/entity', { id: 'no-such-entity' }, /entity not found/)
    await bad(
      'identity/entity-alias',
      { name: 'x', canonical_id: alice, mount_accessor: 'auth_nope_1' },
      /invalid mount accessor/,
    )
    await bad(
      'identity/entity-alias',
      { name: 'x', canonical_id: 'missing', mount_accessor: userpassAccessor },
      /invalid canonical ID/,
    )
    // Vault (handleAliasCreateUpdateCommon) treats bob's existing (mount, name) as an update moving it to alice,
    // refused because alice already has an alias on that mount.
    await bad(
      'identity/entity-alias',
      { name: 'bob', canonical_id: alice, mount_accessor: userpassAccessor },
      /already has an alias/,
    )
    await bad(
      'identity/entity-alias',
      { name: 'zed', canonical_id: alice, mount_accessor: userpassAccessor },
      /Alias already exists for requested entity and mount accessor/,
    )
    await bad('identity/group', { name: 'g', type: 'weird' }, /invalid group type/)
    await bad('identity/group', { name: 'ext-x', type: 'internal' }, /cannot be changed/)
    await bad(
      'identity/group',
      { name: 'ext-y', type: 'external', member_entity_ids: [alice] },
      /external groups/,
    )
    await bad('identity/group', { name: 'g2', member_entity_ids: ['missing'] }, /invalid entity ID "missing"/)
    await bad(
      'identity/group',
      { name: 'g3', member_group_ids: ['missing'] },
      /invalid member group ID "missing"/,
    )
    await bad(
      'identity/group-alias',
      { name: 'a', mount_accessor: userpassAccessor, canonical_id: internal.body.data.id },
      /alias can't be set on an internal group/,
    )
    await bad('identity/lookup/entity', {}, /query parameter not supplied/)
    await bad('identity/lookup/entity', { name: 'a', id: 'b' }, /query parameter conflict/)
    await bad(
      'identity/lookup/group',
      { alias_name: 'eng' },
      /both 'alias_name' and 'alias_mount_accessor' needs to be set/,
    )
    assert.equal((await t.call('POST', 'identity/lookup/entity', { body: { name: 'nobody' } })).status, 204)
    assert.equal((await t.call('GET', 'identity/entity/id/no-such')).status, 404)
    assert.equal(ext.status, 200)
  })

  it('identity endpoints need policy like any other path', async () => {
    const token = (await login('alice')).client_token
    assert.equal((await t.call('GET', 'identity/entity/id/anything', { token })).status, 403)
    assert.equal(
      (await t.call('POST', 'identity/entity', { token, body: { name: 'x', policies: ['root'] } })).status,
      403,
    )
  })

  it('deleting an entity drops its aliases and memberships; the next login makes a new one', async () => {
    const first = await login('carol')
    const group = await t.call('POST', 'identity/group', {
      body: { name: 'carols', member_entity_ids: [first.entity_id] },
    })
    assert.equal((await t.call('DELETE', `identity/entity/id/${first.entity_id}`)).status, 204)
    assert.equal((await t.call('GET', `identity/entity/id/${first.entity_id}`)).status, 404)
    const read = await t.call('GET', `identity/group/id/${group.body.data.id}`)
    // An emptied list reads back null, as Vault's group read does once the group is reloaded from storage.
    assert.equal(read.body.data.member_entity_ids, null)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: first.client_token })).status, 200)
    const second = await login('carol')
    assert.notEqual(second.entity_id, first.entity_id)
  })
  it('batch-deletes entities, skipping unknown IDs, and refuses an empty list', async () => {
    const ids: string[] = []
    for (const name of ['tmp-1', 'tmp-2', 'tmp-3'])
      ids.push((await t.call('POST', 'identity/entity', { body: { name } })).body.data.id)
    const res = await t.call('POST', 'identity/entity/batch-delete', {
      body: { entity_ids: [ids[0], ids[1], 'no-such-entity'] },
    })
    assert.equal(res.status, 204)
    assert.equal((await t.call('GET', `identity/entity/id/${ids[0]}`)).status, 404)
    assert.equal((await t.call('GET', `identity/entity/id/${ids[1]}`)).status, 404)
    assert.equal((await t.call('GET', `identity/entity/id/${ids[2]}`)).status, 200)
    assert.equal(
      (await t.call('POST', 'identity/entity/batch-delete', { body: { entity_ids: [] } })).status,
      400,
    )
  })
  // Vault's entity/name/(?P<name>.+) and group/name/(?P<name>.+): a name holding '/' is read, written and deleted there.
  it('entities and groups whose names hold a slash are reachable by name', async () => {
    const created = await t.call('POST', 'identity/entity', { body: { name: 'team/erin' } })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const read = await t.call('GET', 'identity/entity/name/team/erin')
    assert.equal(read.status, 200, JSON.stringify(read.body))
    assert.equal(read.body.data.id, created.body.data.id)
    assert.equal(
      (await t.call('POST', 'identity/entity/name/team/erin', { body: { metadata: { site: 'eu' } } })).status,
      204,
    )
    assert.deepEqual((await t.call('GET', `identity/entity/id/${created.body.data.id}`)).body.data.metadata, {
      site: 'eu',
    })
    assert.equal((await t.call('DELETE', 'identity/entity/name/team/erin')).status, 204)
    assert.equal((await t.call('GET', `identity/entity/id/${created.body.data.id}`)).status, 404)

    const group = await t.call('POST', 'identity/group/name/eng/web', { body: { policies: ['team-read'] } })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    assert.equal(group.body.data.name, 'eng/web')
    assert.deepEqual((await t.call('GET', 'identity/group/name/eng/web')).body.data.policies, ['team-read'])
    assert.equal((await t.call('DELETE', 'identity/group/name/eng/web')).status, 204)
    assert.equal((await t.call('GET', `identity/group/id/${group.body.data.id}`)).status, 404)
    // The bare prefixes stay list-only.
    assert.equal((await t.call('GET', 'identity/entity/name/')).status, 405)
    assert.equal((await t.call('POST', 'identity/group/name/', { body: {} })).status, 405)
  })
  // Vault's metadata fields are TypeKVPairs: the CLI's `metadata=team=eng metadata=site=eu` arrives as a list.
  it('takes entity, group and alias metadata as "key=value" strings, as the Vault CLI sends them', async () => {
    const entity = await t.call('POST', 'identity/entity', {
      body: { name: 'kv-pairs', metadata: ['team=eng', 'site=eu=west'] },
    })
    assert.equal(entity.status, 200, JSON.stringify(entity.body))
    const id = entity.body.data.id
    assert.deepEqual((await t.call('GET', `identity/entity/id/${id}`)).body.data.metadata, {
      team: 'eng',
      site: 'eu=west',
    })
    const group = await t.call('POST', 'identity/group', {
      body: { name: 'kv-group', metadata: 'tier=gold' },
    })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    assert.deepEqual((await t.call('GET', 'identity/group/name/kv-group')).body.data.metadata, {
      tier: 'gold',
    })
    const alias = await t.call('POST', 'identity/entity-alias', {
      body: {
        name: 'kv-login',
        canonical_id: id,
        mount_accessor: userpassAccessor,
        custom_metadata: ['a=1'],
      },
    })
    assert.equal(alias.status, 200, JSON.stringify(alias.body))
    assert.deepEqual(
      (await t.call('GET', `identity/entity-alias/id/${alias.body.data.id}`)).body.data.custom_metadata,
      { a: '1' },
    )
    const bad = await t.call('POST', `identity/entity/id/${id}`, { body: { metadata: ['team'] } })
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors, [
      'invalid value for "metadata": item 1 is not a key=value pair with a non-empty key',
    ])
  })
})
