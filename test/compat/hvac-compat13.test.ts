// hvac against the Vault behaviours fixed together: hvac_compat13_scenario.py drives a dev server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hvacAgainstDevServer } from '../helpers/hvac-scenario.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_compat13_scenario.py', import.meta.url))

test('hvac: aliases without canonical_id, unwrap errors, audit-hash and wrap-TTL policies', {
  timeout: 120_000,
}, async (t) => {
  const found = await hvacAgainstDevServer(t, SCRIPT)
  if (!found) return
  const r = found

  // Vault vault/identity_store_aliases.go handleAliasCreate and identity_store_group_aliases.go
  // handleGroupAliasUpdateCommon: no canonical_id makes a new entity / external group; the answer is
  // {id, canonical_id}; writing the same (mount, name) again is an update (handleAliasCreateUpdateCommon).
  await t.test('aliases created without canonical_id', () => {
    assert.deepEqual(r['entity_alias_keys'], ['canonical_id', 'id'])
    assert.match(r['entity_alias_entity'], /^entity_[0-9a-f]{8}$/)
    assert.ok([200, 204].includes(r['entity_alias_again']), JSON.stringify(r['entity_alias_again']))
    assert.deepEqual(r['group_alias_keys'], ['canonical_id', 'id'])
    assert.deepEqual(r['group_alias_group'], { type: 'external', member_group_ids: null })
  })

  // Vault handleGroupReadCommon: a group's empty lists are nil slices, JSON null (API docs "Read group by ID").
  await t.test('a group without members reads its lists as null', () => {
    assert.deepEqual(r['empty_group_lists'], {
      policies: null,
      member_entity_ids: null,
      member_group_ids: null,
      parent_group_ids: null,
    })
  })

  // Vault request_handling.go validates the wrapping token before the caller's: consts.ErrInvalidWrappingToken
  // is a 400, which hvac raises as InvalidRequest (a 403 would be Forbidden).
  await t.test('unwrapping a used wrapping token is InvalidRequest', () => {
    assert.deepEqual(r['unwrap_first'], { secret: 's3' })
    assert.deepEqual(r['unwrap_again'], {
      error: 'InvalidRequest',
      errors: ['wrapping token is not valid or does not exist'],
    })
  })

  // Vault logical_system.go handleAuditHash returns the broker's `unknown audit backend "<path>/"` as a 400.
  await t.test('audit-hash of an unknown device', () => {
    assert.deepEqual(r['audit_hash_unknown'], {
      error: 'InvalidRequest',
      errors: ['unknown audit backend "nope/"'],
    })
  })

  // Vault policy.go accepts a '*' that is not last (a literal); acl.go AllowOperation serves a request wrapped
  // with a TTL inside [min_wrapping_ttl, max_wrapping_ttl] and refuses one outside or unwrapped (403, Forbidden).
  await t.test('policies', () => {
    // Vault answers 204; Coffer adds a warning (so a 200) that the '*' is literal.
    assert.match(r['mid_star_policy'][0], /only a trailing '\*' is a wildcard/)
    assert.match(r['mid_star_read_back'], /secret\/data\/\*\/x/)
    assert.equal(r['wrap_inside'], 120)
    assert.equal(r['wrap_outside'].error, 'Forbidden')
    assert.equal(r['not_wrapped'].error, 'Forbidden')
  })
})
