// Vault behaviours clients rely on: aliases without canonical_id, null lists, unwrap errors, audit-hash, policy quirks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('Vault compatibility details', () => {
  let t: TestServer
  let userpassAccessor = ''

  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    userpassAccessor = (await t.call('GET', 'sys/auth')).body.data['userpass/'].accessor
  })
  after(() => t.close())

  describe('identity', () => {
    // Vault vault/identity_store_aliases.go handleAliasCreate: with no canonical_id a new entity is made for the
    // alias (named by generateName, "entity_" and 8 hex digits) and the response is {id, canonical_id}.
    it('an entity alias created without canonical_id gets a new entity of its own', async () => {
      const res = await t.call('POST', 'identity/entity-alias', {
        body: { name: 'no-canonical', mount_accessor: userpassAccessor },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(Object.keys(res.body.data).sort(), ['canonical_id', 'id'])
      const entity = await t.call('GET', `identity/entity/id/${res.body.data.canonical_id}`)
      assert.equal(entity.status, 200)
      assert.match(entity.body.data.name, /^entity_[0-9a-f]{8}$/)
      assert.deepEqual(
        entity.body.data.aliases.map((a: { id: string; name: string }) => [a.id, a.name]),
        [[res.body.data.id, 'no-canonical']],
      )
      const alias = await t.call('GET', `identity/entity-alias/id/${res.body.data.id}`)
      assert.equal(alias.body.data.canonical_id, res.body.data.canonical_id)
    })

    // Vault handleAliasCreateUpdateCommon: without an id, an alias found by (mount_accessor, name) is updated,
    // not refused; so writing the same alias twice keeps one alias on one entity.
    it('writing an existing (mount, name) alias again updates it instead of failing', async () => {
      const first = await t.call('POST', 'identity/entity-alias', {
        body: { name: 'twice', mount_accessor: userpassAccessor },
      })
      const again = await t.call('POST', 'identity/entity-alias', {
        body: { name: 'twice', mount_accessor: userpassAccessor, custom_metadata: { team: 'a' } },
      })
      assert.ok(again.status === 200 || again.status === 204, JSON.stringify(again.body))
      const alias = await t.call('GET', `identity/entity-alias/id/${first.body.data.id}`)
      assert.equal(alias.body.data.canonical_id, first.body.data.canonical_id)
      assert.deepEqual(alias.body.data.custom_metadata, { team: 'a' })
    })

    // Vault vault/identity_store_group_aliases.go handleGroupAliasUpdateCommon: a new group alias without
    // canonical_id is tied to a new external group (named "group_" and 8 hex digits); response {id, canonical_id}.
    it('a group alias created without canonical_id gets a new external group', async () => {
      const res = await t.call('POST', 'identity/group-alias', {
        body: { name: 'ldap-admins', mount_accessor: userpassAccessor },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(Object.keys(res.body.data).sort(), ['canonical_id', 'id'])
      const group = await t.call('GET', `identity/group/id/${res.body.data.canonical_id}`)
      assert.equal(group.status, 200)
      assert.equal(group.body.data.type, 'external')
      assert.match(group.body.data.name, /^group_[0-9a-f]{8}$/)
      assert.equal(group.body.data.alias.id, res.body.data.id)
      assert.equal(group.body.data.alias.name, 'ldap-admins')
    })

    // Vault handleGroupReadCommon returns the group's stored slices and a `var memberGroupIDs []string`: empty
    // ones are nil, JSON null (the API docs' "Read group by ID" sample shows "member_group_ids": null).
    // handleEntityReadCommon builds policies (strutil.RemoveDuplicates), aliases and the group id lists with
    // make(), so those are [] when empty; merged_entity_ids is the stored slice, null when empty.
    it('empty lists read back as Vault shows them: null for a group, [] for an entity', async () => {
      const group = await t.call('POST', 'identity/group', { body: { name: 'lonely' } })
      const id = group.body.data.id
      for (const read of [
        await t.call('GET', `identity/group/id/${id}`),
        await t.call('GET', 'identity/group/name/lonely'),
        await t.call('POST', 'identity/lookup/group', { body: { id } }),
      ]) {
        assert.equal(read.status, 200)
        for (const field of ['policies', 'member_entity_ids', 'member_group_ids', 'parent_group_ids'])
          assert.equal(read.body.data[field], null, field)
        assert.deepEqual(read.body.data.alias, {})
      }
      const entity = await t.call('POST', 'identity/entity', { body: { name: 'bare' } })
      for (const read of [
        await t.call('GET', `identity/entity/id/${entity.body.data.id}`),
        await t.call('POST', 'identity/lookup/entity', { body: { name: 'bare' } }),
      ]) {
        assert.equal(read.status, 200)
        for (const field of ['policies', 'aliases', 'direct_group_ids', 'inherited_group_ids', 'group_ids'])
          assert.deepEqual(read.body.data[field], [], field)
        assert.equal(read.body.data.merged_entity_ids, null)
      }
    })
  })

  describe('sys/wrapping with a used or unknown wrapping token', () => {
    const wrapSomething = async () => {
      const res = await t.call('POST', 'sys/wrapping/wrap', {
        headers: { 'x-vault-wrap-ttl': '300' },
        body: { secret: 'v' },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.wrap_info.token as string
    }

    // Vault vault/request_handling.go handleCancelableRequest validates the wrapping token of sys/wrapping/
    // unwrap, rewrap and lookup before the caller's token (validateWrappingToken) and answers
    // consts.ErrInvalidWrappingToken, a 400 "wrapping token is not valid or does not exist", not a 403.
    it('unwrap with a spent wrapping token in X-Vault-Token is a 400, not a 403', async () => {
      const token = await wrapSomething()
      assert.equal((await t.call('POST', 'sys/wrapping/unwrap', { token })).status, 200)
      const again = await t.call('POST', 'sys/wrapping/unwrap', { token })
      assert.equal(again.status, 400, JSON.stringify(again.body))
      assert.deepEqual(again.body.errors, ['wrapping token is not valid or does not exist'])
    })

    it('unwrap, rewrap and lookup with an unknown token in X-Vault-Token are 400s', async () => {
      for (const path of ['sys/wrapping/unwrap', 'sys/wrapping/rewrap', 'sys/wrapping/lookup']) {
        const res = await t.call('POST', path, { token: 'cvs.not-a-real-token-at-all' })
        assert.equal(res.status, 400, `${path} ${JSON.stringify(res.body)}`)
        assert.deepEqual(res.body.errors, ['wrapping token is not valid or does not exist'])
      }
    })

    // The same check uses the body's token when there is one, before the caller's own token is looked at.
    it('a spent wrapping token in the body is a 400 even when the caller token is unknown', async () => {
      const token = await wrapSomething()
      assert.equal((await t.call('POST', 'sys/wrapping/unwrap', { body: { token } })).status, 200)
      const res = await t.call('POST', 'sys/wrapping/unwrap', {
        token: 'cvs.unknown-caller',
        body: { token },
      })
      assert.equal(res.status, 400, JSON.stringify(res.body))
    })

    // validateWrappingToken's own errors (no token, a body token that is not a string or is empty) come back as
    // "error validating wrapping token: <reason>" with ErrPermissionDenied: a 403 that says what is wrong.
    it('no wrapping token, or a body token that is not one, is a 403 naming the problem', async () => {
      for (const path of ['sys/wrapping/unwrap', 'sys/wrapping/rewrap', 'sys/wrapping/lookup']) {
        for (const [body, reason] of [
          [{}, 'token is empty'],
          [{ token: 5 }, 'could not decode token in request body'],
          [{ token: { id: 'x' } }, 'could not decode token in request body'],
          [{ token: '' }, 'empty token in request body'],
        ] as const) {
          const res = await t.call('POST', path, { token: '', body })
          assert.equal(res.status, 403, `${path} ${JSON.stringify(body)}`)
          assert.deepEqual(res.body.errors, [`error validating wrapping token: ${reason}`])
        }
      }
    })

    // Authorization elsewhere is unchanged: a non-wrapping token is still refused with a 403 on other paths,
    // and a wrapping token grants nothing but the wrapping endpoints (the refusal spends its one use, as Vault
    // counts a use before the policy check).
    it('does not weaken authorization of other paths', async () => {
      assert.equal((await t.call('GET', 'secret/data/x', { token: 'cvs.not-a-real-token' })).status, 403)
      const token = await wrapSomething()
      assert.equal((await t.call('GET', 'secret/data/x', { token })).status, 403)
      const spent = await t.call('POST', 'sys/wrapping/unwrap', { token })
      assert.equal(spent.status, 400)
      assert.match(spent.body.errors[0], /wrapping token is not valid or does not exist/)
      const fresh = await wrapSomething()
      assert.equal((await t.call('POST', 'sys/wrapping/unwrap', { token: fresh })).status, 200)
    })
  })

  // Vault vault/logical_system.go handleAuditHash: the path is sanitized to end in "/" and an unknown one fails
  // with the broker's `unknown audit backend "<path>"` as a 400; a missing or empty input is
  // `the "input" parameter is empty`.
  it('sys/audit-hash of an unknown device uses Vault’s wording', async () => {
    const res = await t.call('POST', 'sys/audit-hash/nope', { body: { input: 'x' } })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, ['unknown audit backend "nope/"'])
    const empty = await t.call('POST', 'sys/audit-hash/nope', { body: { input: '' } })
    assert.equal(empty.status, 400)
    assert.deepEqual(empty.body.errors, ['the "input" parameter is empty'])
  })

  describe('policies', () => {
    // Vault vault/policy.go parsePaths: only a trailing '*' is a glob; a '*' elsewhere is a literal character
    // and the policy is accepted (Vault adds no warning; Coffer adds one, see parse-policy.ts).
    it('accepts a "*" in the middle of a path as a literal character, with a warning', async () => {
      const policy = 'path "secret/data/*/literal" { capabilities = ["read"] }'
      for (const path of ['sys/policies/acl/mid-star', 'sys/policy/mid-star-legacy']) {
        const res = await t.call('PUT', path, { body: { policy } })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.match(res.body.warnings[0], /only a trailing '\*' is a wildcard/)
      }
      await t.call('POST', 'secret/data/*/literal', { body: { data: { v: 'star' } } })
      await t.call('POST', 'secret/data/a/literal', { body: { data: { v: 'a' } } })
      const token = (
        await t.call('POST', 'auth/token/create', {
          body: { policies: ['mid-star'], no_default_policy: true },
        })
      ).body.auth.client_token
      assert.equal((await t.call('GET', 'secret/data/*/literal', { token })).status, 200)
      assert.equal((await t.call('GET', 'secret/data/a/literal', { token })).status, 403)
    })

    // Vault vault/policy/acl.go AllowOperation: with max_wrapping_ttl a request must be wrapped with a TTL no
    // longer, with min_wrapping_ttl no shorter; a request inside the window is served (wrapped). Docs:
    // "Policies" concept page, "min_wrapping_ttl / max_wrapping_ttl".
    it('serves a request whose X-Vault-Wrap-TTL lies inside the policy window, refuses one outside', async () => {
      await t.call('POST', 'secret/data/wrapped', { body: { data: { v: 'inside' } } })
      const policy = `path "secret/data/wrapped" {
  capabilities = ["read"]
  min_wrapping_ttl = "60s"
  max_wrapping_ttl = "300s"
}`
      assert.equal((await t.call('PUT', 'sys/policies/acl/wrap-window', { body: { policy } })).status, 204)
      const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['wrap-window'] } })).body
        .auth.client_token
      const read = (ttl?: string) =>
        t.call('GET', 'secret/data/wrapped', { token, headers: ttl ? { 'x-vault-wrap-ttl': ttl } : {} })
      const inside = await read('120')
      assert.equal(inside.status, 200, JSON.stringify(inside.body))
      assert.equal(inside.body.wrap_info.ttl, 120)
      const unwrapped = await t.call('POST', 'sys/wrapping/unwrap', { token: inside.body.wrap_info.token })
      assert.equal(unwrapped.body.data.data.v, 'inside')
      assert.equal((await read('60s')).status, 200, 'the lower bound is inclusive')
      assert.equal((await read('5m')).status, 200, 'the upper bound is inclusive')
      assert.equal((await read('30')).status, 403, 'shorter than min_wrapping_ttl')
      assert.equal((await read('600')).status, 403, 'longer than max_wrapping_ttl')
      assert.equal((await read()).status, 403, 'not wrapped at all')
    })
  })
})
