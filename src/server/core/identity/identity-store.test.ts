// The identity store on a real in-memory storage: login find-or-create, indexes, group nesting, external sync, races.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { storageView } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { IdentityStore } from './identity-store.ts'

const MOUNTS: Record<string, { path: string; type: string }> = {
  auth_userpass_1: { path: 'auth/userpass/', type: 'userpass' },
  auth_jwt_2: { path: 'auth/jwt/', type: 'jwt' },
}

function make(physical = new MemoryStorage()) {
  const store = new IdentityStore(
    storageView(physical, 'sys/identity/'),
    (a) => MOUNTS[a],
    () => 1_700_000_000_000,
  )
  return { store, physical }
}

describe('IdentityStore', () => {
  it('merges entities: aliases and group memberships move, the sources go, their tokens act for the target', async () => {
    const { store, physical } = make()
    const target = await store.login('auth_userpass_1', { name: 'ann' })
    const source = await store.login('auth_jwt_2', { name: 'ann@example.com' })
    await store.upsertEntity(target, { policies: ['base'] })
    await store.upsertEntity(source, { policies: ['not-carried'] })
    const { group } = await store.upsertGroup(undefined, {
      name: 'ops',
      policies: ['ops'],
      memberEntityIds: [source],
    })

    await store.mergeEntities({ toEntityId: target, fromEntityIds: [source], keepAliasIds: [] })
    assert.equal(await store.entity(source), undefined)
    const merged = await store.entity(target)
    assert.deepEqual(merged?.aliases.map((a) => a.name).sort(), ['ann', 'ann@example.com'])
    assert.deepEqual(merged?.mergedEntityIds, [source])
    assert.deepEqual(merged?.aliases.find((a) => a.name === 'ann@example.com')?.mergedFromCanonicalIds, [
      source,
    ])
    assert.deepEqual(merged?.policies, ['base'])
    // The moved alias logs in to the target now, and the group counts the target as its member.
    assert.equal(await store.login('auth_jwt_2', { name: 'ann@example.com' }), target)
    assert.deepEqual((await store.entityGroups(target)).direct, [group.id])
    assert.deepEqual(store.groups.get(group.id)?.memberEntityIds, [target])
    // A token issued to the merged-away entity resolves to the target's identity.
    assert.deepEqual((await store.resolve(source))?.policies, ['base', 'ops'])

    // The same after a restart.
    const reloaded = new IdentityStore(
      storageView(physical, 'sys/identity/'),
      (a) => MOUNTS[a],
      () => 1,
    )
    await reloaded.load()
    assert.deepEqual((await reloaded.resolve(source))?.policies, ['base', 'ops'])
  })

  it('refuses a merge with clashing aliases unless one is named to keep, and bad ids, changing nothing', async () => {
    const { store } = make()
    const target = await store.login('auth_userpass_1', { name: 'bo' })
    const source = await store.login('auth_userpass_1', { name: 'bob' })
    const before = await store.entity(target)
    await assert.rejects(
      store.mergeEntities({ toEntityId: target, fromEntityIds: [source], keepAliasIds: [] }),
      /have aliases with the same mount accessor/,
    )
    assert.deepEqual(await store.entity(target), before)
    assert.ok(await store.entity(source))
    await assert.rejects(
      store.mergeEntities({ toEntityId: target, fromEntityIds: [target], keepAliasIds: [] }),
      /should not be present/,
    )
    await assert.rejects(
      store.mergeEntities({ toEntityId: target, fromEntityIds: ['no-such-entity'], keepAliasIds: [] }),
      /merge from is invalid/,
    )
    await assert.rejects(
      store.mergeEntities({ toEntityId: 'no-such-entity', fromEntityIds: [source], keepAliasIds: [] }),
      /merge to is invalid/,
    )
    const keep = (await store.entity(source))!.aliases[0]!.id
    await store.mergeEntities({ toEntityId: target, fromEntityIds: [source], keepAliasIds: [keep] })
    const merged = await store.entity(target)
    assert.deepEqual(
      merged?.aliases.map((a) => a.name),
      ['bob'],
    )
    assert.equal(await store.login('auth_userpass_1', { name: 'bob' }), target)
    // The dropped alias is gone: its next login makes a new entity.
    assert.notEqual(await store.login('auth_userpass_1', { name: 'bo' }), target)
  })

  it('refuses to resolve alias clashes for several source entities at once, changing nothing', async () => {
    const { store } = make()
    const target = await store.login('auth_userpass_1', { name: 'tom' })
    const first = await store.login('auth_userpass_1', { name: 'ann' })
    const second = await store.login('auth_jwt_2', { name: 'ann@example.com' })
    await store.upsertAlias(undefined, {
      canonicalId: target,
      mountAccessor: 'auth_jwt_2',
      name: 'tom@example.com',
    })
    const keep = [(await store.entity(first))!.aliases[0]!.id, (await store.entity(second))!.aliases[0]!.id]
    const before = await store.entity(target)
    await assert.rejects(
      store.mergeEntities({ toEntityId: target, fromEntityIds: [first, second], keepAliasIds: keep }),
      /merge one entity at a time/,
    )
    assert.deepEqual(await store.entity(target), before)
    assert.ok(await store.entity(first))
    assert.ok(await store.entity(second))
  })

  it('a login refreshes alias metadata only when it changed, whatever the key order', async () => {
    const { store, physical } = make()
    let writes = 0
    const batch = physical.batch.bind(physical)
    physical.batch = (ops) => {
      writes++
      return batch(ops)
    }
    const id = await store.login('auth_jwt_2', { name: 'dev', metadata: { team: 'a', env: 'prod' } })
    const afterCreate = writes
    await store.login('auth_jwt_2', { name: 'dev', metadata: { env: 'prod', team: 'a' } })
    assert.equal(writes, afterCreate, 'same metadata in another order writes nothing')
    const changes: Record<string, string>[] = [
      { team: 'b', env: 'prod' },
      { team: 'b' },
      { team: 'b', region: 'eu' },
    ]
    for (const metadata of changes) {
      await store.login('auth_jwt_2', { name: 'dev', metadata })
      const alias = (await store.entity(id))?.aliases[0]
      assert.deepEqual(alias?.metadata, metadata)
    }
    assert.equal(writes, afterCreate + 3)
  })

  it('a login creates one entity per (mount, alias name), case-insensitively, and reuses it', async () => {
    const { store } = make()
    const a = await store.login('auth_userpass_1', { name: 'Alice' })
    assert.equal(await store.login('auth_userpass_1', { name: 'alice' }), a)
    const other = await store.login('auth_jwt_2', { name: 'alice' })
    assert.notEqual(other, a, 'the same name on another mount is another login')
    const entity = await store.entity(a)
    assert.equal(entity?.aliases.length, 1)
    assert.equal((await store.entityByName(entity!.name))?.id, a)
  })

  it('concurrent first logins of one user make one entity', async () => {
    const { store } = make()
    const ids = await Promise.all(
      Array.from({ length: 8 }, () => store.login('auth_userpass_1', { name: 'bob' })),
    )
    assert.equal(new Set(ids).size, 1)
    assert.equal((await store.entityIds()).length, 1)
  })

  it('survives a reload: groups come back from storage, indexes still find everything', async () => {
    const { store, physical } = make()
    const id = await store.login('auth_userpass_1', { name: 'carol' })
    const { group } = await store.upsertGroup(undefined, {
      name: 'Team',
      policies: ['B', 'a', 'a'],
      memberEntityIds: [id],
    })
    assert.deepEqual(group.policies, ['a', 'b'])
    const reloaded = make(physical).store
    await reloaded.load()
    assert.equal(reloaded.groups.byName('team')?.id, group.id)
    assert.equal((await reloaded.aliasByName('auth_userpass_1', 'CAROL'))?.entity.id, id)
    assert.deepEqual((await reloaded.resolve(id))?.policies, ['a', 'b'])
  })

  it('policies flow down nested groups, and a cycle is refused', async () => {
    const { store } = make()
    const id = await store.login('auth_userpass_1', { name: 'dave' })
    await store.upsertEntity(id, { policies: ['own'] })
    const inner = (
      await store.upsertGroup(undefined, { name: 'inner', policies: ['in'], memberEntityIds: [id] })
    ).group
    const mid = (
      await store.upsertGroup(undefined, { name: 'mid', policies: ['mid'], memberGroupIds: [inner.id] })
    ).group
    await store.upsertGroup(undefined, { name: 'top', policies: ['top'], memberGroupIds: [mid.id] })
    const resolved = await store.resolve(id)
    assert.deepEqual(resolved?.policies, ['in', 'mid', 'own', 'top'])
    assert.deepEqual(resolved?.template.groups.map((g) => g.name).sort(), ['inner', 'mid', 'top'])
    const top = store.groups.byName('top')!
    await assert.rejects(
      store.upsertGroup(inner.id, { memberGroupIds: [top.id] }),
      /cyclic relationship detected for member group ID/,
    )
    await assert.rejects(
      store.upsertGroup(inner.id, { memberGroupIds: [inner.id] }),
      /is same as the ID of the group/,
    )
    // Deleting the middle group cuts the inheritance; the cache sees it at once.
    await store.deleteGroup(mid.id)
    assert.deepEqual((await store.resolve(id))?.policies, ['in', 'own'])
    assert.deepEqual(store.groups.get(top.id)?.memberGroupIds, [])
  })

  it('external groups follow the groups a login reports on their own mount only', async () => {
    const { store } = make()
    const ext = (await store.upsertGroup(undefined, { name: 'eng', type: 'external', policies: ['eng'] }))
      .group
    await store.upsertGroupAlias(undefined, {
      name: 'Engineering',
      mountAccessor: 'auth_jwt_2',
      canonicalId: ext.id,
    })
    const id = await store.login('auth_jwt_2', { name: 'erin' }, ['engineering'])
    assert.deepEqual(store.groups.get(ext.id)?.memberEntityIds, [id])
    assert.deepEqual((await store.resolve(id))?.policies, ['eng'])
    // A login without group information (undefined) leaves memberships alone; an empty list removes them.
    await store.login('auth_jwt_2', { name: 'erin' })
    assert.deepEqual(store.groups.get(ext.id)?.memberEntityIds, [id])
    await store.login('auth_jwt_2', { name: 'erin' }, [])
    assert.deepEqual(store.groups.get(ext.id)?.memberEntityIds, [])
    assert.deepEqual((await store.resolve(id))?.policies, [])
  })

  it('a disabled entity refuses logins; deleting an entity frees its alias', async () => {
    const { store } = make()
    const id = await store.login('auth_userpass_1', { name: 'frank' })
    await store.upsertEntity(id, { disabled: true })
    await assert.rejects(store.login('auth_userpass_1', { name: 'frank' }), /permission denied/)
    assert.equal((await store.resolve(id))?.disabled, true)
    assert.equal(await store.deleteEntity(id), true)
    assert.equal(await store.resolve(id), undefined)
    assert.notEqual(await store.login('auth_userpass_1', { name: 'frank' }), id)
  })

  it('a login remembered for the next ones is forgotten at any identity write (disable, alias move)', async () => {
    const { store } = make()
    const id = await store.login('auth_userpass_1', { name: 'hank' })
    // The first login created the alias (a write); the second is remembered, the third answered from memory.
    assert.equal(await store.login('auth_userpass_1', { name: 'hank' }), id)
    assert.equal(await store.login('auth_userpass_1', { name: 'hank' }), id)
    await store.upsertEntity(id, { disabled: true })
    await assert.rejects(store.login('auth_userpass_1', { name: 'hank' }), /permission denied/)
    await store.upsertEntity(id, { disabled: false })
    assert.equal(await store.login('auth_userpass_1', { name: 'hank' }), id)
    assert.equal(await store.login('auth_userpass_1', { name: 'hank' }), id)
    const other = (await store.upsertEntity(undefined, { name: 'hank-2' })).entity.id
    await store.upsertAlias(undefined, { name: 'hank', canonicalId: other, mountAccessor: 'auth_userpass_1' })
    assert.equal(await store.login('auth_userpass_1', { name: 'hank' }), other)
    // Other alias metadata is another login: it updates the alias, as before.
    assert.equal(await store.login('auth_userpass_1', { name: 'hank', metadata: { team: 'a' } }), other)
    assert.deepEqual((await store.aliasByName('auth_userpass_1', 'hank'))?.alias.metadata, { team: 'a' })
  })

  it('refuses aliases that clash, name unknown mounts or entities', async () => {
    const { store } = make()
    const a = await store.login('auth_userpass_1', { name: 'gina' })
    const b = (await store.upsertEntity(undefined, { name: 'other' })).entity.id
    await assert.rejects(
      store.upsertAlias(undefined, { name: 'x', canonicalId: a, mountAccessor: 'auth_userpass_1' }),
      /Alias already exists for requested entity and mount accessor/,
    )
    await assert.rejects(
      store.upsertAlias(undefined, { name: 'x', canonicalId: b, mountAccessor: 'auth_nope_9' }),
      /invalid mount accessor/,
    )
    await assert.rejects(
      store.upsertAlias(undefined, { name: 'x', canonicalId: 'nope', mountAccessor: 'auth_jwt_2' }),
      /invalid canonical ID/,
    )
    // Moving gina's alias to the other entity: the next login lands there. Without an id, Vault
    // (identity_store_aliases.go handleAliasCreateUpdateCommon) finds the alias by (mount, name) and updates it.
    const alias = (await store.aliasByName('auth_userpass_1', 'gina'))!.alias
    const moved = await store.upsertAlias(undefined, {
      name: 'gina',
      canonicalId: b,
      mountAccessor: 'auth_userpass_1',
    })
    assert.deepEqual([moved.alias.id, moved.created], [alias.id, false])
    assert.equal(await store.login('auth_userpass_1', { name: 'gina' }), b)
    assert.equal((await store.entity(a))?.aliases.length, 0)
  })

  // Vault identity_store_aliases.go handleAliasCreate: no canonical_id makes a new entity named entity_<8 hex>.
  it('an alias created without canonical_id gets a new entity of its own', async () => {
    const { store } = make()
    const { alias, created } = await store.upsertAlias(undefined, {
      name: 'solo',
      mountAccessor: 'auth_userpass_1',
    })
    assert.equal(created, true)
    const entity = await store.entity(alias.canonicalId)
    assert.match(entity!.name, /^entity_[0-9a-f]{8}$/)
    assert.equal((await store.entityByName(entity!.name))?.id, entity!.id)
    assert.deepEqual(
      entity!.aliases.map((x) => x.id),
      [alias.id],
    )
  })
  // Vault identity_store_aliases.go: custom_metadata goes through custommetadata.Validate, as KV v2 metadata does.
  it("refuses an alias's custom_metadata past Vault's limits, storing nothing", async () => {
    const { store } = make()
    const id = (await store.upsertEntity(undefined, { name: 'meta' })).entity.id
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
    const cases: [Record<string, string>, RegExp][] = [
      [tooMany, /custom_metadata validation failed: payload must contain at most 64 keys, provided 65/],
      [{ ['k'.repeat(129)]: 'v' }, /length of key "k{129}" is 129 but must be 0 < len\(key\) <= 128/],
      [{ big: 'v'.repeat(513) }, /length of value for key "big" is 513 but must be 0 < len\(value\) <= 512/],
      [{ ctl: 'a\u0000b' }, /value for key "ctl" contains unprintable characters/],
    ]
    for (const [customMetadata, message] of cases) {
      await assert.rejects(
        store.upsertAlias(undefined, {
          name: 'm',
          canonicalId: id,
          mountAccessor: 'auth_jwt_2',
          customMetadata,
        }),
        (error: Error & { status?: number }) => error.status === 400 && message.test(error.message),
      )
    }
    assert.equal(await store.aliasByName('auth_jwt_2', 'm'), undefined)
    const ok = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v'.repeat(512)]))
    const { alias } = await store.upsertAlias(undefined, {
      name: 'm',
      canonicalId: id,
      mountAccessor: 'auth_jwt_2',
      customMetadata: ok,
    })
    await assert.rejects(
      store.upsertAlias(alias.id, { customMetadata: { big: 'v'.repeat(513) } }),
      /custom_metadata validation failed/,
    )
    assert.deepEqual((await store.alias(alias.id))?.alias.customMetadata, ok)
  })
})
