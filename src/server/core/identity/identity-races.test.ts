// Logins racing merge, entity delete and alias delete on real SQLite: the identity indexes stay consistent.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { getJson, type Storage, storageView } from '../../../sdk/storage.ts'
import { SqliteStorage } from '../../physical/sqlite.ts'
import { IdentityStore } from './identity-store.ts'
import type { EntityRecord } from './records.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-identity-races-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const N = 20
const UP = 'auth_userpass_1'
const JWT = 'auth_jwt_2'
const MOUNTS: Record<string, { path: string; type: string }> = {
  [UP]: { path: 'auth/userpass/', type: 'userpass' },
  [JWT]: { path: 'auth/jwt/', type: 'jwt' },
}

function open() {
  const physical = SqliteStorage.open(join(root, `db-${++counter}`, 'coffer.db'))
  const storage = storageView(physical, 'sys/identity/')
  const store = new IdentityStore(
    storage,
    (a) => MOUNTS[a],
    () => 1_700_000_000_000,
  )
  return { store, storage, close: () => physical.close() }
}

const text = (raw: Uint8Array | undefined) => (raw === undefined ? undefined : new TextDecoder().decode(raw))

/** Every index agrees with the entity records: no alias of a deleted entity, no (mount, name) held twice. */
async function assertConsistent(storage: Storage): Promise<EntityRecord[]> {
  const entities: EntityRecord[] = []
  for (const id of await storage.list('entity/')) {
    const entity = await getJson<EntityRecord>(storage, `entity/${id}`)
    assert.ok(entity)
    entities.push(entity)
  }
  const ids = new Set(entities.map((e) => e.id))
  const owners = new Map<string, string>()
  for (const entity of entities) {
    for (const alias of entity.aliases) {
      const key = `${alias.mountAccessor}/${alias.name.toLowerCase()}`
      assert.equal(owners.get(key), undefined, `alias ${key} is held by two entities`)
      owners.set(key, entity.id)
      assert.equal(text(await storage.get(`alias/${alias.id}`)), entity.id, `alias/${alias.id} index`)
    }
  }
  for (const aliasId of await storage.list('alias/')) {
    const entityId = text(await storage.get(`alias/${aliasId}`))!
    assert.ok(ids.has(entityId), `alias ${aliasId} points at deleted entity ${entityId}`)
  }
  for (const accessor of await storage.list('alias-key/')) {
    for (const name of await storage.list(`alias-key/${accessor}`)) {
      const entityId = text(await storage.get(`alias-key/${accessor}${name}`))!
      assert.ok(ids.has(entityId), `alias-key ${accessor}${name} points at deleted entity ${entityId}`)
    }
  }
  return entities
}

describe('identity races on SQLite', () => {
  it('20 concurrent first logins of one user create exactly one entity and one alias', async () => {
    const { store, storage, close } = open()
    const ids = await Promise.all(
      Array.from({ length: N }, (_, i) => store.login(UP, { name: 'ann', metadata: { n: String(i) } })),
    )
    assert.equal(new Set(ids).size, 1)
    const entities = await assertConsistent(storage)
    assert.equal(entities.length, 1)
    assert.equal(entities[0]!.aliases.length, 1)
    assert.equal((await storage.list('alias/')).length, 1)
    await close()
  })

  it('logins racing a merge leave one entity holding both aliases, and later logins find it', async () => {
    const { store, storage, close } = open()
    const target = await store.login(UP, { name: 'ann' })
    const source = await store.login(JWT, { name: 'ann@example.com' })
    // Changing metadata sends every login through the write path (it rewrites the entity holding the alias).
    const logins = Array.from({ length: N }, (_, i) => [
      store.login(JWT, { name: 'ann@example.com', metadata: { n: String(i) } }),
      store.login(UP, { name: 'ann', metadata: { n: String(i) } }),
    ]).flat()
    const late: Promise<string>[] = []
    const merged = store
      .mergeEntities({ toEntityId: target, fromEntityIds: [source], keepAliasIds: [] })
      .then(() => {
        for (let i = 0; i < N; i++)
          late.push(store.login(JWT, { name: 'ann@example.com', metadata: { m: String(i) } }))
      })
    await Promise.all([...logins, merged])
    assert.deepEqual(new Set(await Promise.all(late)), new Set([target]))
    const entities = await assertConsistent(storage)
    assert.deepEqual(
      entities.map((e) => e.id),
      [target],
      'the merged entity is gone and not written back',
    )
    assert.equal(entities[0]!.aliases.length, 2)
    await close()
  })

  it('logins racing an entity delete never resurrect it; logins after the delete get a new entity', async () => {
    const { store, storage, close } = open()
    const doomed = await store.login(UP, { name: 'bob' })
    const logins = Array.from({ length: N }, (_, i) =>
      store.login(UP, { name: 'bob', metadata: { n: String(i) } }),
    )
    const late: Promise<string>[] = []
    const deleted = store.deleteEntity(doomed).then(() => {
      for (let i = 0; i < N; i++) late.push(store.login(UP, { name: 'bob', metadata: { m: String(i) } }))
    })
    await Promise.all([...logins, deleted])
    const after = new Set(await Promise.all(late))
    assert.equal(after.size, 1)
    assert.ok(!after.has(doomed), 'a login after the delete must not find the deleted entity')
    const entities = await assertConsistent(storage)
    assert.equal(await store.entity(doomed), undefined, 'the deleted entity was written back')
    assert.equal(entities.filter((e) => e.aliases.some((a) => a.name === 'bob')).length, 1)
    await close()
  })

  it('logins racing an alias delete leave at most one alias for the (mount, name)', async () => {
    const { store, storage, close } = open()
    const owner = await store.login(UP, { name: 'cy' })
    const aliasId = (await store.entity(owner))!.aliases[0]!.id
    const logins = Array.from({ length: N }, (_, i) =>
      store.login(UP, { name: 'cy', metadata: { n: String(i) } }),
    )
    await Promise.all([...logins, store.deleteAlias(aliasId), store.upsertEntity(owner, { policies: ['p'] })])
    const entities = await assertConsistent(storage)
    const holders = entities.filter((e) => e.aliases.some((a) => a.mountAccessor === UP && a.name === 'cy'))
    assert.ok(holders.length <= 1)
    assert.equal((await store.entity(owner))?.policies.join(), 'p', 'the entity itself stays')
    await close()
  })
})
