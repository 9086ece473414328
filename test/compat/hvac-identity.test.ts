// hvac's secrets.identity against Coffer: hvac_identity_scenario.py drives a dev server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hvacAgainstDevServer } from '../helpers/hvac-scenario.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_identity_scenario.py', import.meta.url))

test('hvac secrets.identity against Coffer', { timeout: 120_000 }, async (t) => {
  const found = await hvacAgainstDevServer(t, SCRIPT)
  if (!found) return
  const r = found

  await t.test('entities: create, update, read by id and name, list', () => {
    assert.deepEqual(r['create_entity'], { name: 'alice', has_id: true })
    assert.equal(r['update_entity'], 204)
    assert.deepEqual(r['read_entity'], {
      name: 'alice',
      metadata: { team: 'red' },
      policies: ['team'],
      disabled: false,
    })
    assert.equal(r['read_entity_by_name'], true)
    // As Vault: an entity without aliases is listed with its name alone.
    assert.deepEqual(r['list_entities'], ['name'])
    assert.equal(r['list_entities_count'], 2)
    assert.deepEqual(r['list_entities_by_name'], ['alice', 'bob'])
  })

  await t.test('entity aliases, and a login landing on the aliased entity', () => {
    assert.equal(r['create_entity_alias'], true)
    assert.equal(r['read_entity_alias']['name'], 'alice')
    assert.equal(r['read_entity_alias']['mount_type'], 'userpass')
    assert.equal(r['read_entity_alias']['canonical_id'].length, 36)
    // Writing the same (mount, name, canonical_id) again is an update that changes nothing, as in Vault
    // (identity_store_aliases.go handleAliasCreateUpdateCommon finds it by factors; handleAliasUpdate is idempotent).
    assert.equal(r['duplicate_alias'], 'no error')
    assert.deepEqual(r['login'], { same_entity: true, identity_policies: ['team'], read: { k: 'v' } })
  })

  await t.test('groups and group aliases', () => {
    assert.equal(r['create_group'], 'devs')
    assert.equal(r['read_group']['type'], 'internal')
    assert.deepEqual(r['read_group']['policies'], ['team'])
    assert.equal(r['read_group']['member_entity_ids'].length, 1)
    assert.deepEqual(r['read_group']['metadata'], { a: 'b' })
    assert.equal(r['list_groups'], true)
    assert.equal(r['create_group_alias'], true)
    assert.equal(r['read_group_alias'], 'github-devs')
  })

  await t.test('lookups, refusals and deletion', () => {
    for (const key of [
      'lookup_entity_by_name',
      'lookup_entity_by_alias_id',
      'lookup_entity_by_alias',
      'lookup_group_by_name',
      'lookup_group_by_alias',
    ])
      assert.equal(r[key], true, key)
    assert.equal(r['lookup_entity_missing'], 204)
    assert.equal(r['merge_entities'], 204)
    assert.equal(r['merged_away'].error, 'InvalidPath')
    assert.equal(r['merged_ids'], true)
    assert.equal(r['merge_into_self'].error, 'InvalidRequest')
    assert.equal(r['bad_group_type'].error, 'InvalidRequest')
    assert.equal(r['delete_entity'], 204)
    assert.equal(r['read_deleted'].error, 'InvalidPath')
  })
})
