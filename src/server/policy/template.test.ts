// Identity templating in policy paths: each expression Vault documents, unsafe values, and unresolvable paths.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Acl } from './acl.ts'
import { parsePolicy } from './parse-policy.ts'
import {
  hasTemplates,
  resolvePattern,
  resolvePolicyTemplates,
  type TemplateIdentity,
  templateValue,
} from './template.ts'

const identity: TemplateIdentity = {
  entity: {
    id: 'e-1',
    name: 'alice',
    metadata: { team: 'blue' },
    aliases: [
      {
        mountAccessor: 'auth_userpass_1',
        id: 'a-1',
        name: 'alice',
        metadata: { org: 'x' },
        customMetadata: { c: 'y' },
      },
      { mountAccessor: 'auth_kubernetes_2', id: 'a-2', name: 'ns/app', metadata: {}, customMetadata: {} },
    ],
  },
  groups: [{ id: 'g-1', name: 'ops.team', metadata: { site: 'ams' } }],
}

describe('templateValue', () => {
  const cases: [string, string | undefined][] = [
    ['identity.entity.id', 'e-1'],
    ['identity.entity.name', 'alice'],
    ['identity.entity.metadata.team', 'blue'],
    ['identity.entity.metadata.missing', undefined],
    ['identity.entity.aliases.auth_userpass_1.name', 'alice'],
    ['identity.entity.aliases.auth_userpass_1.id', 'a-1'],
    ['identity.entity.aliases.auth_userpass_1.metadata.org', 'x'],
    ['identity.entity.aliases.auth_userpass_1.custom_metadata.c', 'y'],
    ['identity.entity.aliases.auth_other_9.name', undefined],
    ['identity.groups.names.ops.team.id', 'g-1'],
    ['identity.groups.names.ops.team.metadata.site', 'ams'],
    ['identity.groups.names.dev.id', undefined],
    ['identity.groups.ids.g-1.name', 'ops.team'],
    ['identity.groups.ids.g-1.metadata.site', 'ams'],
    ['identity.groups.ids.g-2.name', undefined],
    ['identity.entity.unknown', undefined],
    ['identity.entity.metadata.__proto__', undefined],
  ]
  for (const [expression, expected] of cases) {
    it(`${expression} → ${expected}`, () => assert.equal(templateValue(expression, identity), expected))
  }
  it('names nothing without an identity', () =>
    assert.equal(templateValue('identity.entity.id', undefined), undefined))
})

describe('resolvePattern', () => {
  it('fills every template, tolerating spaces inside the braces', () => {
    assert.equal(
      resolvePattern('kv/{{ identity.entity.name }}/{{identity.entity.id}}/*', identity),
      'kv/alice/e-1/*',
    )
    assert.equal(
      resolvePattern('kv/{{identity.entity.aliases.auth_kubernetes_2.name}}', identity),
      'kv/ns/app',
    )
  })
  it('refuses values that would act as globs or climb, and unresolvable or malformed templates', () => {
    const sneaky = (name: string): TemplateIdentity => ({ ...identity, entity: { ...identity.entity, name } })
    for (const name of ['*', 'a*', '+', 'a/+/b', '..', 'a//b', '', '{{x}}'])
      assert.equal(resolvePattern('kv/{{identity.entity.name}}/x', sneaky(name)), undefined, name)
    assert.equal(resolvePattern('kv/{{identity.entity.nope}}', identity), undefined)
    assert.equal(resolvePattern('kv/{{identity.entity.name', identity), undefined)
  })
})

describe('resolvePolicyTemplates', () => {
  const policy = parsePolicy(
    'p',
    `path "secret/data/users/{{identity.entity.aliases.auth_userpass_1.name}}/*" { capabilities = ["read"] }
path "secret/data/shared" { capabilities = ["read"] }
path "secret/data/teams/{{identity.entity.metadata.missing}}" { capabilities = ["read"] }`,
  )
  it('keeps plain paths, fills templated ones, drops those it cannot fill', () => {
    assert.equal(hasTemplates(policy), true)
    const resolved = resolvePolicyTemplates(policy, identity)
    assert.deepEqual(
      resolved.rules.map((r) => r.pattern),
      ['secret/data/users/alice/*', 'secret/data/shared'],
    )
    const acl = new Acl([resolved])
    assert.equal(acl.authorize({ path: 'secret/data/users/alice/k', operation: 'read' }).allowed, true)
    assert.equal(acl.authorize({ path: 'secret/data/users/bob/k', operation: 'read' }).allowed, false)
  })
  it('without an identity only the plain paths remain; a plain policy is returned as is', () => {
    assert.deepEqual(
      resolvePolicyTemplates(policy, undefined).rules.map((r) => r.pattern),
      ['secret/data/shared'],
    )
    const plain = parsePolicy('q', 'path "a/*" { capabilities = ["read"] }')
    assert.equal(hasTemplates(plain), false)
    assert.equal(resolvePolicyTemplates(plain, identity), plain)
  })
})
