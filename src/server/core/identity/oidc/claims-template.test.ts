// Claims templates: Vault's JSON templating of identity data, its checks at role write, and reserved claims.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TemplateIdentity } from '../../../policy/template.ts'
import { decodeTemplate, populateTemplate, templateClaims, templateProblem } from './claims-template.ts'

const identity: TemplateIdentity = {
  entity: {
    id: 'e-1',
    name: 'alice',
    metadata: { color: 'green', team: 'red' },
    aliases: [
      {
        mountAccessor: 'auth_userpass_1',
        id: 'a-1',
        name: 'alice-login',
        metadata: { username: 'alice' },
        customMetadata: { tier: 'gold' },
      },
    ],
  },
  groups: [
    { id: 'g-1', name: 'web', metadata: { site: 'eu' } },
    { id: 'g-2', name: 'engr', metadata: {} },
  ],
}
const NOW = Date.UTC(2026, 0, 1, 0, 0, 0)

test('entity, alias, group and time parameters fill in as JSON values', () => {
  const template = `{
    "id": {{identity.entity.id}}, "name": {{identity.entity.name}},
    "color": {{identity.entity.metadata.color}}, "meta": {{identity.entity.metadata}},
    "missing": {{identity.entity.metadata.nope}},
    "user": {{identity.entity.aliases.auth_userpass_1.name}},
    "alias_id": {{identity.entity.aliases.auth_userpass_1.id}},
    "alias_meta": {{identity.entity.aliases.auth_userpass_1.metadata}},
    "username": {{identity.entity.aliases.auth_userpass_1.metadata.username}},
    "tier": {{identity.entity.aliases.auth_userpass_1.custom_metadata.tier}},
    "custom": {{identity.entity.aliases.auth_userpass_1.custom_metadata}},
    "other_mount": {{identity.entity.aliases.auth_nope.name}},
    "group_names": {{identity.entity.groups.names}}, "group_ids": {{identity.entity.groups.ids}},
    "web_id": "{{identity.groups.names.web.id}}", "site": "{{identity.groups.ids.g-1.metadata.site}}",
    "nbf": {{time.now}}, "later": {{time.now.plus.1h}}, "earlier": {{ time.now.minus.30s }}
  }`
  const { claims, problem } = templateClaims(template, identity, NOW)
  assert.equal(problem, undefined)
  const now = NOW / 1000
  assert.deepEqual(claims, {
    id: 'e-1',
    name: 'alice',
    color: 'green',
    meta: { color: 'green', team: 'red' },
    missing: '',
    user: 'alice-login',
    alias_id: 'a-1',
    alias_meta: { username: 'alice' },
    username: 'alice',
    tier: 'gold',
    custom: { tier: 'gold' },
    other_mount: '',
    group_names: ['web', 'engr'],
    group_ids: ['g-1', 'g-2'],
    web_id: 'g-1',
    site: 'eu',
    nbf: now,
    later: now + 3600,
    earlier: now - 30,
  })
})

test('values are escaped, so identity data cannot add claims of its own', () => {
  const sneaky = structuredClone(identity)
  sneaky.entity.name = 'x", "admin": true, "y": "'
  const { claims } = templateClaims('{"name": {{identity.entity.name}}}', sneaky, NOW)
  assert.deepEqual(claims, { name: 'x", "admin": true, "y": "' })
})

test('an entity with no groups renders null group lists, as Go marshals a nil slice', () => {
  const lonely = { ...identity, groups: [] }
  assert.deepEqual(templateClaims('{"g": {{identity.entity.groups.names}}}', lonely, NOW).claims, { g: null })
})

test('a template that cannot be filled adds nothing and says why', () => {
  const lonely = { ...identity, groups: [] }
  const out = templateClaims('{"g": "{{identity.groups.names.web.id}}"}', lonely, NOW)
  assert.deepEqual(out.claims, {})
  assert.match(out.problem!, /no groups were provided/)
  const wild = structuredClone(identity)
  wild.entity.metadata['color'] = 'a*b'
  assert.match(templateClaims('{"c": {{identity.entity.metadata.color}}}', wild, NOW).problem!, /wildcards/)
})

test('reserved claims in a template are dropped at issue time and refused at role write', () => {
  assert.deepEqual(templateClaims('{"sub": "me", "nonce": "x", "ok": 1}', identity, NOW).claims, { ok: 1 })
  assert.equal(
    templateProblem('{"aud": "x"}'),
    'top level key "aud" not allowed. Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash',
  )
})

test('role-write checks: Vault refuses what an empty identity cannot fill, and bad JSON', () => {
  assert.equal(templateProblem(''), undefined)
  assert.equal(templateProblem('{"a": {{identity.entity.name}}, "t": {{time.now}}}'), undefined)
  assert.equal(
    templateProblem('{"a": "{{identity.groups.names.web.id}}"}'),
    'error parsing template: string contains groups template directives but no groups were provided',
  )
  assert.equal(
    templateProblem('{"a": {{identity.entity.nope}}}'),
    'error parsing template: no value could be found for one of the template directives',
  )
  assert.equal(templateProblem('{"a": }}'), 'error parsing template: unbalanced templating characters')
  assert.match(templateProblem('{"a": {{identity.entity.id}}')!, /^error parsing template JSON: /)
  assert.match(templateProblem('["a"]')!, /^error parsing template JSON: /)
})

test('templates may be given in base64; anything else is taken as written', () => {
  const json = '{"name": {{identity.entity.name}}}'
  assert.equal(decodeTemplate(Buffer.from(json).toString('base64')), json)
  assert.equal(decodeTemplate(json), json)
  assert.equal(decodeTemplate(''), '')
})

test('populateTemplate leaves a template without parameters alone', () => {
  assert.equal(populateTemplate('{"a": 1}', identity, NOW), '{"a": 1}')
})

test('a claim named like an Object.prototype member stays a claim of its own, with hostile values quoted', () => {
  const hostile: TemplateIdentity = {
    ...identity,
    entity: { ...identity.entity, name: 'ev"il}}', metadata: { x: 'a"}, "sub": "root' } },
  }
  Object.defineProperty(hostile.entity.metadata, '__proto__', { value: 'p', enumerable: true })
  const template =
    '{"__proto__": {"iss": "evil"}, "constructor": 1, "n": {{identity.entity.name}}, "m": {{identity.entity.metadata}}}'
  const { claims, problem } = templateClaims(template, hostile, NOW)
  assert.equal(problem, undefined)
  assert.equal(Object.getPrototypeOf(claims), Object.prototype)
  assert.equal(
    JSON.stringify({ ...claims, iss: 'https://coffer/v1/identity/oidc' }),
    '{"__proto__":{"iss":"evil"},"constructor":1,"n":"ev\\"il}}","m":{"x":"a\\"}, \\"sub\\": \\"root","__proto__":"p"},"iss":"https://coffer/v1/identity/oidc"}',
  )
})
